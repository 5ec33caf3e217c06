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

type Field = 'cpuTimeS' | 'gpuTimeS' | 'energyImpact' | 'diskReadBytes' | 'diskWriteBytes' | 'netRxBytes' | 'netTxBytes';
export const OPTIONAL_FIELDS = ['gpuTimeS', 'energyImpact', 'netRxBytes', 'netTxBytes'] as const;

function isDict(v: PlistValue | undefined): v is PlistDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PlistDate) && !(v instanceof Uint8Array);
}

/** A finite, non-negative number, or undefined. */
function val(d: PlistDict, key: string): number | undefined {
  const v = d[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

export function emptyUsage(): AppUsage {
  return { cpuTimeS: 0, diskReadBytes: 0, diskWriteBytes: 0 };
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

/** `val(d, key)` (divided by `scale`), counting a value present but unusable in `invalid`. */
function get(d: PlistDict, key: string, scale: number, invalid: { n: number }): number | undefined {
  const v = val(d, key);
  if (v === undefined && d[key] !== undefined) invalid.n++;
  return v === undefined ? undefined : scale === 1 ? v : v / scale;
}

function rowUsage(d: PlistDict, net: { rx: number; tx: number } | undefined, invalid: { n: number }): AppUsage {
  // Times are printed in ns: read as seconds.
  const u: AppUsage = {
    cpuTimeS: get(d, 'cputime_ns', 1e9, invalid) ?? 0,
    diskReadBytes: get(d, 'diskio_bytesread', 1, invalid) ?? 0,
    diskWriteBytes: get(d, 'diskio_byteswritten', 1, invalid) ?? 0,
  };
  const g = get(d, 'gputime_ns', 1e9, invalid);
  if (g !== undefined) u.gpuTimeS = g;
  const e = get(d, 'energy_impact', 1, invalid);
  if (e !== undefined) u.energyImpact = e;
  if (net) {
    u.netRxBytes = net.rx;
    u.netTxBytes = net.tx;
  } else {
    const rx = get(d, 'bytes_received', 1, invalid);
    const tx = get(d, 'bytes_sent', 1, invalid);
    if (rx !== undefined) u.netRxBytes = rx;
    if (tx !== undefined) u.netTxBytes = tx;
  }
  return u;
}

/** Network bytes of a coalition: the sum over its tasks, or undefined when no task prints them. */
function coalitionNet(d: PlistDict): { rx: number; tx: number } | undefined {
  const tasks = d.tasks;
  if (!Array.isArray(tasks)) return undefined;
  let rx = 0;
  let tx = 0;
  let seen = false;
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i];
    if (!isDict(t)) continue;
    const r = val(t, 'bytes_received');
    const s = val(t, 'bytes_sent');
    if (r !== undefined) (rx += r), (seen = true);
    if (s !== undefined) (tx += s), (seen = true);
  }
  return seen ? { rx, tx } : undefined;
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
  const rows = new Map<string, AppUsage>();
  const window: AppWindow = { by, rows, bad: 0 };
  const invalid = { n: 0 };
  // The optional fields some row printed, in the order first seen (the order `fill` adds them in).
  const seen: Field[] = [];
  let seenGpu = false;
  let seenEnergy = false;
  let seenRx = false;
  let seenTx = false;
  for (let i = 0; i < list.length; i++) {
    const d = list[i];
    if (!isDict(d) || typeof d.name !== 'string' || d.name.length === 0) {
      window.bad++;
      continue;
    }
    const name = d.name.length > MAX_APP_NAME ? d.name.slice(0, MAX_APP_NAME) : d.name;
    const u = rowUsage(d, by === 'coalition' ? coalitionNet(d) : undefined, invalid);
    // Named checks in OPTIONAL_FIELDS order (the order fields are first seen decides the order `fill` adds them).
    if (u.gpuTimeS !== undefined && !seenGpu) (seenGpu = true), seen.push('gpuTimeS');
    if (u.energyImpact !== undefined && !seenEnergy) (seenEnergy = true), seen.push('energyImpact');
    if (u.netRxBytes !== undefined && !seenRx) (seenRx = true), seen.push('netRxBytes');
    if (u.netTxBytes !== undefined && !seenTx) (seenTx = true), seen.push('netTxBytes');
    const have = rows.get(name);
    if (have) addUsage(have, u);
    else if (rows.size < MAX_APPS_PER_DOCUMENT) rows.set(name, u);
    else addUsage((window.overflow ??= emptyUsage()), u);
  }
  // A figure printed by some rows counts 0 on the others.
  const fill = (u: AppUsage) => {
    for (let i = 0; i < seen.length; i++) if (u[seen[i]!] === undefined) u[seen[i]!] = 0;
  };
  for (const u of rows.values()) fill(u);
  if (window.overflow) fill(window.overflow);
  return { window, invalid: invalid.n };
}
