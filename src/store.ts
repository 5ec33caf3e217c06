/**
 * The store: the latest accepted sample of each source and its freshness. Sources write into it
 * through the SourceSink `register` returns; the collection reads `latest()`.
 *
 * At the door, every sample goes through the filters (the plausibility filter, src/plausibility.ts)
 * and then its source's check against its schema's ranges (the module's `check`, src/registry.ts).
 * A value that fails is removed — the smallest part that can go: an optional field or one array
 * element, else the sample — counted per reason in the health recorder and logged once per source
 * and reason. It is never exported, and never silently vanishes. Accepted samples are handed to the
 * `onSample` listener (the catalog's running totals, src/catalog/accumulate.ts).
 *
 * Staleness: a sample older than 3 × its source's current interval (read from the source at each
 * check, so a budget-degraded cadence is followed) is never exported as current; it is dropped
 * (once, counted as `stale`) and the source reads as down.
 */
import type { Health } from './health.ts';
import type { Logger } from './log.ts';
import type { BaseSample, DropReason, ParseError } from './samples.ts';
import type { SourceSink, SourceStatus } from './sources/source.ts';

/** A value older than STALE_INTERVALS × the source's interval is stale. */
export const STALE_INTERVALS = 3;

/** Where a sample fails its schema: a path into it (keys and array indices) and what is wrong. */
export interface SampleProblem {
  path: ReadonlyArray<string | number>;
  message: string;
}
export type SampleCheck = (sample: BaseSample) => SampleProblem | undefined;

/** One value a filter took out of a sample. */
export interface Dropped {
  reason: DropReason;
  /** Which value, as a path into the sample (`gpu`, `cpus[3].freqHz`), for debug logs. */
  field: string;
  value: number;
}

/** A hook run on every sample before its check: returns the sample (possibly a cleaned copy) and what it dropped. */
export type SampleFilter = (source: string, sample: BaseSample) => { sample: BaseSample | undefined; dropped: readonly Dropped[] };

export interface StoreOptions {
  health: Health;
  /** Milliseconds clock (Date.now by default). */
  now?: () => number;
  filters?: readonly SampleFilter[];
  log?: Logger;
}

/** What the store needs of a source: its name and current interval (read live). */
export interface Registered {
  readonly name: string;
  readonly intervalMs: number;
}

interface Entry {
  sample: BaseSample;
  atMs: number;
}

/** At most this many removals per sample before the whole sample is dropped instead. */
const MAX_PRUNES = 64;

export class Store {
  readonly health: Health;
  private readonly now: () => number;
  private readonly filters: readonly SampleFilter[];
  private readonly log: Logger | undefined;
  private readonly latestBy = new Map<string, Entry>();
  private readonly sources = new Map<string, Registered>();
  private readonly checks = new Map<string, SampleCheck>();
  private readonly status = new Map<string, SourceStatus>();
  private listener: ((source: string, sample: BaseSample) => void) | undefined;

  constructor(opts: StoreOptions) {
    this.health = opts.health;
    this.now = opts.now ?? Date.now;
    this.filters = opts.filters ?? [];
    this.log = opts.log;
  }

  /** The one listener told of every accepted sample, in arrival order. */
  onSample(listener: ((source: string, sample: BaseSample) => void) | undefined): void {
    this.listener = listener;
  }

  /** The sink `source` writes into; `check` holds its samples to their schema. Re-registering replaces the old one. */
  register(source: Registered, check?: SampleCheck): SourceSink {
    this.sources.set(source.name, source);
    if (check) this.checks.set(source.name, check);
    else this.checks.delete(source.name);
    const name = source.name;
    return {
      result: (r) => this.result(name, r),
      status: (s) => this.setStatus(name, s),
    };
  }

  setStatus(source: string, s: SourceStatus): void {
    this.status.set(source, s);
    this.health.sourceStatus(source, s);
    this.refreshUp(source);
  }

