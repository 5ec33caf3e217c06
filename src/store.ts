/**
 * The store: the latest sample per source with its arrival time, running totals for the
 * accumulated counters, and the agent's own counters (SelfStats). Sources write into it through
 * a SourceSink; the exporters read `state()` and `totals()` at each collection.
 *
 * Staleness: a sample older than 3 × its source's interval is never exported as current; it
 * is dropped from `latest` (once, counted as `silicon_agent.values.dropped{drop_reason="stale"}`)
 * and the source reads as down.
 */
import type { AccumulatedMetric, Attributes, CatalogState, Point, SelfStats } from './catalog/catalog.ts';
import { CATALOG, emptySelfStats, isAccumulated } from './catalog/catalog.ts';
import type { ParseError, Sample, SampleBySource, SourceName } from './samples.ts';
import type { SourceSink, SourceStatus } from './sources/source.ts';

/** A value older than STALE_INTERVALS × the source's interval is stale. */
export const STALE_INTERVALS = 3;

/**
 * A hook run on every sample before it is stored (plausibility filters, budget sampling).
 * Return the sample (possibly a filtered copy) to keep it, or undefined to drop it; record what was
 * dropped in `self.dropped`.
 */
export type SampleFilter = (sample: Sample, self: SelfStats) => Sample | undefined;

export interface StoreOptions {
  /** Milliseconds clock (Date.now by default). */
  now?: () => number;
  /** Shared stats object; a fresh one by default. */
  self?: SelfStats;
  filters?: SampleFilter[];
}

interface Entry {
  sample: Sample;
  atMs: number;
}

interface Total {
  attributes: Attributes;
  value: number;
}

/** Canonical key of an attribute set (sorted keys), for the running totals. */
export function attributesKey(a: Attributes): string {
  return JSON.stringify(Object.keys(a).sort().map((k) => [k, a[k]]));
}

/** The accumulated counters of each source, in catalog order (looked up once per sample). */
const ACCUMULATED_BY_SOURCE = new Map<string, AccumulatedMetric[]>();
for (const m of CATALOG) {
  if (!isAccumulated(m)) continue;
  const list = ACCUMULATED_BY_SOURCE.get(m.source) ?? [];
  list.push(m);
  ACCUMULATED_BY_SOURCE.set(m.source, list);
}

export class Store {
  readonly self: SelfStats;
  readonly filters: SampleFilter[];
  private readonly now: () => number;
  private readonly latest = new Map<SourceName, Entry>();
  private readonly intervals = new Map<SourceName, number>();
  private readonly status = new Map<SourceName, SourceStatus>();
  private readonly sums = new Map<string, Map<string, Total>>();

  constructor(opts: StoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.self = opts.self ?? emptySelfStats();
    this.filters = opts.filters ?? [];
  }

  /** The sink a source writes into. `intervalMs` is the source's nominal interval (for staleness). */
  sink(source: SourceName, intervalMs: number): SourceSink {
    this.intervals.set(source, intervalMs);
    return {
      result: (r) => this.result(source, r),
      status: (s) => this.setStatus(source, s),
    };
  }

  setStatus(source: SourceName, s: SourceStatus): void {
    this.status.set(source, s);
    this.refreshUp(source);
  }

  /**
   * One child restart (crash or hang) of `source`, from the child runner's `onRestart` (the agent
   * wires it). Not derived from status changes: a crash loop reports 'restarting' with the same
   * reason every time, and the runner only tells the sink about changes, so that would undercount.
   */
  restarted(source: SourceName): void {
    this.self.restarts[source] = (this.self.restarts[source] ?? 0) + 1;
  }

  result(source: SourceName, r: Sample | ParseError): void {
    if (r.type === 'error') {
      const kinds = (this.self.parseErrors[source] ??= {});
      kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
      return;
    }
    this.self.samples[source] = (this.self.samples[source] ?? 0) + 1;
    if (r.type === 'smc') {
      // Readings the SMC interpretation dropped (implausible, over the unknown-key limit), per reason.
      const reasons = (this.self.dropped[source] ??= {});
      for (const [reason, n] of Object.entries(r.dropped)) reasons[reason] = (reasons[reason] ?? 0) + n;
    }
    let sample: Sample | undefined = r;
    for (const f of this.filters) {
      sample = f(sample, this.self);
      if (sample === undefined) return;
    }
    this.latest.set(source, { sample, atMs: this.now() });
    this.accumulate(sample);
    this.refreshUp(source);
  }

  private accumulate(sample: Sample): void {
    const metrics = ACCUMULATED_BY_SOURCE.get(sample.type);
    if (metrics === undefined) return;
    for (let i = 0; i < metrics.length; i++) {
      const m = metrics[i]!;
      let sums = this.sums.get(m.name);
      if (!sums) this.sums.set(m.name, (sums = new Map()));
      for (const p of m.accumulate(sample as SampleBySource[keyof SampleBySource])) {
        if (!Number.isFinite(p.value) || p.value < 0) continue; // a counter never goes down
        const key = attributesKey(p.attributes);
        const t = sums.get(key);
        if (t) t.value += p.value;
        else sums.set(key, { attributes: { ...p.attributes }, value: p.value });
      }
    }
  }

  /** Running totals of an accumulated counter, per attribute set. */
  *totals(metricName: string): Iterable<Point> {
    for (const t of this.sums.get(metricName)?.values() ?? []) yield { value: t.value, attributes: t.attributes };
  }

  private fresh(source: SourceName, atNow: number): boolean {
    const e = this.latest.get(source);
    if (!e) return false;
    const interval = this.intervals.get(source);
    return interval === undefined || atNow - e.atMs <= STALE_INTERVALS * interval;
  }

  private refreshUp(source: SourceName): void {
    const st = this.status.get(source);
    if (st === undefined && !this.latest.has(source) && this.self.sourceUp[source] === undefined) return;
    const running = st === undefined || st.state === 'running';
    this.self.sourceUp[source] = running && this.fresh(source, this.now());
  }

  /** Drop stale samples (counting each once) and update `sourceUp`. */
  expire(): void {
    const t = this.now();
    for (const source of [...this.latest.keys()]) {
      if (!this.fresh(source, t)) {
        this.latest.delete(source);
        const reasons = (this.self.dropped[source] ??= {});
        reasons.stale = (reasons.stale ?? 0) + 1;
      }
    }
    for (const source of new Set([...this.status.keys(), ...this.intervals.keys()])) this.refreshUp(source);
  }

  /** What the catalog's observers read: fresh samples only, and the stats. */
  state(): CatalogState {
    this.expire();
    const latest: Partial<SampleBySource> = {};
    for (const [source, e] of this.latest) (latest as Record<string, Sample>)[source] = e.sample;
    return { latest, self: this.self };
  }

  /** Arrival time (ms) of the latest sample of a source, if any. */
  arrivedAt(source: SourceName): number | undefined {
    return this.latest.get(source)?.atMs;
  }
}
