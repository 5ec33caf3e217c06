/**
 * AppTracker.apply against the tracker as it was before its per-window lookups and sorts were trimmed
 * (issue 15 item 6): the reference below is that code, unchanged but for its name. Random windows
 * (ties, absent apps, overflow, energy or CPU ranking, several top-N, hysteresis and smoothing
 * settings, one run past the MAX_TRACKED bound) must give the same samples and members, window by window.
 */
import t from 'tap';
import { ABSENT_LIMIT, AppTracker, detached, HYSTERESIS, MAX_TRACKED, SMOOTHING, type AppTrackerOptions } from '../../../src/modules/powermetrics/apps.ts';
import type { AppSeries, AppsSample, AppUsage } from '../../../src/modules/powermetrics/sample.ts';
import { addUsage, emptyUsage, type AppWindow } from '../../../src/modules/powermetrics/tasks.ts';
import { rng } from '../../helpers/chunks.ts';

const DEFAULT_TOP_APPS = 10;

interface State {
  score: number;
  absent: number;
  member: boolean;
  total: AppUsage | undefined;
}

class ReferenceTracker {
  readonly top: number;
  private readonly hysteresis: number;
  private readonly smoothing: number;
  private readonly apps = new Map<string, State>();
  private otherTotal: AppUsage = emptyUsage();
  private changes = 0;
  private windows = 0;

  constructor(o: AppTrackerOptions = {}) {
    this.top = Math.max(1, Math.floor(o.top ?? DEFAULT_TOP_APPS));
    this.hysteresis = o.hysteresis ?? HYSTERESIS;
    this.smoothing = o.smoothing ?? SMOOTHING;
  }

  /** Current members, best score first (tests, reports). */
  members(): string[] {
    return this.sortedMembers().map(([n]) => n);
  }

  private sortedMembers(): Array<[string, State]> {
    const m: Array<[string, State]> = [];
    for (const e of this.apps) if (e[1].member) m.push(e);
    return m.sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1));
  }

  apply(w: AppWindow): AppsSample {
    const first = this.windows === 0;
    this.windows++;
    let energy = false;
    for (const u of w.rows.values()) if (u.energyImpact !== undefined) energy = true;
    const rank = (u: AppUsage) => (energy ? (u.energyImpact ?? 0) : u.cpuTimeS);
    const a = this.smoothing;

    // Scores and absence.
    for (const [name, s] of this.apps) {
      const u = w.rows.get(name);
      s.absent = u ? 0 : s.absent + 1;
      s.score = (1 - a) * s.score + a * (u ? rank(u) : 0);
    }
    // A name is a slice of its document's text: kept as a key it would keep that whole 65–130 KB
    // string alive for as long as the app is tracked, so the tracker keeps its own copy.
    for (const [name, u] of w.rows) if (!this.apps.has(name)) this.apps.set(detached(name), { score: a * rank(u), absent: 0, member: false, total: undefined });

    // Leaving: members absent too long; forgetting: non-members absent too long.
    let members = 0;
    for (const [name, s] of this.apps) {
      if (s.absent >= ABSENT_LIMIT) {
        if (s.member) this.changes++;
        this.apps.delete(name);
      } else if (s.member) members++;
    }
    // Candidates: non-members present now, best first.
    const cand: Array<[string, State]> = [];
    for (const e of this.apps) if (!e[1].member && e[1].absent === 0) cand.push(e);
    cand.sort((x, y) => y[1].score - x[1].score || (x[0] < y[0] ? -1 : 1));
    let ci = 0;
    while (members < this.top && ci < cand.length) {
      const s = cand[ci++]![1];
      s.member = true;
      s.total = emptyUsage();
      members++;
      if (!first) this.changes++;
    }
    // Replacement with hysteresis.
    if (ci < cand.length) {
      const mem = this.sortedMembers();
      let wi = mem.length - 1;
      while (ci < cand.length && wi >= 0) {
        const c = cand[ci]![1];
        const weak = mem[wi]![1];
        if (!(c.score > this.hysteresis * weak.score)) break;
        weak.member = false;
        weak.total = undefined;
        c.member = true;
        c.total = emptyUsage();
        this.changes += 2;
        ci++;
        wi--;
      }
    }
    // Bound the non-members kept.
    if (this.apps.size > this.top + MAX_TRACKED) {
      const rest = [...this.apps].filter((e) => !e[1].member).sort((x, y) => x[1].score - y[1].score);
      for (let i = 0; i < this.apps.size - this.top - MAX_TRACKED && i < rest.length; i++) this.apps.delete(rest[i]![0]);
    }

    // Series.
    const windowTotal = emptyUsage();
    const otherWindow = emptyUsage();
    for (const [name, u] of w.rows) {
      addUsage(windowTotal, u);
      if (!this.apps.get(name)?.member) addUsage(otherWindow, u);
    }
    if (w.overflow) {
      addUsage(windowTotal, w.overflow);
      addUsage(otherWindow, w.overflow);
    }
    const zero = zeroLike(windowTotal);
    const series: AppSeries[] = [];
    for (const [name, s] of this.sortedMembers()) {
      const u = w.rows.get(name);
      const window = u ? { ...u } : { ...zero };
      addUsage(s.total!, window);
      series.push({ name, other: false, window, total: { ...s.total! }, absent: s.absent });
    }
    for (const f of Object.keys(windowTotal) as Array<keyof AppUsage>) if (otherWindow[f] === undefined) otherWindow[f] = 0;
    addUsage(this.otherTotal, otherWindow);
    series.push({ name: 'other', other: true, window: otherWindow, total: { ...this.otherTotal }, absent: 0 });
    return {
      by: w.by,
      ranking: energy ? 'energy_impact' : 'cpu_time',
      count: w.rows.size,
      series,
      windowTotal,
      membershipChanges: this.changes,
    };
  }
}

