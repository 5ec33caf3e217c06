/**
 * The catalog as a MetricProducer of the OTel SDK. At each collection of a reader (the OTLP push, a
 * scrape), every catalog entry is observed once (src/catalog/collect.ts) and its points become the
 * reader's MetricData directly: gauge → Gauge, counter → monotonic Sum, updowncounter → Sum, all
 * cumulative, in catalog order. Units pass through as written in the catalog (`{level}`, `Cel`, `By`,
 * …): OTLP carries them verbatim, and the Prometheus endpoint derives its suffixes from them
 * (prometheus-names.ts).
 *
 * Why a producer and not observable instruments: the SDK's storage for observable instruments hashes
 * every attribute set into string-keyed maps and merges them at every collection, which cost more than
 * all the observers together (about half of a collection's 3.6 ms on this VM, with its garbage), and it
 * keeps exporting every attribute set it has ever seen — a source gone stale would stay on /metrics and
 * in every OTLP export with its last value. Here a collection exports exactly what it observed.
 *
 * What the SDK did per series is kept, with the same meaning (test/export/catalog-producer.test.ts):
 * - a series' start time is the collection at which it was first observed; a counter whose value is
 *   below the previous collection's starts again there (the SDK's reset rule), and a negative counter
 *   value reads 0; a sum's -0 reads 0;
 * - the same attribute set observed twice in one collection: the last value, at the first one's place
 *   (the reset rule compares that last value with the previous collection's);
 * - the attributes exported for a series are those of its first observation (a copy), so a series keeps
 *   one attributes object for its life (the protobuf writer keeps its encoded bytes by that object);
 * - a series keeps its start time while it is away (a stale source, a Mac asleep) and when it comes back,
 *   as in the SDK, which never forgot one. Memory stays bounded: past MAX_SERIES_PER_METRIC remembered
 *   series in one metric, the ones seen longest ago are forgotten (the SDK, past its 2,000, merged new
 *   ones into one overflow series instead).
 * An observer that throws skips its entry for that collection (logged once), never the collection, and
 * what it emitted before throwing changes nothing; a non-finite value is never exported.
 */
import { ValueType, type HrTime } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type MetricData,
  type MetricDescriptor,
  type MetricProducer,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { sortedKeys } from '../catalog/accumulate.ts';
import type { CollectionInput } from '../catalog/collect.ts';
import { observeEntry } from '../catalog/collect.ts';
import type { Attributes, CatalogEntry, Emit } from '../catalog/types.ts';
import type { Logger } from '../log.ts';

export const SCOPE_NAME = 'silicon-agent';
/**
 * The semantic-conventions version the catalog's names, units and enum values are checked against
 * (test/semconv/semconv.test.ts), set on the scope so a backend can translate names across versions.
 */
export const SCHEMA_URL = 'https://opentelemetry.io/schemas/1.44.0';

const EMPTY_RESOURCE = emptyResource();

/** Series remembered per metric (start times); past it, those seen longest ago are forgotten. */
export const MAX_SERIES_PER_METRIC = 1000;

interface Series {
  attributes: Attributes;
  start: HrTime;
  /** The last value observed (a counter's reset rule). */
  last: number;
  /** Start and last value as the previous collection left them (a repeat in this one is judged on them). */
  prevStart: HrTime;
  prevLast: number;
  /** The collection that last observed it, and its point's index there. */
  seenIn: number;
  index: number;
}

interface Entry {
  readonly descriptor: MetricDescriptor;
  readonly dataPointType: DataPointType.GAUGE | DataPointType.SUM;
  readonly monotonic: boolean;
  readonly series: Map<string, Series>;
  points: Point[];
}

/** A data point as the SDK's DataPoint<number>, its value and start written in place for a repeat. */
interface Point {
  readonly attributes: Attributes;
  startTime: HrTime;
  readonly endTime: HrTime;
  value: number;
}

/**
 * A key that tells attribute sets apart exactly: by key (in sorted order), value type and value.
 * Strings, finite and non-finite numbers and booleans are written out; anything else by JSON.
 */
export function seriesKey(a: Attributes): string {
  const keys = sortedKeys(a);
  let k = '';
  for (let i = 0; i < keys.length; i++) {
    const v: unknown = a[keys[i]!];
    const t = typeof v;
    k += `${keys[i]}\u0000${t === 'string' ? 's' : t === 'number' ? 'n' : t === 'boolean' ? 'b' : 'j'}${t === 'string' || t === 'number' || t === 'boolean' ? String(v) : JSON.stringify(v)}\u0001`;
  }
  return k;
}

