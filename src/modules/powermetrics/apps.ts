/**
 * Top-N app selection with hysteresis, and per-app running totals. Pure logic with state: one
 * tracker lives in each stream parser (./parser.ts) and sees every document's app window in order.
 *
 * Ranking (documented in docs/metrics.md): each app's score is an exponentially weighted mean
 * (weight SMOOTHING on the newest window) of its energy impact per window when powermetrics prints
 * energy impact (--show-process-energy), else of its CPU time. An app absent from a window scores 0
 * for it.
 *
 * Membership (at most `top` apps have their own series; everything else is summed into `other`, so
 * the series of one window always add up to the window's total):
 * - free places are filled by the best-scoring apps present in the window;
 * - a non-member replaces the weakest member only when its score is more than HYSTERESIS times that
 *   member's score, so an app on the edge does not flap in and out at each sample;
 * - a member absent for ABSENT_LIMIT consecutive windows leaves (its series is no longer exported).
 * A member's `total` counts from when it entered; an app that leaves and comes back starts again
 * from 0 (a counter reset, which rate() handles). Its usage while outside the top N is in `other`.
 *
 * Memory: at most `top` members plus MAX_TRACKED scored non-members; non-members absent for
 * ABSENT_LIMIT windows are forgotten, and beyond MAX_TRACKED the lowest scores are.
 */
import type { AppSeries, AppsSample, AppUsage } from './sample.ts';
import type { AppWindow } from './tasks.ts';
import { Acc, copyUsage, emptyUsage } from './tasks.ts';

export const DEFAULT_TOP_APPS = 10;
/** Largest configurable top N: 21 series per app metric, 147 over the five (test/export/series-bound.test.ts). */
export const MAX_TOP_APPS = 20;
export const ABSENT_LIMIT = 3;
export const HYSTERESIS = 1.5;
export const SMOOTHING = 0.5;
export const MAX_TRACKED = 2048;

interface State {
  /** The app's name (the tracker's own copy, see `detached`). */
  name: string;
  score: number;
  absent: number;
  member: boolean;
  total: Acc | undefined;
  /** This app's usage in window `seen` (so each window looks each row's app up once). */
  cur: AppUsage | undefined;
  /** The window `cur` is from (a window number; its negative while the app is new in that window). */
  seen: number;
}

export interface AppTrackerOptions {
  top?: number;
  /** Replacement threshold (1 = plain top N each window, for comparison). */
  hysteresis?: number;
  /** Weight of the newest window in the score (1 = no smoothing). */
  smoothing?: number;
}

/**
 * A copy of `s` that shares no storage with the string it was cut from (V8 keeps a substring of 13 or
 * more characters as a view into its parent): the concatenation is flattened into a new string.
 */
export function detached(s: string): string {
  return (' ' + s).slice(1);
}

export class AppTracker {
  readonly top: number;
  private readonly hysteresis: number;
  private readonly smoothing: number;
  private readonly apps = new Map<string, State>();
  private readonly otherTotal = new Acc(0, 0, 0);
  private changes = 0;
  private windows = 0;

  constructor(o: AppTrackerOptions = {}) {
    this.top = Math.max(1, Math.floor(o.top ?? DEFAULT_TOP_APPS));
    this.hysteresis = o.hysteresis ?? HYSTERESIS;
    this.smoothing = o.smoothing ?? SMOOTHING;
  }

  /** Current members, best score first (tests, reports). */
  members(): string[] {
    const m: State[] = [];
    for (const s of this.apps.values()) if (s.member) m.push(s);
    return m.sort(better).map((s) => s.name);
  }