  result(source: string, r: BaseSample | ParseError): void {
    if (r.type === 'error') {
      this.health.parseError(source, (r as ParseError).kind);
      return;
    }
    const parsedOut = (r as BaseSample).dropped;
    if (parsedOut !== undefined) for (const reason in parsedOut) this.health.dropped(source, reason as DropReason, parsedOut[reason as DropReason] ?? 0);
    let sample: BaseSample | undefined = r;
    for (let i = 0; i < this.filters.length && sample !== undefined; i++) {
      const v = this.filters[i]!(source, sample);
      for (let j = 0; j < v.dropped.length; j++) this.dropped(source, v.dropped[j]!.reason, v.dropped[j]!.field);
      sample = v.sample;
    }
    if (sample === undefined) return;
    const check = this.checks.get(source);
    if (check !== undefined && check(sample) !== undefined) sample = this.prune(source, sample, check);
    if (sample === undefined) return;
    const at = this.now();
    this.latestBy.set(source, { sample, atMs: at });
    this.health.sample(source, at);
    this.listener?.(source, sample);
    this.refreshUp(source);
  }

  private dropped(source: string, reason: DropReason, field: string): void {
    this.health.dropped(source, reason);
    this.log?.once(`store:${source}:${reason}`, 'warn', 'value dropped before export', { source, reason, field });
  }

  /**
   * Remove what fails the check, smallest part first: the failing value; when that leaves a required
   * field missing (the check reports the same path again), its parent; an array element is removed
   * from its array. Gives up (drops the sample) after MAX_PRUNES removals or at the root.
   */
  private prune(source: string, sample: BaseSample, check: SampleCheck): BaseSample | undefined {
    const copy = structuredClone(sample) as unknown as Record<string, unknown>;
    const removed = new Set<string>();
    for (let n = 0; n < MAX_PRUNES; n++) {
      const p = check(copy as unknown as BaseSample);
      if (p === undefined) return copy as unknown as BaseSample;
      let path = [...p.path];
      while (path.length > 0 && removed.has(path.join('.'))) path = path.slice(0, -1);
      if (path.length === 0 || (path.length === 1 && path[0] === 'type')) break;
      removed.add(path.join('.'));
      const parent = path.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string | number, unknown>)?.[k], copy);
      const last = path[path.length - 1]!;
      if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
      else if (parent !== null && typeof parent === 'object') delete (parent as Record<string | number, unknown>)[last];
      this.dropped(source, 'out_of_range', `${path.join('.')}: ${p.message}`);
    }
    this.dropped(source, 'out_of_range', '(whole sample)');
    return undefined;
  }

  /** The latest sample of `source` if it is still fresh. */
  latest(source: string): BaseSample | undefined {
    const e = this.latestBy.get(source);
    return e !== undefined && this.fresh(source, e, this.now()) ? e.sample : undefined;
  }

  /** Arrival time (ms) of the latest sample of a source, if any. */
  arrivedAt(source: string): number | undefined {
    return this.latestBy.get(source)?.atMs;
  }

  private fresh(source: string, e: Entry, atNow: number): boolean {
    const interval = this.sources.get(source)?.intervalMs;
    return interval === undefined || atNow - e.atMs <= STALE_INTERVALS * interval;
  }

  private refreshUp(source: string): void {
    const st = this.status.get(source);
    const e = this.latestBy.get(source);
    if (st === undefined && e === undefined && this.health.sources.get(source)?.up === undefined) return;
    const running = st === undefined || st.state === 'running';
    this.health.sourceUp(source, running && e !== undefined && this.fresh(source, e, this.now()));
  }

  /** Drop stale samples (counting each once) and update every source's freshness. Run before each collection. */
  expire(): void {
    const t = this.now();
    for (const [source, e] of this.latestBy) {
      if (!this.fresh(source, e, t)) {
        this.latestBy.delete(source);
        this.health.dropped(source, 'stale');
      }
    }
    for (const source of this.sources.keys()) this.refreshUp(source);
    for (const source of this.status.keys()) if (!this.sources.has(source)) this.refreshUp(source);
  }
}
