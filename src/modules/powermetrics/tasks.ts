/**
 * The `tasks` sampler's per-app usage in one powermetrics document, aggregated by app. Pure.
 *
 * What powermetrics prints (captures: M1 Pro macOS 14 with `--show-process-coalition --show-process-gpu
 * --show-process-energy --show-process-io --show-process-netstats`; M4 Max macOS 26 with `tasks,disk`):
 * - `coalitions[]` (only with `--show-process-coalition`): an app and its helpers, with `name` (a
 *   bundle id such as `com.docker.docker`, or a process name), `cputime_ns`, `gputime_ns` (only on
 *   coalitions that used the GPU), `energy_impact`, `diskio_bytesread`, `diskio_byteswritten`, and
 *   its `tasks[]`; network bytes exist only on the tasks (`bytes_received`, `bytes_sent`).
 * - `tasks[]` (without coalitions): one dict per process with `name`, the same keys and the network ones.
 * - `all_tasks`: the ALL_TASKS pseudo-task; not used (the per-app rows are summed instead, so `other`
 *   is exactly total − top N).
 *
 * Aggregation: by coalition where the document has `coalitions`, else by process `name`. A figure a
 * row does not print counts 0 when another row of the same document prints it (powermetrics leaves
 * `gputime_ns` out of coalitions without GPU time), and is undefined when no row prints it.
 * `energy_impact` is Apple's unitless energy-impact score for the window (a weighted model of CPU,
 * GPU, wakeups, disk and network use, as Activity Monitor shows it), not joules.
 */
import type { PlistDict, PlistSelect, PlistValue } from '../../parsers/plist-model.ts';
import { PLIST_SEEK, PlistDate } from '../../parsers/plist-model.ts';
import type { AppUsage } from './sample.ts';

const ROW = {
  name: true,
  cputime_ns: true,
  gputime_ns: true,
  energy_impact: true,
  diskio_bytesread: true,
  diskio_byteswritten: true,
  bytes_received: true,
  bytes_sent: true,
} as const;

/** The keys read from `tasks` and `coalitions` (merged into POWERMETRICS_SELECT); a coalition's tasks in seek mode (~60 keys, 2 read). */
export const TASKS_SELECT: { [key: string]: PlistSelect } = {
  tasks: [ROW],
  coalitions: [{ ...ROW, tasks: [{ [PLIST_SEEK]: true, bytes_received: true, bytes_sent: true }] }],
};

/** Longest app name kept (longer names are cut, so a hostile name cannot blow up label sizes). */
export const MAX_APP_NAME = 128;
/** Most distinct apps read from one document; rows of further apps are summed into `overflow`, always part of `other`. */
export const MAX_APPS_PER_DOCUMENT = 4096;

export interface AppWindow {
  by: 'coalition' | 'process';
  /** Per app, this window's usage. */
  rows: Map<string, AppUsage>;
  /** Rows beyond MAX_APPS_PER_DOCUMENT, summed (they can only ever be `other`). */
  overflow?: AppUsage;
  /** Rows skipped because they were not dicts or had no usable name. */
  bad: number;
}

export const OPTIONAL_FIELDS = ['gpuTimeS', 'energyImpact', 'netRxBytes', 'netTxBytes'] as const;

function isDict(v: PlistValue | undefined): v is PlistDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PlistDate) && !(v instanceof Uint8Array);
}

export function emptyUsage(): AppUsage {
  return { cpuTimeS: 0, diskReadBytes: 0, diskWriteBytes: 0 };
}

/** A copy of `u`, its fields in OPTIONAL_FIELDS order after the three always there (absent stay absent). */
export function copyUsage(u: AppUsage): AppUsage {
  const c: AppUsage = { cpuTimeS: u.cpuTimeS, diskReadBytes: u.diskReadBytes, diskWriteBytes: u.diskWriteBytes };
  if (u.gpuTimeS !== undefined) c.gpuTimeS = u.gpuTimeS;
  if (u.energyImpact !== undefined) c.energyImpact = u.energyImpact;
  if (u.netRxBytes !== undefined) c.netRxBytes = u.netRxBytes;
  if (u.netTxBytes !== undefined) c.netTxBytes = u.netTxBytes;
  return c;
}

