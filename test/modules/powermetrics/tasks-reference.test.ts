/**
 * readAppWindow against the code it replaced (issue 15 item 6, per-app reading with named property
 * reads into one accumulator per app): the reference below is that code, unchanged but for its name.
 * Random coalition and task rows (duplicate, missing, long and odd names; values missing, negative,
 * -0, NaN, infinite or not numbers; coalitions with and without per-task network bytes or their own;
 * more apps than MAX_APPS_PER_DOCUMENT) must give the same window: the same apps in the same order,
 * the same values (-0 and 0 told apart), the same fields present, the same overflow, bad rows and
 * invalid values. Only the order of a usage's fields may differ (the new code writes one order).
 */
import t from 'tap';
import { isDeepStrictEqual } from 'node:util';
import type { PlistDict, PlistValue } from '../../../src/parsers/plist-model.ts';
import { PlistDate } from '../../../src/parsers/plist-model.ts';
import type { AppUsage } from '../../../src/modules/powermetrics/sample.ts';
import { addUsage, emptyUsage, MAX_APP_NAME, MAX_APPS_PER_DOCUMENT, readAppWindow, type AppWindow } from '../../../src/modules/powermetrics/tasks.ts';
import { rng } from '../../helpers/chunks.ts';

type Field = 'cpuTimeS' | 'gpuTimeS' | 'energyImpact' | 'diskReadBytes' | 'diskWriteBytes' | 'netRxBytes' | 'netTxBytes';

function isDict(v: PlistValue | undefined): v is PlistDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PlistDate) && !(v instanceof Uint8Array);
}

/** A finite, non-negative number, or undefined. */
function val(d: PlistDict, key: string): number | undefined {
  const v = d[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
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
function referenceReadAppWindow(root: PlistDict): { window: AppWindow; invalid: number } | undefined {
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

/** A window as plain data: apps in order, each usage's fields sorted (their order is not compared). */
function plain(r: ReturnType<typeof readAppWindow>): unknown {
  if (r === undefined) return undefined;
  const sorted = (u: AppUsage | undefined) => (u === undefined ? undefined : Object.fromEntries(Object.entries(u).sort(([a], [b]) => (a < b ? -1 : 1))));
  const w = r.window;
  return { by: w.by, rows: [...w.rows].map(([n, u]) => [n, sorted(u)]), overflow: sorted(w.overflow), hasOverflow: 'overflow' in w, bad: w.bad, invalid: r.invalid };
}

function randomValue(r: () => number): PlistValue | undefined {
  const x = r();
  if (x < 0.15) return undefined;
  if (x < 0.2) return -Math.floor(r() * 1000);
  if (x < 0.22) return -0;
  if (x < 0.24) return NaN;
  if (x < 0.26) return Infinity;
  if (x < 0.28) return '12';
  if (x < 0.29) return true;
  if (x < 0.3) return new PlistDate('2024-01-01T00:00:00Z');
  if (x < 0.6) return Math.floor(r() * 1e9);
  return r() * 1000;
}

function randomRow(r: () => number, names: string[], coalition: boolean): PlistValue {
  if (r() < 0.03) return r() < 0.5 ? 'not a dict' : [1, 2];
  const d: PlistDict = {};
  const n = r();
  if (n < 0.03) d.name = '';
  else if (n < 0.05) d.name = 42;
  else if (n < 0.07) d.name = 'x'.repeat(MAX_APP_NAME + Math.floor(r() * 5));
  else if (n > 0.08) d.name = names[Math.floor(r() * names.length)]!;
  for (const k of ['cputime_ns', 'gputime_ns', 'energy_impact', 'diskio_bytesread', 'diskio_byteswritten', 'bytes_received', 'bytes_sent']) {
    const v = randomValue(r);
    if (v !== undefined) d[k] = v;
  }
  if (coalition && r() < 0.8) {
    const tasks: PlistValue[] = [];
    for (let i = Math.floor(r() * 4); i > 0; i--) {
      if (r() < 0.1) {
        tasks.push('junk');
        continue;
      }
      const task: PlistDict = {};
      const rx = randomValue(r);
      const tx = randomValue(r);
      if (rx !== undefined) task.bytes_received = rx;
      if (tx !== undefined) task.bytes_sent = tx;
      tasks.push(task);
    }
    d.tasks = tasks;
  }
  return d;
}

t.test('the same window as the reference on random rows', async (t) => {
  let differ = '';
  let windows = 0;
  let overflowSeen = 0;
  for (let seed = 1; seed <= 2000 && !differ; seed++) {
    const r = rng(seed);
    const coalition = r() < 0.5;
    const big = seed % 250 === 0; // past MAX_APPS_PER_DOCUMENT
    const distinct = big ? MAX_APPS_PER_DOCUMENT + 300 : 1 + Math.floor(r() * 40);
    const names = Array.from({ length: distinct }, (_, i) => (i % 7 === 0 ? `app ${i} with a longer bundle name` : `a${i}`));
    const rows: PlistValue[] = [];
    const count = big ? distinct + 500 : Math.floor(r() * 60);
    for (let i = 0; i < count; i++) rows.push(big && i < distinct ? { ...(randomRow(r, names, coalition) as PlistDict), name: names[i]! } : randomRow(r, names, coalition));
    const root: PlistDict = coalition ? { coalitions: rows } : { tasks: rows };
    if (r() < 0.05) delete root[coalition ? 'coalitions' : 'tasks'];
    const got = readAppWindow(root);
    const want = referenceReadAppWindow(root);
    windows++;
    if (got?.window.overflow) overflowSeen++;
    if (!isDeepStrictEqual(plain(got), plain(want))) differ = `seed ${seed}`;
  }
  t.equal(differ, '', 'every window the same');
  t.ok(windows === 2000 && overflowSeen >= 8, `${windows} windows, ${overflowSeen} with more than ${MAX_APPS_PER_DOCUMENT} apps`);
});
