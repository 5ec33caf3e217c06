/**
 * The unit check `dump` records beside its two host readings (docs/verification.md): whether the CPU
 * times `os.cpus()` returns count milliseconds, as libuv assumes, on this Mac. Pure.
 *
 * - `wallRatio`: CPU seconds counted between the readings (every mode, every CPU) ÷ (window × logical
 *   CPUs). Every CPU is in exactly one mode at every moment, so with the right unit this is 1 (± the
 *   time the two readings and the window's clock reads are apart); a tick-vs-ms mistake shows as a
 *   factor (e.g. 0.1 for 100 Hz ticks read as ms, 1000 for µs).
 * - the user/system/idle shares over the same window, beside iostat's `us sy id` columns averaged over
 *   its interval rows (iostat reads the same kernel counters, host_statistics' cpu_ticks, in its own unit).
 *   `user` here is user + nice: iostat's `us` is believed to count both (UNVERIFIED).
 */
import type { IostatSample } from '../iostat/sample.ts';
import type { CpuFacts, HostFacts } from './facts.ts';

export interface CpuShares {
  userPct: number;
  systemPct: number;
  idlePct: number;
}

export interface HostCheck {
  windowS: number;
  logicalCpus: number;
  cpuSecondsCounted: number;
  /** cpuSecondsCounted ÷ (windowS × logicalCpus): 1 when the times are in ms. */
  wallRatio: number;
  host: CpuShares;
  /** iostat's columns over the same window, averaged over its interval rows; absent when it printed none. */
  iostat?: CpuShares & { rows: number };
  note?: string;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

function total(f: HostFacts): CpuFacts {
  const t: CpuFacts = { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 };
  for (const c of f.cpus) {
    t.user += c.user;
    t.nice += c.nice;
    t.sys += c.sys;
    t.idle += c.idle;
    t.irq += c.irq;
  }
  return t;
}

export function hostCheck(a: HostFacts, b: HostFacts, windowS: number, iostatRows: readonly IostatSample[]): HostCheck {
  const ta = total(a);
  const tb = total(b);
  const d = { user: tb.user - ta.user + (tb.nice - ta.nice), sys: tb.sys - ta.sys, idle: tb.idle - ta.idle, irq: tb.irq - ta.irq };
  const countedMs = d.user + d.sys + d.idle + d.irq;
  const logicalCpus = b.cpus.length;
  const pct = (x: number): number => (countedMs > 0 ? round((100 * x) / countedMs, 2) : 0);
  const check: HostCheck = {
    windowS: round(windowS, 4),
    logicalCpus,
    cpuSecondsCounted: round(countedMs / 1000, 3),
    wallRatio: windowS > 0 && logicalCpus > 0 ? round(countedMs / 1000 / (windowS * logicalCpus), 4) : 0,
    host: { userPct: pct(d.user), systemPct: pct(d.sys), idlePct: pct(d.idle) },
  };
  const rows = iostatRows.filter((r) => !r.sinceBoot && r.cpu !== undefined);
  if (rows.length > 0) {
    const mean = (f: (r: IostatSample) => number): number => round((100 * rows.reduce((s, r) => s + f(r), 0)) / rows.length, 2);
    check.iostat = {
      userPct: mean((r) => r.cpu!.userRatio),
      systemPct: mean((r) => r.cpu!.systemRatio),
      idlePct: mean((r) => r.cpu!.idleRatio),
      rows: rows.length,
    };
  } else check.note = 'iostat printed no CPU columns over the window: only the wall-time ratio is checked';
  if (a.cpus.length !== b.cpus.length) check.note = `the CPU count changed between the readings (${a.cpus.length} → ${b.cpus.length})`;
  return check;
}
