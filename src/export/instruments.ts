/**
 * The catalog as OTel instruments: one observable instrument per catalog entry (gauge →
 * ObservableGauge, counter → ObservableCounter, updowncounter → ObservableUpDownCounter), all
 * read in one batch callback at each collection. Units pass through as written in the catalog
 * (`{level}`, `Cel`, `By`, …): the SDK and OTLP carry them verbatim, and the Prometheus endpoint
 * derives its suffixes from them (prometheus-names.ts).
 */
import type { BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { CollectionInput } from '../catalog/collect.ts';
import { observeEntry } from '../catalog/collect.ts';
import type { Attributes, CatalogEntry, Emit } from '../catalog/types.ts';
import type { Logger } from '../log.ts';
import type { ObservedSeries } from './observed.ts';

export const SCOPE_NAME = 'silicon-agent';
/**
 * The semantic-conventions version the catalog's names, units and enum values are checked against
 * (test/semconv/semconv.test.ts), set on the meter so a backend can translate names across versions.
 */
export const SCHEMA_URL = 'https://opentelemetry.io/schemas/1.44.0';

export function createInstrument(meter: Meter, m: CatalogEntry): Observable {
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
 * Register every catalog entry on `meter` with one batch callback. `begin()` is called once at the
 * start of each collection and returns what the observers read (the agent expires stale samples
 * there). Returns a function that removes the callback. An entry whose observer throws is skipped for
 * that collection (logged once), never the whole batch; a non-finite value is never exported.
 */
export function registerCatalog(
  meter: Meter,
  catalog: readonly CatalogEntry[],
  begin: () => CollectionInput,
  opts: { log?: Logger; observed?: ObservedSeries } = {},
): () => void {
  const observed = opts.observed;
  const observables = catalog.map((m) => createInstrument(meter, m));
  // One emit per instrument, made once: the callback runs at every collection for months.
  let result: BatchObservableResult | undefined;
  const emits: Emit[] = observables.map((inst, i) => (value: number, attributes: Attributes) => {
    if (!Number.isFinite(value) || result === undefined) return;
    result.observe(inst, value, attributes);
    observed?.add(catalog[i]!.name, attributes);
  });
  const callback = (r: BatchObservableResult) => {
    result = r;
    observed?.begin();
    const input = begin();
    for (let i = 0; i < catalog.length; i++) {
      const m = catalog[i]!;
      try {
        observeEntry(m, input, emits[i]!);
      } catch (err) {
        opts.log?.once(`observe:${m.name}`, 'error', 'metric observer failed; metric skipped', { metric: m.name, error: err as Error });
      }
    }
    result = undefined;
    observed?.end();
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}
