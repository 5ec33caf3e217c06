/**
 * The agent: sources → store → the catalog's producer, read by the OTLP push reader and the
 * Prometheus pull reader. Nothing here knows a metric or a source by name; the catalog and the
 * registry do.
 *
 * Hook points:
 *  - `agent.health`: the health recorder (src/health.ts): the governor writes the budget level and the
 *    self-meter's readings there; the status file and the self-metrics read it;
 *  - `options.filters`: SampleFilters run on every sample before its check (the plausibility filter);
 *  - `options.plugins`: `{ name, start(agent), stop() }` objects started after the exporters and sources
 *    are up and stopped first on shutdown and before a reload;
 *  - `agent.sources`: the running sources (for child pids and the budget's `applyBudget`).
 */
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { Accumulator } from './catalog/accumulate.ts';
import { pointsOf, type CollectionInput } from './catalog/collect.ts';
import type { CatalogEntry, Point } from './catalog/types.ts';
import { otlpMetricsUrl, type Config } from './config.ts';
import { CatalogMetrics } from './export/catalog-producer.ts';
import { ListenError } from './export/listen-error.ts';
import { createOtlpReader, safeUrl, type OtlpReaderParts } from './export/otlp.ts';
import { PrometheusServer } from './export/prometheus.ts';
import { buildResource } from './export/resource.ts';
import { packageVersion } from './package-root.ts';
import { Health } from './health.ts';
import type { Logger } from './log.ts';
import { CATALOG, checkOf, moduleOf } from './registry.ts';
import type { Source } from './sources/source.ts';
import { Store, type SampleFilter } from './store.ts';

export interface AgentPlugin {
  readonly name: string;
  start?(agent: Agent): void | Promise<void>;
  stop?(): void | Promise<void>;
}

/** What the agent hands a sources factory: pass `onRestart` to the child runners (createSources' option). */
export interface SourceHooks {
  /** Count one child restart (crash or hang) into `silicon_agent.source.restarts`. */
  onRestart(source: string): void;
}

/**
 * Sources to run: a fixed list, or a factory called at start and at every reload. With a fixed list,
 * restarts are counted only if the caller wires its runners' `onRestart` to `agent.health.restarted`.
 */
export type SourcesFactory = (config: Config, hooks: SourceHooks) => Source[] | Promise<Source[]>;

export interface AgentOptions {
  log: Logger;
  sources?: Source[] | SourcesFactory;
  /** The resource, computed once at startup (src/export/resource.ts); default: from config + env + this host. */
  resource?: Resource;
  /** Milliseconds clock for staleness. */
  now?: () => number;
  health?: Health;
  filters?: SampleFilter[];
  plugins?: AgentPlugin[];
  /** The catalog to export (default: the registry's whole catalog). */
  catalog?: readonly CatalogEntry[];
  /** Upper bound for the final flush on stop (ms). */
  stopTimeoutMs?: number;
}