  apply(w: AppWindow): AppsSample {
    const first = this.windows === 0;
    const now = ++this.windows;
    let energy = false;
    for (const u of w.rows.values())
      if (u.energyImpact !== undefined) {
        energy = true;
        break;
      }
    const a = this.smoothing;
    const apps = this.apps;

    // Each row's app, looked up once: known apps get this window's usage, new ones are added (scored
    // from this window alone, after the known ones, in row order). A name is a slice of its
    // document's text: kept as a key it would keep that whole 65–130 KB string alive for as long as
    // the app is tracked, so the tracker keeps its own copy.
    const rowStates: State[] = [];
    for (const [name, u] of w.rows) {
      let s = apps.get(name);
      if (s === undefined) {
        const own = detached(name);
        s = { name: own, score: a * rank(u, energy), absent: 0, member: false, total: undefined, cur: u, seen: -now };
        apps.set(own, s);
      } else {
        s.cur = u;
        s.seen = now;
      }
      rowStates.push(s);
    }
    // Scores and absence of the apps known before this window. In the same walk: leaving (members
    // absent too long), forgetting (non-members absent too long), the members that stay (`mem`) and
    // the candidates: non-members present now.
    const mem: State[] = [];
    const cand: State[] = [];
    for (const s of apps.values()) {
      if (s.seen === -now) s.seen = now;
      else {
        const present = s.seen === now;
        s.absent = present ? 0 : s.absent + 1;
        s.score = (1 - a) * s.score + a * (present ? rank(s.cur!, energy) : 0);
      }
      if (s.absent >= ABSENT_LIMIT) {
        if (s.member) this.changes++;
        apps.delete(s.name);
      } else if (s.member) mem.push(s);
      else if (s.absent === 0) cand.push(s);
    }
    let members = mem.length;
    // Candidates are taken best first (by `better`: the order a full sort would give). Usually only
    // the first one or two are looked at, so they are picked one at a time.
    let ci = 0;
    while (members < this.top && ci < cand.length) {
      const s = takeFirst(cand, ci++, better);
      s.member = true;
      s.total = new Acc(0, 0, 0);
      members++;
      if (!first) this.changes++;
    }
    for (let i = 0; i < ci; i++) mem.push(cand[i]!);
    // Replacement with hysteresis: the best remaining candidate against the weakest member left.
    let wi = 0; // mem[0, wi): the members replaced, weakest first
    const ci0 = ci; // cand[ci0, ci): the candidates that replaced them
    while (ci < cand.length && wi < mem.length) {
      const c = takeFirst(cand, ci, better);
      const weak = takeFirst(mem, wi, worse);
      if (!(c.score > this.hysteresis * weak.score)) break;
      weak.member = false;
      weak.total = undefined;
      c.member = true;
      c.total = new Acc(0, 0, 0);
      this.changes += 2;
      ci++;
      wi++;
    }
    // Bound the non-members kept.
    if (apps.size > this.top + MAX_TRACKED) {
      const rest = [...apps.values()].filter((e) => !e.member).sort((x, y) => x.score - y.score);
      for (let i = 0; i < apps.size - this.top - MAX_TRACKED && i < rest.length; i++) apps.delete(rest[i]!.name);
    }

    // Series.
    const total = new Acc(0, 0, 0);
    const rest = new Acc(0, 0, 0);
    let ri = 0;
    for (const u of w.rows.values()) {
      total.add(u);
      // A row's app is still tracked unless the bound above forgot it, and then it is no member.
      if (!rowStates[ri++]!.member) rest.add(u);
    }
    if (w.overflow) {
      total.add(w.overflow);
      rest.add(w.overflow);
    }
    const windowTotal = total.usage();
    const zero = zeroLike(windowTotal);
    const series: AppSeries[] = [];
    // The members now, best first (the bound above forgets non-members only).
    const ranked: State[] = mem.slice(wi);
    for (let i = ci0; i < ci; i++) ranked.push(cand[i]!);
    ranked.sort(better);
    for (let i = 0; i < ranked.length; i++) {
      const s = ranked[i]!;
      const window = copyUsage(s.seen === now ? s.cur! : zero);
      s.total!.add(window);
      series.push({ name: s.name, other: false, window, total: s.total!.usage(), absent: s.absent });
    }
    // A figure in the window total is 0 in `other` when no app outside the top N has it.
    rest.hasGpu ||= total.hasGpu;
    rest.hasEnergy ||= total.hasEnergy;
    rest.hasRx ||= total.hasRx;
    rest.hasTx ||= total.hasTx;
    const otherWindow = rest.usage();
    this.otherTotal.add(otherWindow);
    series.push({ name: 'other', other: true, window: otherWindow, total: this.otherTotal.usage(), absent: 0 });
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

/** An app's ranking figure in one window. */
function rank(u: AppUsage, energy: boolean): number {
  return energy ? (u.energyImpact ?? 0) : u.cpuTimeS;
}

/** The order of apps everywhere: higher score first, then name. */
function better(a: State, b: State): number {
  return b.score - a.score || (a.name < b.name ? -1 : 1);
}

/** The reverse of `better`: lower score first. */
function worse(a: State, b: State): number {
  return better(b, a);
}

/** Move the first of xs[from…] in `order` to xs[from] and return it (a selection-sort step). */
function takeFirst(xs: State[], from: number, order: typeof better): State {
  let k = from;
  for (let i = from + 1; i < xs.length; i++) if (order(xs[i]!, xs[k]!) < 0) k = i;
  const x = xs[k]!;
  xs[k] = xs[from]!;
  xs[from] = x;
  return x;
}

/** A usage with the same fields as `u`, all 0. */
function zeroLike(u: AppUsage): AppUsage {
  const z = emptyUsage();
  if (u.gpuTimeS !== undefined) z.gpuTimeS = 0;
  if (u.energyImpact !== undefined) z.energyImpact = 0;
  if (u.netRxBytes !== undefined) z.netRxBytes = 0;
  if (u.netTxBytes !== undefined) z.netTxBytes = 0;
  return z;
}
