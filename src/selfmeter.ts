/**
 * Self-metering: every 10 s, the agent's own CPU time and RSS (process.cpuUsage, memoryUsage.rss)
 * and those of its children, grouped by child kind (`powermetrics`, `iostat`, …), written into the
 * health recorder (exported as `process.cpu.time` and `process.memory.usage`) and returned as
 * one Measurement for the budget (src/budget.ts).
 *
 * Children are read without a subprocess on Linux (/proc/<pid>/stat for utime/stime, in clock
 * ticks; /proc/<pid>/status `VmRSS` for RSS, in kB, which needs no page-size assumption) and with
 * one `ps -A -o pid=,ppid=,rss=,utime=,time=` call per window on macOS, summing each child's
 * descendants too (powermetrics behind `sudo -n` is a grandchild). `time` is user+system, so
 * system = time − utime; the `utime` keyword is from the macOS ps(1) man page, and that ps shows
 * root-owned processes' times to a non-root agent — both UNVERIFIED on a node. Per-kind CPU time stays monotonic across child restarts: when a pid disappears, its last
 * reading is folded into the kind's total.
 */
import { readFileSync } from 'node:fs';
import type { Health } from './health.ts';
import { binary } from './sources/binaries.ts';
import { alignedDelay } from './sources/aligned.ts';

/** A child process the sources expose, with the kind it is reported under. */
export interface ChildProc {
  kind: string;
  pid: number;
}

export interface ProcReading {
  userS: number;
  systemS: number;
  rssBytes: number;
}

/** One metering window: what the budget decides on. */
export interface Measurement {
  /** Wall time covered, seconds (0 on the very first reading). */
  windowS: number;
  /** CPU used by the agent plus its children during the window, in % of one core. */
  cpuPercent: number;
  /** RSS of the agent plus its children now, bytes. */
  rssBytes: number;
  /** The agent alone, for the logs. */
  agentCpuPercent: number;
  agentRssBytes: number;
}

/** Linux USER_HZ: 100 on every mainstream architecture (the kernel's ABI value for /proc). */
const CLK_TCK = 100;

/** Parse /proc/<pid>/stat: utime and stime are fields 14 and 15, counted after the `(comm)` which may contain spaces. */
export function parseProcStat(text: string): { userS: number; systemS: number } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state); utime is field 14 → f[11], stime field 15 → f[12].
  const ut = Number(f[11]);
  const st = Number(f[12]);
  if (!Number.isFinite(ut) || !Number.isFinite(st)) return undefined;
  return { userS: ut / CLK_TCK, systemS: st / CLK_TCK };
}

/** Parse the `VmRSS:   1234 kB` line of /proc/<pid>/status, in bytes. */
export function parseProcStatusRss(text: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** ps CPU time `[[dd-]hh:]mm:ss[.ss]` in seconds. */
export function parsePsTime(s: string): number | undefined {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(s.trim());
  if (!m) return undefined;
  const [, d, h, mi, se] = m;
  return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(mi) * 60 + Number(se);
}

/** Parse `ps -A -o pid=,ppid=,rss=,utime=,time=` lines (rss in KiB). Lines that do not fit are skipped. */
export function parsePsOutput(text: string): Map<number, ProcReading & { ppid: number }> {
  const out = new Map<number, ProcReading & { ppid: number }>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const pid = Number(f[0]);
    const ppid = Number(f[1]);
    const rssK = Number(f[2]);
    const user = parsePsTime(f[3]!);
    const total = parsePsTime(f[4]!);
    if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(rssK) || user === undefined || total === undefined)
      continue;
    out.set(pid, { ppid, userS: user, systemS: Math.max(0, total - user), rssBytes: rssK * 1024 });
  }
  return out;
}

/**
 * Each root pid with all its descendants summed: powermetrics started through `sudo -n` is a
 * grandchild of the agent, and its CPU is what counts.
 */
export function sumTrees(table: Map<number, ProcReading & { ppid: number }>, roots: number[]): Map<number, ProcReading> {
  const kids = new Map<number, number[]>();
  for (const [pid, r] of table) {
    const k = kids.get(r.ppid);
    if (k) k.push(pid);
    else kids.set(r.ppid, [pid]);
  }
  const out = new Map<number, ProcReading>();
  for (const root of roots) {
    if (!table.has(root)) continue;
    const sum: ProcReading = { userS: 0, systemS: 0, rssBytes: 0 };
    const seen = new Set<number>();
    const stack = [root];
    while (stack.length) {
      const pid = stack.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const r = table.get(pid);
      if (!r) continue;
      sum.userS += r.userS;
      sum.systemS += r.systemS;
      sum.rssBytes += r.rssBytes;
      stack.push(...(kids.get(pid) ?? []));
    }
    out.set(root, sum);
  }
  return out;
}

export type ChildReader = (pids: number[]) => Promise<Map<number, ProcReading>>;

export function readChildrenLinux(pids: number[]): Promise<Map<number, ProcReading>> {
  const out = new Map<number, ProcReading>();
  for (const pid of pids) {
    try {
      const cpu = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      const rss = parseProcStatusRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (cpu) out.set(pid, { ...cpu, rssBytes: rss ?? 0 });
    } catch {
      // the child exited between listing and reading: it is simply absent this window
    }
  }
  return Promise.resolve(out);
}