function hrTime(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

export interface CatalogMetricsOptions {
  log?: Logger;
  /** The scope's version (the package's). */
  version?: string;
  /** Wall clock in ms (tests). */
  now?: () => number;
}

/**
 * The catalog's series for every reader of one agent. `producer()` gives a reader its MetricProducer;
 * all of them share the series' start times, as the SDK's own storage did across readers.
 */
export class CatalogMetrics {
  private readonly catalog: readonly CatalogEntry[];
  private readonly begin: () => CollectionInput;
  private readonly opts: CatalogMetricsOptions;
  private readonly entries: Entry[];
  /** The one emit every entry's observer is given: it stages the observation (see collect). */
  private readonly stage: Emit;
  private readonly scope: ScopeMetrics['scope'];
  private readonly now: () => number;
  private collection = 0;
  private at: HrTime = [0, 0];
  /** The current entry's observations, applied only once its observer has returned. */
  private readonly stagedValues: number[] = [];
  private readonly stagedAttributes: Attributes[] = [];

  constructor(catalog: readonly CatalogEntry[], begin: () => CollectionInput, opts: CatalogMetricsOptions = {}) {
    this.catalog = catalog;
    this.begin = begin;
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.scope = { name: SCOPE_NAME, version: opts.version, schemaUrl: SCHEMA_URL };
    this.entries = catalog.map((m) => ({
      descriptor: { name: m.name, description: m.description, unit: m.unit, valueType: ValueType.DOUBLE },
      dataPointType: m.instrument === 'gauge' ? DataPointType.GAUGE : DataPointType.SUM,
      monotonic: m.instrument === 'counter',
      series: new Map(),
      points: [],
    }));
    // Made once: the collection runs every few seconds for months. An observer hands each emit an
    // attributes object it does not change afterwards (the SDK kept that object too).
    this.stage = (value, attributes) => {
      if (!Number.isFinite(value)) return;
      this.stagedValues.push(value);
      this.stagedAttributes.push(attributes);
    };
  }

  private record(e: Entry, value: number, attributes: Attributes): void {
    let v = value;
    if (v === 0 && e.dataPointType === DataPointType.SUM) v = 0; // -0: the SDK's sums read 0 + v
    if (e.monotonic && v < 0) v = 0;
    const key = seriesKey(attributes);
    const at = this.at;
    let s = e.series.get(key);
    if (s === undefined) {
      s = { attributes: { ...attributes }, start: at, last: v, prevStart: at, prevLast: Number.NaN, seenIn: -1, index: -1 };
      e.series.set(key, s);
    }
    if (s.seenIn !== this.collection) {
      s.prevStart = s.start;
      s.prevLast = s.last;
      s.seenIn = this.collection;
      s.index = e.points.length;
      e.points.push({ attributes: s.attributes, startTime: s.start, endTime: at, value: v });
    }
    // A counter below the previous collection's value starts again now (NaN: none before).
    s.start = e.monotonic && v < s.prevLast ? at : s.prevStart;
    s.last = v;
    const p = e.points[s.index]!;
    p.value = v; // observed twice in one collection: the last value, at the first one's place
    p.startTime = s.start;
  }

  /** Forget the series of `e` seen longest ago, down to MAX_SERIES_PER_METRIC (never this collection's). */
  private forget(e: Entry): void {
    const old = [...e.series].filter(([, s]) => s.seenIn !== this.collection).sort((a, b) => a[1].seenIn - b[1].seenIn);
    for (const [k] of old) {
      if (e.series.size <= MAX_SERIES_PER_METRIC) break;
      e.series.delete(k);
    }
  }

  /** One collection: every entry observed once, as this scope's metrics. */
  collect(): ScopeMetrics {
    this.collection++;
    this.at = hrTime(this.now());
    const input = this.begin();
    const values = this.stagedValues;
    const attributes = this.stagedAttributes;
    for (let i = 0; i < this.catalog.length; i++) {
      const e = this.entries[i]!;
      e.points = [];
      values.length = 0;
      attributes.length = 0;
      try {
        observeEntry(this.catalog[i]!, input, this.stage);
      } catch (err) {
        const name = this.catalog[i]!.name;
        this.opts.log?.once(`observe:${name}`, 'error', 'metric observer failed; metric skipped', { metric: name, error: err as Error });
        continue; // what it emitted before throwing is neither exported nor remembered
      }
      for (let j = 0; j < values.length; j++) this.record(e, values[j]!, attributes[j]!);
      if (e.series.size > MAX_SERIES_PER_METRIC) this.forget(e);
    }
    values.length = 0;
    attributes.length = 0;
    const metrics: MetricData[] = [];
    for (const e of this.entries) {
      if (e.points.length === 0) continue;
      metrics.push(
        e.dataPointType === DataPointType.GAUGE
          ? { descriptor: e.descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: e.points }
          : { descriptor: e.descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, dataPoints: e.points, isMonotonic: e.monotonic },
      );
    }
    return { scope: this.scope, metrics };
  }

  /** A reader's producer. */
  producer(): MetricProducer {
    return {
      collect: async (): Promise<CollectionResult> => {
        const sm = this.collect();
        return {
          // The reader keeps the resource of its MeterProvider and takes only the scopes from here.
          resourceMetrics: { resource: EMPTY_RESOURCE, scopeMetrics: sm.metrics.length > 0 ? [sm] : [] },
          errors: [],
        };
      },
    };
  }
}
