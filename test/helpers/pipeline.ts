/**
 * The agent's data path without sources, sockets or timers, for tests: a health recorder, the store
 * (with the plausibility filter when asked) and the catalog's running totals, and the /metrics text
 * the real OTel SDK and Prometheus serializer make of them. Not a test file.
 */
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Accumulator } from '../../src/catalog/accumulate.ts';
import type { CollectionInput } from '../../src/catalog/collect.ts';
import { CatalogMetrics } from '../../src/export/catalog-producer.ts';
import { PrometheusServer } from '../../src/export/prometheus.ts';
import { Health } from '../../src/health.ts';
import { CATALOG, checkOf, moduleOf } from '../../src/registry.ts';
import type { SourceSink } from '../../src/sources/source.ts';
import { Store, type SampleFilter } from '../../src/store.ts';

export interface Pipeline {
  health: Health;
  store: Store;
  totals: Accumulator;
  input: CollectionInput;
  /** The sink of source `name` (its module's check at the store's door), registered at `intervalMs`. */
  sink(name: string, intervalMs: number): SourceSink;
  /** The /metrics text a scrape would get now (no socket). */
  scrape(opts?: { resource?: Resource; version?: string }): Promise<string>;
}

export function pipeline(opts: { now?: () => number; filters?: SampleFilter[] } = {}): Pipeline {
  const health = new Health(opts.now ? { now: opts.now } : {});
  const store = new Store({ health, ...(opts.now ? { now: opts.now } : {}), filters: opts.filters ?? [] });
  const totals = new Accumulator(CATALOG);
  store.onSample((source, sample) => totals.add(source, sample));
  const input: CollectionInput = { latest: (s) => store.latest(s), health, totals };
  return {
    health,
    store,
    totals,
    input,
    sink(name, intervalMs) {
      const m = moduleOf(name);
      return store.register({ name, intervalMs }, m ? checkOf(m) : undefined);
    },
    async scrape(o = {}) {
      const catalogMetrics = new CatalogMetrics(CATALOG, () => (store.expire(), input), o.version !== undefined ? { version: o.version } : {});
      const prom = new PrometheusServer({ host: '127.0.0.1', port: 0, path: '/metrics', producers: [catalogMetrics.producer()] });
      const provider = new MeterProvider({ ...(o.resource ? { resource: o.resource } : {}), readers: [prom.reader] });
      try {
        return await prom.text();
      } finally {
        await provider.shutdown();
      }
    },
  };
}