export interface Agent {
  readonly store: Store;
  readonly health: Health;
  readonly resource: Resource;
  readonly plugins: AgentPlugin[];
  config: Config;
  sources: Source[];
  /** The pull endpoint while it is enabled and listening. */
  prometheus: PrometheusServer | undefined;
  otlp: OtlpReaderParts | undefined;
  start(): Promise<void>;
  /** Stop sources, flush OTLP one last time, shut the exporters down. Idempotent. */
  stop(): Promise<void>;
  /** Apply a new configuration: sources and exporters are rebuilt; store, totals and stats are kept. */
  reload(config: Config): Promise<void>;
  /** Push now (tests, shutdown). */
  flush(): Promise<void>;
  /** Every catalog entry's points as a collection would read them now, by metric name. */
  points(): Map<string, Point[]>;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export function createAgent(initial: Config, opts: AgentOptions): Agent {
  const log = opts.log;
  const health = opts.health ?? new Health(opts.now ? { now: opts.now } : {});
  const store = new Store({ health, log, ...(opts.now ? { now: opts.now } : {}), filters: opts.filters ?? [] });
  const catalog = opts.catalog ?? CATALOG;
  // Running totals live as long as the agent: a reload keeps them (counters never go back).
  const totals = new Accumulator(catalog);
  store.onSample((source, sample) => totals.add(source, sample));
  const input: CollectionInput = { latest: (source) => store.latest(source), health, totals };
  const begin = (): CollectionInput => {
    store.expire();
    return input;
  };
  const resource = opts.resource ?? buildResource({ resource: initial.resource });
  const stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
  // The catalog's series, collected by every reader (src/export/catalog-producer.ts).
  const catalogMetrics = new CatalogMetrics(catalog, begin, { log, version: packageVersion() });
  let provider: MeterProvider | undefined;
  let running = false;

  const agent: Agent = {
    store,
    health,
    resource,
    plugins: opts.plugins ?? [],
    config: initial,
    sources: [],
    prometheus: undefined,
    otlp: undefined,

    async start() {
      if (running) return;
      running = true;
      try {
        await startExporters(agent.config);
        await startSources(agent.config);
      } catch (err) {
        // Close whatever started (a listening endpoint, the reader, sources): no half-started agent.
        await agent.stop();
        throw err;
      }
      for (const p of agent.plugins) {
        try {
          await p.start?.(agent);
        } catch (err) {
          log.error('plugin failed to start', { plugin: p.name, error: err as Error });
        }
      }
    },

    async stop() {
      if (!running) return;
      running = false;
      for (const p of [...agent.plugins].reverse()) {
        try {
          await p.stop?.();
        } catch (err) {
          log.warn('plugin failed to stop', { plugin: p.name, error: err as Error });
        }
      }
      await stopSources();
      await stopExporters();
    },

    async reload(config) {
      if (!running) {
        agent.config = config;
        return;
      }
      log.info('reloading configuration');
      const previous = agent.config;
      await stopSources();
      await stopExporters();
      try {
        await startExporters(config);
      } catch (err) {
        // The new endpoint cannot listen: keep the one we had, and the rest of the old configuration.
        await stopExporters();
        await startExporters(previous);
        await startSources(previous);
        throw err;
      }
      agent.config = config;
      await startSources(config);
    },

    async flush() {
      await provider?.forceFlush();
    },

    points() {
      const at = begin();
      return new Map(catalog.map((m) => [m.name, pointsOf(m, at)]));
    },
  };

  async function startExporters(config: Config): Promise<void> {
    const readers: IMetricReader[] = [];
    if (config.exporters.otlp.enabled) {
      agent.otlp = await createOtlpReader({ ...config.exporters.otlp, url: otlpMetricsUrl(config), producers: [catalogMetrics.producer()] }, health, log);
      readers.push(agent.otlp.reader);
      log.info('OTLP push enabled', {
        url: safeUrl(agent.otlp.url),
        protocol: config.exporters.otlp.protocol,
        intervalMs: config.exporters.otlp.intervalMs,
      });
    }
    let prom: PrometheusServer | undefined;
    if (config.exporters.prometheus.enabled) {
      prom = new PrometheusServer({
        ...config.exporters.prometheus,
        log,
        producers: [catalogMetrics.producer()],
        onScrape: () => health.scraped(),
        onRefused: () => health.connectionRefused(),
      });
      readers.push(prom.reader);
    }
    provider = new MeterProvider({ resource, readers });
    if (prom) {
      try {
        const addr = await prom.listen();
        agent.prometheus = prom;
        const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
        log.info('Prometheus endpoint listening', { url: `http://${host}:${addr.port}${config.exporters.prometheus.path}` });
      } catch (err) {
        // Fatal: an agent Prometheus cannot scrape looks down to the fleet. The error names host:port.
        await prom.close().catch(() => undefined);
        throw new ListenError(config.exporters.prometheus.host, config.exporters.prometheus.port, err);
      }
    }
    if (readers.length === 0) log.warn('every exporter is disabled: metrics are collected but not exported');
  }

  async function stopExporters(): Promise<void> {
    const p = provider;
    provider = undefined;
    if (p) {
      // shutdown() makes the periodic reader export one last time (the final flush), the catalog's
      // producer included (robustness/issue 5: test/robustness/signals.test.ts).
      await withTimeout(p.shutdown().catch((err: unknown) => log.warn('exporter shutdown failed', { error: err as Error })), stopTimeoutMs);
    }
    await agent.prometheus?.close();
    agent.prometheus = undefined;
    agent.otlp = undefined;
  }

  async function startSources(config: Config): Promise<void> {
    const src = opts.sources;
    const hooks: SourceHooks = { onRestart: (name) => health.restarted(name) };
    agent.sources = src === undefined ? [] : typeof src === 'function' ? await src(config, hooks) : src;
    for (const s of agent.sources) {
      try {
        const m = moduleOf(s.name);
        s.start(store.register(s, m ? checkOf(m) : undefined));
        log.debug('source started', { source: s.name, intervalMs: s.intervalMs });
      } catch (err) {
        log.error('source failed to start', { source: s.name, error: err as Error });
      }
    }
  }

  async function stopSources(): Promise<void> {
    const list = agent.sources;
    agent.sources = [];
    const results = await Promise.allSettled(list.map((s) => withTimeout(s.stop(), stopTimeoutMs)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') log.warn('source failed to stop', { source: list[i]!.name, error: r.reason as Error });
    });
  }

  return agent;
}
