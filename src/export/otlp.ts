/**
 * OTLP/HTTP push: a PeriodicExportingMetricReader over the official OTLP/HTTP exporter
 * (@opentelemetry/exporter-metrics-otlp-http), http/protobuf (with our body writer, ./otlp-protobuf.ts:
 * the SDK serializer's bytes at a third of its cost) or http/json, chosen by `exporters.otlp.protocol` / OTEL_EXPORTER_OTLP_METRICS_PROTOCOL. Cumulative temporality,
 * so a collector's Prometheus exporter produces the same series as the agent's own endpoint.
 *
 * Every export the reader makes is answered once, counted once in the health recorder (src/health.ts)
 * with the class of its failure, and answered before the next push tick at any interval: the timers
 * nest inside one budget (src/export/otlp-budget.ts). A failure is logged once per outage and its end
 * once, never with header values or URL credentials (src/secrets.ts); nothing here crashes the agent.
 */
import {
  PeriodicExportingMetricReader,
  type MetricProducer,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ExportErrorType, Health } from '../health.ts';
import { redactUrl, scrub } from '../secrets.ts';
import type { Logger } from '../log.ts';
import { otlpBudget } from './otlp-budget.ts';
import { classifyExportError, type ExportFailure, type SecretsOf } from './otlp-errors.ts';
import { createExportHttp, type ExportHttp } from './otlp-http.ts';

/** ExportResultCode in @opentelemetry/core. */
const SUCCESS = 0;
const FAILED = 1;

/** A URL safe to log: user:password and query redacted (src/secrets.ts). */
export function safeUrl(url: string): string {
  return redactUrl(url);
}

type ExportCallback = Parameters<PushMetricExporter['export']>[1];
type ExportResult = Parameters<ExportCallback>[0];

export interface CountingOptions {
  /** The export's URL (logged without credentials). */
  url: string;
  /** The hard deadline of one export, from the moment the reader calls export() (otlpBudget().deadlineMs). */
  deadlineMs: number;
  log?: Logger | undefined;
  /** Our HTTP agent under the exporter: ended at the deadline, the last status read from it. */
  http?: ExportHttp | undefined;
  /** What to keep out of error text. */
  secrets?: SecretsOf | undefined;
}

/**
 * Wraps the exporter: answers every export once, by its deadline at the latest; counts each outcome
 * with its failure class; logs one line when an outage starts and one when it ends; never throws.
 *
 * - At the deadline: counts a `timeout`, answers the reader, ends the export's open HTTP requests.
 *   The exporter's late answer for that export is ignored.
 * - Never calls the exporter while its previous call still runs: that export fails as a `timeout` at once.
 * - The reader gets its answer even if counting or logging throws.
 */
export class CountingExporter implements PushMetricExporter {
  private readonly inner: PushMetricExporter;
  private readonly health: Health;
  private readonly o: CountingOptions;
  private readonly url: string;
  /** The exporter's current call has not answered yet. */
  private busy = false;
  /** Failed exports since the last success; > 0 means an outage is under way (and was logged). */
  private failedExports = 0;

  constructor(inner: PushMetricExporter, health: Health, opts: CountingOptions) {
    this.inner = inner;
    this.health = health;
    this.o = opts;
    this.url = safeUrl(opts.url);
  }

  export(metrics: ResourceMetrics, done: ExportCallback): void {
    let answered = false;
    let timer: NodeJS.Timeout | undefined;
    const answer = (result: ExportResult, failure?: ExportFailure) => {
      if (answered) return;
      answered = true;
      if (timer !== undefined) clearTimeout(timer);
      try {
        this.count(failure);
      } catch {
        // counting or logging failed: the reader is answered all the same
      }
      done(result);
    };
    const fail = (f: ExportFailure) => answer({ code: FAILED, error: new Error(f.message) }, f);

    if (this.busy) {
      fail({ type: 'timeout', message: 'the previous export has not finished' });
      return;
    }
    this.busy = true;
    this.o.http?.begin();
    timer = setTimeout(() => {
      fail({ type: 'timeout', message: `no answer within ${Math.round(this.o.deadlineMs)} ms` });
      this.o.http?.abandon();
    }, this.o.deadlineMs);
    timer.unref?.();

    let returned = false;
    const onResult: ExportCallback = (r) => {
      if (returned) return; // an exporter that answers twice: the first answer counts
      returned = true;
      this.busy = false;
      if (answered) return; // already counted at the deadline
      if (r.code === SUCCESS) answer(r);
      else {
        let f: ExportFailure;
        try {
          f = classifyExportError(r.error, this.o.http?.lastStatus, this.o.secrets);
        } catch {
          f = { type: '_OTHER', message: 'unknown error' };
        }
        answer({ code: FAILED, error: new Error(f.message) }, f);
      }
    };
    try {
      this.inner.export(metrics, onResult);
    } catch (err) {
      onResult({ code: FAILED, error: err as Error });
    }
  }

  /** Count one answered export; log the start and the end of an outage. */
  private count(failure: ExportFailure | undefined): void {
    if (failure === undefined) {
      this.health.exported('success');
      if (this.failedExports > 0) {
        const failed = this.failedExports;
        this.failedExports = 0; // re-armed: the next failure starts a new outage
        this.o.log?.info('OTLP export recovered', { url: this.url, failedExports: failed });
      }
      return;
    }
    this.failedExports++;
    const type: ExportErrorType = failure.type;
    const message = scrub(failure.message);
    this.health.exported('failure', message, type);
    if (this.failedExports === 1)
      this.o.log?.warn('OTLP export failed; will retry at the next interval', { url: this.url, error: message, errorType: type });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  async shutdown(): Promise<void> {
    try {
      await this.inner.shutdown();
    } finally {
      this.o.http?.close();
    }
  }
}

export interface OtlpReaderParts {
  reader: PeriodicExportingMetricReader;
  exporter: CountingExporter;
  url: string;
}

/** What the OTLP push needs (from config.exporters.otlp, with the metrics URL resolved). */
export interface OtlpOptions {
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  intervalMs: number;
  /** What the reader collects besides its MeterProvider's instruments (the agent's catalog). */
  producers?: MetricProducer[];
}

/** Builds the reader; the exporter package for the chosen protocol is loaded only then (startup time). */
export async function createOtlpReader(o: OtlpOptions, health: Health, log?: Logger): Promise<OtlpReaderParts> {
  const url = o.url;
  const budget = otlpBudget(o.timeoutMs, o.intervalMs);
  const http = createExportHttp(url, log);
  const options = { url, headers: { ...o.headers }, timeoutMillis: budget.exporterTimeoutMs, httpAgentOptions: http.agentFactory };
  const inner: PushMetricExporter =
    o.protocol === 'http/json'
      ? new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter(options)
      : await (await import('./otlp-protobuf.ts')).createProtobufExporter(options, (err) =>
          log?.once('otlp:body-writer', 'error', 'OTLP body writer failed; the SDK serializer wrote the export instead', { error: err as Error }),
        );
  const exporter = new CountingExporter(inner, health, { url, deadlineMs: budget.deadlineMs, log, http, secrets: { url, headers: o.headers } });
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: o.intervalMs,
    exportTimeoutMillis: budget.readerTimeoutMs,
    ...(o.producers ? { metricProducers: o.producers } : {}),
  });
  return { reader, exporter, url };
}
