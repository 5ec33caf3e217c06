/**
 * The host reading as raw facts, and the one pure function that gives them meaning. The live poll
 * (./source.ts) and the capture parser (./parser.ts) both go through `factsToSample`, so a replayed
 * `host.jsonl` line and a live reading become the same sample.
 *
 * Facts (`silicon-agent-host/1`, one JSON object): what Node returned, unchanged.
 *   platform  `process.platform` of the reader (decides whether `irq` is a counted mode)
 *   cpus      `os.cpus()[i].times` in milliseconds: user, nice, sys, idle, irq
 *   loadavg   `os.loadavg()`: 1, 5 and 15 minutes
 *   uptimeS   `os.uptime()` in seconds
 *
 * libuv fills `irq` with a constant 0 on macOS (host_processor_info has no interrupt state), so an
 * `interrupt` series is kept only where the platform counts it (Linux's /proc/stat does). Whether a
 * Mac's `os.cpus()` times really are milliseconds on Apple Silicon is UNVERIFIED (docs/verification.md):
 * `dump` records a check beside the readings.
 */
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import type { CpuTimes, HostSample } from './sample.ts';
import { MAX_CPUS } from './sample.ts';

export const HOST_FACTS_FORMAT = 'silicon-agent-host/1';

export interface CpuFacts {
  user: number;
  nice: number;
  sys: number;
  idle: number;
  irq: number;
}

export interface HostFacts {
  format: typeof HOST_FACTS_FORMAT;
  platform: string;
  cpus: CpuFacts[];
  loadavg: [number, number, number];
  uptimeS: number;
}

export interface FactsOptions {
  /** One entry per logical CPU instead of one summed over all of them. */
  perCpu?: boolean;
}

/** Platforms whose `irq` time is counted (libuv reads it from /proc/stat); elsewhere it is a constant 0. */
const IRQ_COUNTED: ReadonlySet<string> = new Set(['linux']);
const MODES = ['user', 'nice', 'sys', 'idle', 'irq'] as const;
/** The largest plausible counter: 100 years of one CPU in ms. */
const MAX_CPU_MS = 100 * 365.25 * 86400 * 1000;
const MAX_UPTIME_S = 100 * 365.25 * 86400;
/** A load average above this is not a reading (the kernel's fixed point tops out far below). */
const MAX_LOAD = 1e6;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const good = (x: unknown, max: number): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= max;

/** Facts → one sample, or the typed errors that say why not. Pure; never throws on any input. */
export function factsToSample(raw: unknown, opts: FactsOptions = {}): Array<HostSample | ParseError> {
  const err = (kind: ParseError['kind'], msg: string): ParseError[] => [parseError('host', kind, msg)];
  if (!isObject(raw)) return err('malformed', 'a host reading is a JSON object');
  if (raw.format !== HOST_FACTS_FORMAT) return err('unknown_layout', `not a ${HOST_FACTS_FORMAT} reading: format ${String(raw.format).slice(0, 40)}`);
  for (const k of ['platform', 'cpus', 'loadavg', 'uptimeS']) if (!(k in raw)) return err('missing_field', `no \`${k}\` in the host reading`);
  const { platform, cpus, loadavg, uptimeS } = raw;
  if (typeof platform !== 'string' || platform.length === 0 || platform.length > 32) return err('invalid_value', '`platform` is not a platform name');
  if (!Array.isArray(cpus) || cpus.length === 0) return err('invalid_value', '`cpus` is not a non-empty array');
  if (cpus.length > MAX_CPUS) return err('too_large', `${cpus.length} CPUs listed, more than ${MAX_CPUS}`);
  if (!Array.isArray(loadavg) || loadavg.length !== 3 || !loadavg.every((l) => good(l, MAX_LOAD)))
    return err('invalid_value', '`loadavg` is not three non-negative numbers');
  if (!good(uptimeS, MAX_UPTIME_S)) return err('invalid_value', '`uptimeS` is not a plausible number of seconds');
  const irq = IRQ_COUNTED.has(platform);
  const perCpu = opts.perCpu === true;
  const sum: CpuFacts = { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 };
  const out: CpuTimes[] = [];
  for (let i = 0; i < cpus.length; i++) {
    const c: unknown = cpus[i];
    if (!isObject(c)) return err('invalid_value', `cpus[${i}] is not an object`);
    for (const m of MODES) {
      const v = c[m];
      if (v === undefined) return err('missing_field', `cpus[${i}] has no \`${m}\` time`);
      if (!good(v, MAX_CPU_MS)) return err('invalid_value', `cpus[${i}].${m} is not a plausible number of milliseconds`);
      sum[m] += v;
    }
    if (perCpu) out.push(times(c as unknown as CpuFacts, irq, i));
  }
  if (!perCpu) out.push(times(sum, irq));
  return [
    {
      type: 'host',
      cpuTimes: out,
      logicalCount: cpus.length,
      loadAverage: { m1: loadavg[0] as number, m5: loadavg[1] as number, m15: loadavg[2] as number },
      uptimeS,
    },
  ];
}

function times(c: CpuFacts, irq: boolean, cpu?: number): CpuTimes {
  return {
    ...(cpu !== undefined ? { cpu } : {}),
    userS: c.user / 1000,
    niceS: c.nice / 1000,
    systemS: c.sys / 1000,
    idleS: c.idle / 1000,
    ...(irq ? { interruptS: c.irq / 1000 } : {}),
  };
}
