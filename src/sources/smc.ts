/**
 * The SMC source: live through the N-API addon (macOS), or replay of an SMC dump file
 * (iSMC raw format or `smc dump --json`). Both paths end in interpretSmc, so a replayed field
 * report exercises exactly the code a live Mac runs.
 *
 * Live: at start the full key list is enumerated once (`readAllKeys`), then every interval only
 * the keys that carry meaning are read (temperatures, fans, power) plus the HID temperatures.
 * Without the addon (Linux, no Xcode tools, failed build, SILICON_AGENT_NO_NATIVE=1) the source
 * reports `unavailable` once, logs one line, and does nothing else: the rest of the agent runs.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../log.ts';
import { createLogger } from '../log.ts';
import { alignedDelay } from './aligned.ts';
import { parseSmcDump } from '../parsers/smc-dump.ts';
import type { HidSensor, SmcKey } from '../samples.ts';
import { parseError } from '../samples.ts';
import type { SmcAddon, SmcAddonLoad } from '../smc/addon.ts';
import { loadSmcAddon } from '../smc/addon.ts';
import { interpretSmc } from '../smc/interpret.ts';
import { isTemperatureType, POWER_KEYS } from '../smc/sensors.ts';
import type { Source, SourceSink, SourceStatus } from './source.ts';

export interface SmcSourceOptions {
  intervalMs: number;
  /** Replay this dump instead of reading the SMC. */
  replayFile?: string;
  /** Replay: stop after this many samples (default: until stopped). */
  maxSamples?: number;
  /** `hw.model`: a Mac Studio's 0 RPM fan is reported unavailable. */
  hwModel?: string;
  logger?: Logger;
  /** Injected loader (tests); default loadSmcAddon. */
  loadAddon?: () => SmcAddonLoad;
  /** Retry period while AppleSMC cannot be opened (default 60 s). */
  retryMs?: number;
}

export interface SmcSource extends Source {
  readonly status: SourceStatus;
  readonly samples: number;
}

/** Keys read on every poll: temperatures, fan count and fan keys, power keys. */
export function keysToPoll(all: readonly SmcKey[]): string[] {
  return all
    .filter(
      (k) =>
        (k.key.startsWith('T') && isTemperatureType(k.type)) ||
        k.key === 'FNum' ||
        /^F\d(Ac|Mn|Mx|Tg)$/.test(k.key) ||
        k.key in POWER_KEYS,
    )
    .map((k) => k.key);
}

export function createSmcSource(opts: SmcSourceOptions): SmcSource {
  const logger = opts.logger ?? createLogger();
  let status: SourceStatus = { state: 'starting' };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let samples = 0;
  let sink: SourceSink | undefined;
  let lastReadAt: number | undefined;

  const setStatus = (s: SourceStatus) => {
    if (s.state === status.state && s.reason === status.reason) return;
    status = s;
    sink?.status(s);
  };
  const schedule = (fn: () => void, ms: number) => {
    if (!stopped) timer = setTimeout(fn, alignedDelay(ms));
  };
  /**
   * Seconds since the previous read: the window over which this reading's system power is
   * integrated into `hw.host.energy`. The first read has no window (undefined: it adds no energy,
   * rather than charging a whole nominal interval), and neither has a read after a gap longer than
   * 3 intervals (sleep, a stalled addon): one power reading says nothing about such a span.
   */
  const intervalS = (): number | undefined => {
    const now = performance.now();
    const dt = lastReadAt === undefined ? undefined : (now - lastReadAt) / 1000;
    lastReadAt = now;
    return dt !== undefined && dt > 0 && dt <= (3 * opts.intervalMs) / 1000 ? dt : undefined;
  };

  async function startReplay(file: string) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      setStatus({ state: 'unavailable', reason: `cannot read SMC replay file ${file}: ${(err as Error).message}` });
      return;
    }
    const { keys, errors } = parseSmcDump(text);
    for (const e of errors) sink?.result(e);
    if (keys.length === 0) {
      setStatus({ state: 'unavailable', reason: `SMC replay file ${file} has no keys` });
      return;
    }
    setStatus({ state: 'running' });
    const tick = () => {
      if (stopped) return;
      sink?.result(interpretSmc(keys, [], { hwModel: opts.hwModel, intervalS: intervalS() }));
      samples++;
      if (opts.maxSamples !== undefined && samples >= opts.maxSamples) {
        setStatus({ state: 'stopped' });
        return;
      }
      schedule(tick, opts.intervalMs);
    };
    tick();
  }

  function startLive() {
    const load = (opts.loadAddon ?? loadSmcAddon)();
    const addon: SmcAddon | undefined = load.addon;
    if (!addon || !addon.hasIOKit || !addon.readAllKeys || !addon.readKeys) {
      const reason = load.error ?? 'SMC addon built without IOKit (not macOS)';
      logger.once('smc.unavailable', 'warn', `SMC source unavailable, continuing without temperatures, fans and system power: ${reason}`, {
        source: 'smc',
      });
      setStatus({ state: 'unavailable', reason });
      return;
    }
    let pollList: string[] | undefined;
    const tick = () => {
      if (stopped) return;
      try {
        if (pollList === undefined) {
          const all = addon.readAllKeys!();
          if (!all.opened) {
            const reason = `cannot open AppleSMC: ${all.errors[0]?.message ?? 'unknown error'}`;
            logger.once('smc.open', 'warn', reason, { source: 'smc' });
            setStatus({ state: 'unavailable', reason });
            schedule(tick, opts.retryMs ?? 60_000);
            return;
          }
          pollList = keysToPoll(all.keys);
          logger.info('SMC keys enumerated', { source: 'smc', keys: all.keys.length, polled: pollList.length, errors: all.errors.length });
        }
        const read = addon.readKeys!(pollList);
        if (!read.opened) {
          setStatus({ state: 'restarting', reason: `cannot open AppleSMC: ${read.errors[0]?.message ?? 'unknown error'}` });
          schedule(tick, opts.intervalMs);
          return;
        }
        let hid: HidSensor[] = [];
        const h = addon.readHidTemperatures?.();
        if (h?.ok) hid = h.sensors;
        else if (h) logger.once('smc.hid', 'warn', `HID temperatures unavailable: ${h.error ?? 'unknown error'}`, { source: 'smc' });
        setStatus({ state: 'running' });
        sink?.result(interpretSmc(read.keys, hid, { hwModel: opts.hwModel, intervalS: intervalS() }));
        samples++;
      } catch (err) {
        sink?.result(parseError('smc', 'malformed', `SMC read failed: ${(err as Error)?.message ?? String(err)}`));
      }
      schedule(tick, opts.intervalMs);
    };
    tick();
  }

  return {
    name: 'smc',
    intervalMs: opts.intervalMs,
    get status() {
      return status;
    },
    get samples() {
      return samples;
    },
    start(s: SourceSink) {
      sink = s;
      stopped = false;
      s.status(status);
      if (opts.replayFile !== undefined) void startReplay(opts.replayFile);
      else startLive();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (status.state !== 'unavailable') setStatus({ state: 'stopped' });
    },
  };
}
