/**
 * The SMC source, live: a poll source (src/sources/poll.ts, the shared relay and schedule) whose read
 * calls the N-API addon for raw facts — keys with their types and bytes, and the HID temperature
 * sensors — which ./interpret.ts gives their meaning, the same interpretation a replayed dump gets
 * through ./parser.ts.
 *
 * At the first read the full key list is enumerated once (`readAllKeys`); every read after that reads
 * only the keys that carry meaning (temperatures, fans, power). Without the addon (Linux, no Xcode
 * tools, a failed build, SILICON_AGENT_NO_NATIVE=1) the source is `unavailable` with one reason,
 * logged once, and retried every `retryMs`: the rest of the agent runs.
 */
import type { Logger } from '../../log.ts';
import type { PollSource } from '../../sources/poll.ts';
import { createPollSource } from '../../sources/poll.ts';
import type { NativeLoader } from '../../sources/native.ts';
import { loadNative } from '../../sources/native.ts';
import { interpretSmc } from './interpret.ts';
import { createSmcParser } from './parser.ts';
import type { HidSensor, SmcKey } from './sample.ts';
import { isTemperatureType, POWER_KEYS } from './sensors.ts';

export interface SmcSourceOptions {
  intervalMs: number;
  /** `hw.model`: a Mac Studio's 0 RPM fan is reported unavailable. */
  hwModel?: string;
  logger?: Logger;
  /** The addon loader (tests pass their own); default loadNative. */
  native?: NativeLoader;
  /** Retry period while the addon or AppleSMC is unavailable (default 60 s). */
  retryMs?: number;
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

interface SmcFacts {
  keys: SmcKey[];
  hid: HidSensor[];
}

export function createSmcSource(opts: SmcSourceOptions): PollSource {
  let pollList: string[] | undefined;
  const hwModel = opts.hwModel !== undefined ? { hwModel: opts.hwModel } : {};
  return createPollSource({
    name: 'smc',
    intervalMs: opts.intervalMs,
    unavailableRetryMs: opts.retryMs ?? 60_000,
    // A Mac without the Xcode tools runs without the addon: expected, not an error.
    unavailableLevel: 'warn',
    ...(opts.logger ? { logger: opts.logger } : {}),
    // A dump is never read live; the parser is here for the interface (and a `facts`-less read).
    createParser: (ctx) => createSmcParser({ ...hwModel, ...(ctx.sincePreviousS !== undefined ? { intervalS: ctx.sincePreviousS } : {}) }),
    interpret: (facts, ctx) => {
      const f = facts as SmcFacts;
      return [interpretSmc(f.keys, f.hid, { ...hwModel, ...(ctx.sincePreviousS !== undefined ? { intervalS: ctx.sincePreviousS } : {}) })];
    },
    async read() {
      const load = (opts.native ?? loadNative)();
      const addon = load.addon;
      if (!addon || !addon.hasIOKit || !addon.readAllKeys || !addon.readKeys)
        return { unavailable: `SMC addon unavailable (no temperatures, fans or system power): ${load.error ?? 'built without IOKit (not macOS)'}` };
      if (pollList === undefined) {
        const all = addon.readAllKeys();
        if (!all.opened) return { unavailable: `cannot open AppleSMC: ${all.errors[0]?.message ?? 'unknown error'}` };
        pollList = keysToPoll(all.keys);
        opts.logger?.info('SMC keys enumerated', { source: 'smc', keys: all.keys.length, polled: pollList.length, errors: all.errors.length });
      }
      const read = addon.readKeys(pollList);
      if (!read.opened) return { failure: `cannot open AppleSMC: ${read.errors[0]?.message ?? 'unknown error'}` };
      let hid: HidSensor[] = [];
      const h = addon.readHidTemperatures?.();
      if (h?.ok) hid = h.sensors;
      else if (h) opts.logger?.once('smc.hid', 'warn', `HID temperatures unavailable: ${h.error ?? 'unknown error'}`, { source: 'smc' });
      const facts: SmcFacts = { keys: read.keys, hid };
      return { facts };
    },
  });
}

/** Every SMC key, for `smc dump` and `dump`: the keys and the per-key read errors, or why nothing could be read. */
export function readAllSmcKeys(native: NativeLoader = loadNative): { keys: SmcKey[]; errors: string[] } | { error: string } {
  const load = native();
  if (!load.addon?.readAllKeys) return { error: `cannot read the SMC here: ${load.error ?? 'the addon was built without IOKit (not macOS)'}` };
  const r = load.addon.readAllKeys();
  if (!r.opened) return { error: r.errors[0]?.message ?? 'cannot open AppleSMC' };
  return { keys: r.keys, errors: r.errors.map((e) => `${e.key ?? `index ${e.index ?? '?'}`}: ${e.message}`) };
}
