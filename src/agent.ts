/**
 * The agent: sources → store → one MeterProvider read by the OTLP push reader and the
 * Prometheus pull reader. Nothing here knows a metric by name; the catalog does.
 *
 * Hook points (for the budget, self-metering and plausibility code):
 *  - `agent.self`: the shared SelfStats object the self-metrics read (write CPU/RSS, budget level);
 *  - `agent.store.filters`: SampleFilters run on every sample before it is stored (drop/clean values,
 *    count drops in `self.dropped`);
 *  - `options.plugins`: `{ name, start(agent), stop() }` objects started after the exporters and sources
 *    are up and stopped first on shutdown and before a reload;
 *  - `agent.sources`: the running sources (for child pids and restarts);
 *  - `options.observer`: told about source states, samples, OTLP export outcomes and scrapes (the
 *    status file, src/status-file.ts). Its calls must be cheap: they run on the sample path.
 */
import type { Meter } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, type IMetricReader } from '@opentelemetry/sdk-metrics';
import type { SelfStats } from './catalog/catalog.ts';
import { emptySelfStats } from './catalog/catalog.ts';
import type { Config } from './config.ts';
import { registerCatalog, SCOPE_NAME } from './export/instruments.ts';
import { createOtlpReader, safeUrl, type OtlpReaderParts } from './export/otlp.ts';
import { PrometheusServer } from './export/prometheus.ts';
import { buildResource, packageVersion } from './export/resource.ts';
import type { Logger } from './log.ts';
import type { SourceName } from './samples.ts';
import type { Source, SourceSink, SourceStatus } from './sources/source.ts';
import { Store, type SampleFilter } from './store.ts';

export interface AgentPlugin {
  readonly name: string;
  start?(agent: Agent): void | Promise<void>;
  stop?(): void | Promise<void>;
}

/** What the agent hands a sources factory: pass `onRestart` to the child runners (createSources' option). */
export interface SourceHooks {
  /** Count one child restart (crash or hang) into `silicon_agent.source.restarts`. */
  onRestart(source: SourceName): void;
}

/**
 * Sources to run: a fixed list, or a factory called at start and at every reload. With a fixed list,
 * restarts are counted only if the caller wires its runners' `onRestart` to `agent.store.restarted`.
 */
export type SourcesFactory = (config: Config, hooks: SourceHooks) => Source[] | Promise<Source[]>;

/** What the agent reports as it runs (StatusWriter implements it). */
export interface AgentObserver {
  source(name: SourceName, s: SourceStatus): void;
  sample(name: SourceName): void;
  export(ok: boolean, error?: string): void;
  scrape(): void;
}

export interface AgentOptions {
  log: Logger;
  sources?: Source[] | SourcesFactory;
  /** The resource, computed once at startup (src/export/resource.ts); default: from config + env + this host. */
  resource?: Resource;
  /** Milliseconds clock for staleness. */
  now?: () => number;
  self?: SelfStats;
  filters?: SampleFilter[];
  plugins?: AgentPlugin[];
  observer?: AgentObserver;
  /** Upper bound for the final flush on stop (ms). */
  stopTimeoutMs?: number;
}

