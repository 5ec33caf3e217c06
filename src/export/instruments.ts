/**
 * The catalog as OTel instruments: one observable instrument per catalog entry (gauge →
 * ObservableGauge, counter → ObservableCounter, updowncounter → ObservableUpDownCounter), all
 * read in one batch callback from the store at each collection. Units pass through as written
 * in the catalog (`{level}`, `Cel`, `By`, …): the SDK and OTLP carry them verbatim, and the
 * Prometheus endpoint derives its suffixes from them (prometheus-names.ts).
 */
import type { Meter, Observable, ObservableResult, BatchObservableResult } from '@opentelemetry/api';
import type { CatalogState, MetricDef, Point } from '../catalog/catalog.ts';
import { CATALOG, isAccumulated } from '../catalog/catalog.ts';
import type { Logger } from '../log.ts';

/** What the callback reads: the catalog state and the running totals of accumulated counters. */
export interface CatalogReader {
  state(): CatalogState;
  totals(metricName: string): Iterable<Point>;
}

export const SCOPE_NAME = 'silicon-agent';

/** The points of one metric for the current state. */
export function* pointsOf(m: MetricDef, reader: CatalogReader, state: CatalogState): Iterable<Point> {
  if (isAccumulated(m)) yield* reader.totals(m.name);
  else yield* m.observe(state);
}

export function createInstrument(meter: Meter, m: MetricDef): Observable {
  const opts = { unit: m.unit, description: m.description };
  switch (m.instrument) {
    case 'gauge':
      return meter.createObservableGauge(m.name, opts);
    case 'counter':
      return meter.createObservableCounter(m.name, opts);
    case 'updowncounter':
      return meter.createObservableUpDownCounter(m.name, opts);
  }
}

/**
 * Register every catalog metric on `meter` with one batch callback. Returns a function that
 * removes the callback. A metric whose observer throws is skipped for that collection (logged once),
 * never the whole batch; a non-finite value is never exported.
 */
export function registerCatalog(
  meter: Meter,
  reader: CatalogReader,
  opts: { log?: Logger; catalog?: readonly MetricDef[] } = {},
): () => void {
  const catalog = opts.catalog ?? CATALOG;
  const observables = catalog.map((m) => createInstrument(meter, m));
  const callback = (result: BatchObservableResult) => {
    const state = reader.state();
    // Indexed loops and no pointsOf() generator in between: this runs once per collection, so V8
    // takes long to optimize it, and until then every for-of step allocates.
    for (let i = 0; i < catalog.length; i++) {
      const m = catalog[i]!;
      const inst = observables[i]!;
      try {
        for (const p of isAccumulated(m) ? reader.totals(m.name) : m.observe(state))
          if (Number.isFinite(p.value)) result.observe(inst, p.value, p.attributes);
      } catch (err) {
        opts.log?.once(`observe:${m.name}`, 'error', 'metric observer failed; metric skipped', {
          metric: m.name,
          error: err as Error,
        });
      }
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}

export type { ObservableResult };