export async function readChildrenPs(pids: number[]): Promise<Map<number, ProcReading>> {
  if (pids.length === 0) return new Map();
  const { execa } = await import('execa'); // only where there is no /proc (macOS): not loaded on Linux
  const r = await execa(binary('ps'), ['-A', '-o', 'pid=,ppid=,rss=,utime=,time='], { reject: false, timeout: 2000 });
  return sumTrees(parsePsOutput(String(r.stdout ?? '')), pids);
}

export function defaultChildReader(platform: NodeJS.Platform = process.platform): ChildReader {
  return platform === 'linux' ? readChildrenLinux : readChildrenPs;
}

export interface SelfMeterOptions {
  health: Health;
  /** The current children (pids change when a child is restarted). */
  children?: () => ChildProc[];
  intervalMs?: number;
  readChildren?: ChildReader;
  /** Called after each window with the measurement (the budget hangs here). */
  onMeasure?: (m: Measurement) => void;
  now?: () => number;
}

export interface SelfMeter {
  /** Take one reading now (also what the timer does). */
  measure(): Promise<Measurement>;
  start(): void;
  stop(): void;
}

interface KindTotals {
  /** CPU seconds of pids of this kind that have gone away. */
  deadUserS: number;
  deadSystemS: number;
}

export function createSelfMeter(opts: SelfMeterOptions): SelfMeter {
  const intervalMs = opts.intervalMs ?? 10_000;
  const now = opts.now ?? (() => performance.now());
  const readChildren = opts.readChildren ?? defaultChildReader();
  const kinds = new Map<string, KindTotals>();
  /** Last reading per live pid, with its kind. */
  const last = new Map<number, { kind: string; r: ProcReading }>();
  let prev: { at: number; cpuS: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let busy = false;

  async function measure(): Promise<Measurement> {
    const at = now();
    const usage = process.cpuUsage();
    const agent: ProcReading = {
      userS: usage.user / 1e6,
      systemS: usage.system / 1e6,
      rssBytes: process.memoryUsage.rss(),
    };
    const children = opts.children?.() ?? [];
    const readings = children.length ? await readChildren(children.map((c) => c.pid)) : new Map();

    // Pids gone since the last window: fold their last CPU time into their kind's total.
    const alive = new Set(children.map((c) => c.pid));
    for (const [pid, { kind, r }] of last) {
      if (alive.has(pid) && readings.has(pid)) continue;
      const k = kinds.get(kind) ?? { deadUserS: 0, deadSystemS: 0 };
      k.deadUserS += r.userS;
      k.deadSystemS += r.systemS;
      kinds.set(kind, k);
      last.delete(pid);
    }
    const byKind = new Map<string, ProcReading>();
    for (const [kind, k] of kinds) byKind.set(kind, { userS: k.deadUserS, systemS: k.deadSystemS, rssBytes: 0 });
    for (const c of children) {
      const r = readings.get(c.pid);
      if (!r) continue;
      last.set(c.pid, { kind: c.kind, r });
      const t = byKind.get(c.kind) ?? { userS: 0, systemS: 0, rssBytes: 0 };
      t.userS += r.userS;
      t.systemS += r.systemS;
      t.rssBytes += r.rssBytes;
      byKind.set(c.kind, t);
    }

    opts.health.process('agent', agent);
    let childCpuS = 0;
    let childRss = 0;
    for (const [kind, t] of byKind) {
      opts.health.process(kind, t);
      childCpuS += t.userS + t.systemS;
      childRss += t.rssBytes;
    }

    const agentCpuS = agent.userS + agent.systemS;
    const totalCpuS = agentCpuS + childCpuS;
    const windowS = prev ? (at - prev.at) / 1000 : 0;
    const pct = (dS: number) => (windowS > 0 ? (Math.max(0, dS) / windowS) * 100 : 0);
    const m: Measurement = {
      windowS,
      cpuPercent: pct(totalCpuS - (prev?.cpuS ?? totalCpuS)),
      rssBytes: agent.rssBytes + childRss,
      agentCpuPercent: pct(agentCpuS - (prevAgentS ?? agentCpuS)),
      agentRssBytes: agent.rssBytes,
    };
    prev = { at, cpuS: totalCpuS };
    prevAgentS = agentCpuS;
    return m;
  }
  let prevAgentS: number | undefined;

  return {
    measure,
    start() {
      if (timer) return;
      const tick = () => {
        if (busy) return;
        busy = true;
        measure()
          .then((m) => opts.onMeasure?.(m))
          .catch(() => undefined)
          .finally(() => {
            busy = false;
          });
      };
      tick();
      // On the sources' wall-clock grid (./sources/aligned.ts): the reading rides on a wakeup the
      // process has anyway instead of adding one of its own every interval.
      const next = (): void => {
        timer = setTimeout(() => {
          tick();
          next();
        }, alignedDelay(intervalMs));
        timer.unref();
      };
      next();
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