export function addUsage(into: AppUsage, u: AppUsage): void {
  into.cpuTimeS += u.cpuTimeS;
  into.diskReadBytes += u.diskReadBytes;
  into.diskWriteBytes += u.diskWriteBytes;
  // The optional fields one by one, in OPTIONAL_FIELDS order (named, not keyed: this runs per app per sample).
  if (u.gpuTimeS !== undefined) into.gpuTimeS = (into.gpuTimeS ?? 0) + u.gpuTimeS;
  if (u.energyImpact !== undefined) into.energyImpact = (into.energyImpact ?? 0) + u.energyImpact;
  if (u.netRxBytes !== undefined) into.netRxBytes = (into.netRxBytes ?? 0) + u.netRxBytes;
  if (u.netTxBytes !== undefined) into.netTxBytes = (into.netTxBytes ?? 0) + u.netTxBytes;
}

/** Present, but not a finite number ≥ 0 (such values are counted, and read as absent). */
function unusable(v: PlistValue | undefined): boolean {
  return v !== undefined && !usable(v);
}

/**
 * One app's usage while a window is read, and the tracker's running sums (./apps.ts): every field a
 * plain number, with a flag per optional field (one object shape, named property reads only: this
 * runs per row per sample).
 */
export class Acc {
  cpu: number;
  read: number;
  write: number;
  gpu = 0;
  energy = 0;
  rx = 0;
  tx = 0;
  hasGpu = false;
  hasEnergy = false;
  hasNet = false;
  hasRx = false;
  hasTx = false;
  constructor(cpu: number, read: number, write: number) {
    this.cpu = cpu;
    this.read = read;
    this.write = write;
  }

  /**
   * Add a usage (the top-N tracker's running sums, ./apps.ts): the same figures as `addUsage` into
   * `emptyUsage()` (a flagged figure not yet added reads 0), in this one object shape.
   */
  add(u: AppUsage): void {
    this.cpu += u.cpuTimeS;
    this.read += u.diskReadBytes;
    this.write += u.diskWriteBytes;
    const g = u.gpuTimeS;
    if (g !== undefined) (this.gpu += g), (this.hasGpu = true);
    const e = u.energyImpact;
    if (e !== undefined) (this.energy += e), (this.hasEnergy = true);
    const rx = u.netRxBytes;
    if (rx !== undefined) (this.rx += rx), (this.hasRx = true);
    const tx = u.netTxBytes;
    if (tx !== undefined) (this.tx += tx), (this.hasTx = true);
  }

  /** The sum as an AppUsage with the figures it has, fields in OPTIONAL_FIELDS order after the three always there. */
  usage(): AppUsage {
    return usageOf(this, this.hasGpu, this.hasEnergy, this.hasRx, this.hasTx);
  }
}

/** A finite number ≥ 0: a usable figure. */
function usable(v: PlistValue | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/**
 * An optional figure after adding `x`: `x` itself on the app's first row, else `cur + x` when the app
 * had it, else `0 + x` (as adding to a field not there yet did: 0 + −0 is 0).
 */
function plus(first: boolean, had: boolean, cur: number, x: number): number {
  return first ? x : had ? cur + x : 0 + x;
}

/**
 * The row's figures into `a` (`first`: `a` was just made for this row). Network bytes are a
 * coalition's summed task figures (`net`, when some task prints them), else the row's own. Returns
 * the number of values present but unusable.
 */
function addRow(a: Acc, d: PlistDict, first: boolean, net: Acc | undefined): number {
  let bad = 0;
  const g = d.gputime_ns;
  if (usable(g)) {
    a.gpu = plus(first, a.hasGpu, a.gpu, g / 1e9);
    a.hasGpu = true;
  } else if (g !== undefined) bad++;
  const e = d.energy_impact;
  if (usable(e)) {
    a.energy = plus(first, a.hasEnergy, a.energy, e);
    a.hasEnergy = true;
  } else if (e !== undefined) bad++;
  if (net !== undefined && net.hasNet) {
    a.rx = plus(first, a.hasRx, a.rx, net.rx);
    a.tx = plus(first, a.hasTx, a.tx, net.tx);
    a.hasRx = a.hasTx = true;
    return bad;
  }
  const rx = d.bytes_received;
  if (usable(rx)) {
    a.rx = plus(first, a.hasRx, a.rx, rx);
    a.hasRx = true;
  } else if (rx !== undefined) bad++;
  const tx = d.bytes_sent;
  if (usable(tx)) {
    a.tx = plus(first, a.hasTx, a.tx, tx);
    a.hasTx = true;
  } else if (tx !== undefined) bad++;
  return bad;
}

/** Network bytes of a coalition: the sum over its tasks (`hasNet` false when no task prints them). */
function coalitionNet(d: PlistDict, into: Acc): Acc {
  into.rx = 0;
  into.tx = 0;
  into.hasNet = false;
  const tasks = d.tasks;
  if (!Array.isArray(tasks)) return into;
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i];
    if (!isDict(t)) continue;
    const r = t.bytes_received;
    const s = t.bytes_sent;
    if (usable(r)) (into.rx += r), (into.hasNet = true);
    if (usable(s)) (into.tx += s), (into.hasNet = true);
  }
  return into;
}