export interface Agent {
  readonly store: Store;
  readonly self: SelfStats;
  readonly resource: Resource;
  readonly plugins: AgentPlugin[];
  config: Config;
  sources: Source[];
  /** The pull endpoint while it is enabled and listening. */
  prometheus: PrometheusServer | undefined;
  otlp: OtlpReaderParts | undefined;
  meter: Meter | undefined;
  start(): Promise<void>;
  /** Stop sources, flush OTLP one last time, shut the exporters down. Idempotent. */
  stop(): Promise<void>;
  /** Apply a new configuration: sources and exporters are rebuilt; store, totals and stats are kept. */
  reload(config: Config): Promise<void>;
  /** Push now (tests, shutdown). */
  flush(): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Tell the observer each export's outcome: the reader calls `export` on this very object. */
function observeExports(exporter: OtlpReaderParts['exporter'], o: AgentObserver): void {
  const inner = exporter.export.bind(exporter);
  exporter.export = (metrics, done) =>
    inner(metrics, (r) => {
      try {
        o.export(r.code === 0, r.error?.message);
      } finally {
        done(r);
      }
    });
}

/** Tell the observer of every served scrape (`text()` is what a /metrics request collects through). */
function observeScrapes(prom: PrometheusServer, o: AgentObserver): void {
  const inner = prom.text.bind(prom);
  prom.text = async () => {
    const body = await inner();
    o.scrape();
    return body;
  };
}

export function createAgent(initial: Config, opts: AgentOptions): Agent {
  const log = opts.log;
  const self = opts.self ?? emptySelfStats();
  const store = new Store({ self, ...(opts.now ? { now: opts.now } : {}), filters: opts.filters ?? [] });
  const resource = opts.resource ?? buildResource({ config: initial });
  const stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
  let provider: MeterProvider | undefined;
  let unregister: (() => void) | undefined;
  let running = false;

  const agent: Agent = {
    store,
    self,
    resource,
    plugins: opts.plugins ?? [],
    config: initial,
    sources: [],
    prometheus: undefined,
    otlp: undefined,
    meter: undefined,

    async start() {
      if (running) return;
      running = true;
      await startExporters(agent.config);
      await startSources(agent.config);
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
      await stopSources();
      await stopExporters();
      agent.config = config;
      await startExporters(config);
      await startSources(config);
    },

    async flush() {
      await provider?.forceFlush();
    },
  };

  async function startExporters(config: Config): Promise<void> {
    const readers: IMetricReader[] = [];
    if (config.exporters.otlp.enabled) {
      agent.otlp = await createOtlpReader(config, self, log);
      if (opts.observer) observeExports(agent.otlp.exporter, opts.observer);
      readers.push(agent.otlp.reader);
      log.info('OTLP push enabled', {
        url: safeUrl(agent.otlp.url),
        protocol: config.exporters.otlp.protocol,
        intervalMs: config.exporters.otlp.intervalMs,
      });
    }
    let prom: PrometheusServer | undefined;
    if (config.exporters.prometheus.enabled) {
      prom = new PrometheusServer({ ...config.exporters.prometheus, log });
      if (opts.observer) observeScrapes(prom, opts.observer);
      readers.push(prom.reader);
    }
    provider = new MeterProvider({ resource, readers });
    agent.meter = provider.getMeter(SCOPE_NAME, packageVersion());
    unregister = registerCatalog(agent.meter, store, { log });
    if (prom) {
      try {
        const addr = await prom.listen();
        agent.prometheus = prom;
        const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
        log.info('Prometheus endpoint listening', { url: `http://${host}:${addr.port}${config.exporters.prometheus.path}` });
      } catch (err) {
        // Keep running: OTLP push still works. The error names the address so the fix is obvious.
        log.error('Prometheus endpoint could not listen; continuing without it', {
          host: config.exporters.prometheus.host,
          port: config.exporters.prometheus.port,
          error: err as Error,
        });
      }
    }
    if (readers.length === 0) log.warn('every exporter is disabled: metrics are collected but not exported');
  }

  async function stopExporters(): Promise<void> {
    const p = provider;
    provider = undefined;
    if (p) {
      // shutdown() makes the periodic reader export one last time (the final flush). The catalog's
      // callbacks must still be registered then: with them removed first, the collection is empty
      // and the SDK skips the export entirely (robustness/issue 5: test/robustness/signals.test.ts).
      await withTimeout(p.shutdown().catch((err: unknown) => log.warn('exporter shutdown failed', { error: err as Error })), stopTimeoutMs);
    }
    unregister?.();
    unregister = undefined;
    await agent.prometheus?.close();
    agent.prometheus = undefined;
    agent.otlp = undefined;
    agent.meter = undefined;
  }

  async function startSources(config: Config): Promise<void> {
    const src = opts.sources;
    const hooks: SourceHooks = { onRestart: (name) => store.restarted(name) };
    agent.sources = src === undefined ? [] : typeof src === 'function' ? await src(config, hooks) : src;
    for (const s of agent.sources) {
      try {
        s.start(observed(s.name, store.sink(s.name, s.intervalMs)));
        log.debug('source started', { source: s.name, intervalMs: s.intervalMs });
      } catch (err) {
        log.error('source failed to start', { source: s.name, error: err as Error });
      }
    }
  }

  /** The store's sink, also telling the observer (if any). */
  function observed(name: SourceName, sink: SourceSink): SourceSink {
    const o = opts.observer;
    if (!o) return sink;
    return {
      result(r) {
        sink.result(r);
        if (r.type !== 'error') o.sample(name);
      },
      status(st) {
        sink.status(st);
        o.source(name, st);
      },
    };
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