/** A usage with the same fields as `u`, all 0. */
function zeroLike(u: AppUsage): AppUsage {
  const z = emptyUsage();
  for (const f of Object.keys(u) as Array<keyof AppUsage>) z[f] = 0;
  return z;
}

function randomWindow(r: () => number, universe: number, maxRows: number, energy: boolean): AppWindow {
  const rows = new Map<string, AppUsage>();
  const n = Math.floor(r() * maxRows);
  for (let i = 0; i < n; i++) {
    const name = `app.${Math.floor(r() * universe)}${r() < 0.3 ? '.with.a.longer.bundle.id' : ''}`;
    const u: AppUsage = { cpuTimeS: r() < 0.1 ? 0 : r() < 0.1 ? 1 : r() * 10, diskReadBytes: Math.floor(r() * 1e6), diskWriteBytes: 0 };
    if (r() < 0.5) u.gpuTimeS = r();
    if (energy && r() < 0.9) u.energyImpact = r() < 0.03 ? 1e308 : r() < 0.1 ? 5 : r() * 100;
    if (r() < 0.5) {
      u.netRxBytes = 1;
      u.netTxBytes = 2;
    }
    rows.set(name, u);
  }
  const w: AppWindow = { by: 'coalition', rows, bad: 0 };
  if (r() < 0.1) w.overflow = { cpuTimeS: 1, diskReadBytes: 2, diskWriteBytes: 3 };
  return w;
}

/**
 * JSON.stringify replacer: a usage object's keys sorted. The tracker writes its usages' fields in one
 * order; the reference copies each row's own order. Values, absent fields and every other key order
 * must still match.
 */
function usageKeysSorted(_key: string, v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !('cpuTimeS' in v)) return v;
  return Object.fromEntries(Object.entries(v).sort(([p], [q]) => (p < q ? -1 : 1)));
}

t.test('same samples and members as the reference tracker on random windows', async (t) => {
  let windows = 0;
  let changes = 0;
  let differ = '';
  for (let seed = 1; seed <= 300 && !differ; seed++) {
    const r = rng(seed);
    const big = seed % 100 === 0; // past MAX_TRACKED
    const o: AppTrackerOptions = { top: 1 + Math.floor(r() * 12), hysteresis: [1, HYSTERESIS, 2, 0.5][Math.floor(r() * 4)]!, smoothing: [SMOOTHING, 1, 0.3][Math.floor(r() * 3)]! };
    const a = new AppTracker(o);
    const b = new ReferenceTracker(o);
    const energy = r() < 0.5;
    for (let i = 0; i < (big ? 8 : 30) && !differ; i++) {
      const w = randomWindow(r, big ? MAX_TRACKED + 1000 : 5 + Math.floor(r() * 60), big ? MAX_TRACKED + 600 : 40, energy);
      const x = a.apply(w);
      const y = b.apply(w);
      windows++;
      changes = x.membershipChanges;
      if (JSON.stringify([x, a.members()], usageKeysSorted) !== JSON.stringify([y, b.members()], usageKeysSorted)) differ = `seed ${seed} window ${i}`;
    }
  }
  t.equal(differ, '', 'every window the same');
  t.ok(windows > 8000, `${windows} windows (last tracker: ${changes} membership changes)`);
});