/** An AppUsage from `a`, its fields in one order (OPTIONAL_FIELDS after the three always there); a figure some row of the window printed is 0 where this app has none. */
function usageOf(a: Acc, gpu: boolean, energy: boolean, rx: boolean, tx: boolean): AppUsage {
  const u: AppUsage = { cpuTimeS: a.cpu, diskReadBytes: a.read, diskWriteBytes: a.write };
  if (gpu) u.gpuTimeS = a.hasGpu ? a.gpu : 0;
  if (energy) u.energyImpact = a.hasEnergy ? a.energy : 0;
  if (rx) u.netRxBytes = a.hasRx ? a.rx : 0;
  if (tx) u.netTxBytes = a.hasTx ? a.tx : 0;
  return u;
}

/** A usable figure divided by `scale`, else 0 (an unusable value is counted by the caller). */
function base(v: PlistValue | undefined, scale: number): number {
  return usable(v) ? (scale === 1 ? v : v / scale) : 0;
}

/**
 * The per-app window of a document root, or undefined when it has neither `coalitions` nor `tasks`.
 * `invalid` counts values present but unusable (negative, not a number): they read as 0.
 */
export function readAppWindow(root: PlistDict): { window: AppWindow; invalid: number } | undefined {
  const coalitions = root.coalitions;
  const tasks = root.tasks;
  const by = Array.isArray(coalitions) ? 'coalition' : Array.isArray(tasks) ? 'process' : undefined;
  if (by === undefined) return undefined;
  const list = (by === 'coalition' ? coalitions : tasks) as PlistValue[];
  const accs = new Map<string, Acc>();
  let overflow: Acc | undefined;
  let bad = 0;
  let invalid = 0;
  const net = by === 'coalition' ? new Acc(0, 0, 0) : undefined;
  for (let i = 0; i < list.length; i++) {
    const d = list[i];
    if (!isDict(d)) {
      bad++;
      continue;
    }
    const n = d.name;
    if (typeof n !== 'string' || n.length === 0) {
      bad++;
      continue;
    }
    const name = n.length > MAX_APP_NAME ? n.slice(0, MAX_APP_NAME) : n;
    // Times are printed in ns: read as seconds.
    const c = d.cputime_ns;
    const r = d.diskio_bytesread;
    const w = d.diskio_byteswritten;
    if (unusable(c)) invalid++;
    if (unusable(r)) invalid++;
    if (unusable(w)) invalid++;
    const cpu = base(c, 1e9);
    const read = base(r, 1);
    const write = base(w, 1);
    const rowNet = net === undefined ? undefined : coalitionNet(d, net);
    let a = accs.get(name);
    if (a !== undefined) {
      a.cpu += cpu;
      a.read += read;
      a.write += write;
      invalid += addRow(a, d, false, rowNet);
    } else if (accs.size < MAX_APPS_PER_DOCUMENT) {
      a = new Acc(cpu, read, write);
      accs.set(name, a);
      invalid += addRow(a, d, true, rowNet);
    } else if (overflow === undefined) {
      // The overflow sum starts from 0, as addUsage into emptyUsage() did.
      overflow = new Acc(0 + cpu, 0 + read, 0 + write);
      invalid += addRow(overflow, d, false, rowNet);
    } else {
      overflow.cpu += cpu;
      overflow.read += read;
      overflow.write += write;
      invalid += addRow(overflow, d, false, rowNet);
    }
  }
  // A figure printed by some row counts 0 on the others.
  let gpu = false;
  let energy = false;
  let rx = false;
  let tx = false;
  for (const a of accs.values()) {
    gpu ||= a.hasGpu;
    energy ||= a.hasEnergy;
    rx ||= a.hasRx;
    tx ||= a.hasTx;
  }
  if (overflow !== undefined) {
    gpu ||= overflow.hasGpu;
    energy ||= overflow.hasEnergy;
    rx ||= overflow.hasRx;
    tx ||= overflow.hasTx;
  }
  // The same map then holds each app's AppUsage in place of its Acc (same keys, same order).
  const rows = accs as Map<string, Acc | AppUsage>;
  for (const [name, a] of accs) rows.set(name, usageOf(a, gpu, energy, rx, tx));
  const window: AppWindow = { by, rows: rows as Map<string, AppUsage>, bad };
  if (overflow !== undefined) window.overflow = usageOf(overflow, gpu, energy, rx, tx);
  return { window, invalid };
}
