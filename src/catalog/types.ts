/**
 * The shape of a catalog entry (the OTel Collector's metadata.yaml, as typed code): name, UCUM unit,
 * instrument, attributes and description, and how its points are read. Each source module declares
 * its entries in its own metrics.ts; the agent's self-metrics are in ./agent.ts; src/registry.ts puts
 * them in one table, from which the instruments, the Prometheus endpoint, docs/metrics.md, the
 * dashboard and the alert rules are derived.
 *
 * Points are handed to an `emit` callback instead of being returned: observers run at every
 * collection for months, and a callback allocates no iterator and no point object.
 */
import type { HealthView } from '../health.ts';
import type { BaseSample } from '../samples.ts';

export type Instrument = 'gauge' | 'counter' | 'updowncounter';
export type AttrValue = string | number;
export type Attributes = Record<string, AttrValue>;
export type Emit = (value: number, attributes: Attributes) => void;

export interface Point {
  value: number;
  attributes: Attributes;
}

/**
 * One attribute: what it means and, where the set is closed, its values (a typed constant shared with
 * the code that writes them). `values` absent means a bounded but open set (sensor ids, disk names),
 * whose bound the description states.
 */
export interface AttributeDef {
  doc: string;
  values?: readonly (string | number)[];
}
export type AttributeTable = Readonly<Record<string, AttributeDef>>;

interface MetricBase {
  name: string;
  /** UCUM unit, case-sensitive. */
  unit: string;
  instrument: Instrument;
  description: string;
  /** Every attribute its points may carry (declared in an attribute table). */
  attributes: readonly string[];
  /**
   * The source whose entry of the same name this one yields to (./fallback.ts): the two become one
   * catalog entry, and this one's points are exported only while that source has no fresh sample.
   */
  yieldsTo?: string;
}

/** What an observer may look at besides its own source's latest sample. */
export interface ObserveContext {
  /** The latest fresh sample of another source (cross-source metrics, e.g. a limit read elsewhere). */
  latest(source: string): BaseSample | undefined;
}

/** A metric read from its source's latest fresh sample at each collection. */
export interface SampleMetric<S extends BaseSample = BaseSample> extends MetricBase {
  observe(sample: S, emit: Emit, ctx: ObserveContext): void;
}

/**
 * What an accumulated metric may keep between samples (the network counters' previous readings): one
 * per metric, owned by the accumulator, empty at the start. Metrics whose samples carry their own
 * increments ignore it.
 */
export interface AccumulatorMemory {
  state?: unknown;
}

/** A counter whose value is the running sum of per-sample increments (energy per window, bytes per interval). */
export interface AccumulatedMetric<S extends BaseSample = BaseSample> extends MetricBase {
  instrument: 'counter';
  /** The increments one sample contributes. Called once per accepted sample, in arrival order. */
  accumulate(sample: S, emit: Emit, memory: AccumulatorMemory): void;
}

/** A metric about the agent itself, read from the health recorder. */
export interface HealthMetric extends MetricBase {
  observeHealth(health: HealthView, emit: Emit): void;
}

export type MetricDef<S extends BaseSample = BaseSample> = SampleMetric<S> | AccumulatedMetric<S>;

/** A catalog entry as the registry holds it: the definition and the source that feeds it (`agent` for self-metrics). */
export type CatalogEntry = (SampleMetric | AccumulatedMetric | HealthMetric | FallbackMetric) & { readonly source: string };

/**
 * Two entries of one name merged (./fallback.ts): the primary's points while its source has a fresh
 * sample, else the secondary's (the one that `yieldsTo` the primary's source).
 */
export interface FallbackMetric extends MetricBase {
  readonly fallback: { readonly primary: CatalogEntry; readonly secondary: CatalogEntry };
}

export function isAccumulated(m: object): m is AccumulatedMetric {
  return 'accumulate' in m;
}
export function isFallback(m: object): m is FallbackMetric {
  return 'fallback' in m;
}
export function isHealthMetric(m: object): m is HealthMetric {
  return 'observeHealth' in m;
}
