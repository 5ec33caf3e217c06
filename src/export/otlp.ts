/**
 * OTLP/HTTP push: a PeriodicExportingMetricReader over the official OTLP exporter, http/protobuf
 * (@opentelemetry/exporter-metrics-otlp-proto) or http/json (@opentelemetry/exporter-metrics-otlp-http),
 * chosen by `exporters.otlp.protocol` / OTEL_EXPORTER_OTLP_METRICS_PROTOCOL. Cumulative temporality,
 * so a collector's Prometheus exporter produces the same series as the agent's own endpoint.
 *
 * Export outcomes are counted once, in the health recorder (src/health.ts); a failure is logged once
 * per outage (never with header values, and with any credentials in the URL removed) and never
 * crashes the agent.
 */
import {
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Health } from '../health.ts';
import { redactUrl, scrub } from '../secrets.ts';

import type { Logger } from '../log.ts';

/** ExportResultCode.SUCCESS in @opentelemetry/core. */
const SUCCESS = 0;

/** A URL safe to log: user:password and query redacted (src/secrets.ts). */
export function safeUrl(url: string): string {
  return redactUrl(url);
}

type ExportCallback = Parameters<PushMetricExporter['export']>[1];

/** Wraps an exporter: counts outcomes, logs failures once per outage, never throws. */
export class CountingExporter implements PushMetricExporter {
  private readonly inner: PushMetricExporter;
  private readonly health: Health;
  private readonly log: Logger | undefined;
  private readonly url: string;
  private failing = false;

  constructor(inner: PushMetricExporter, health: Health, log: Logger | undefined, url: string) {
    this.inner = inner;
    this.health = health;
    this.log = log;
    this.url = safeUrl(url);
  }

  export(metrics: ResourceMetrics, done: ExportCallback): void {
    const finish: ExportCallback = (r) => {
      if (r.code === SUCCESS) {
        this.health.exported('success');
        if (this.failing) {
          this.failing = false;
          this.log?.clearOnce('otlp:failure');
          this.log?.info('OTLP export recovered', { url: this.url });
        }
      } else {
        this.health.exported('failure', scrub(r.error?.message ?? 'unknown error'));
        this.failing = true;
        this.log?.once('otlp:failure', 'warn', 'OTLP export failed; will retry at the next interval', {
          url: this.url,
          error: r.error?.message ?? 'unknown error',
        });
      }
      done(r);
    };
    try {
      this.inner.export(metrics, finish);
    } catch (err) {
      finish({ code: 1, error: err as Error });
    }
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
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
}

/** Builds the reader; the exporter package for the chosen protocol is loaded only then (startup time). */
export async function createOtlpReader(o: OtlpOptions, health: Health, log?: Logger): Promise<OtlpReaderParts> {
  const url = o.url;
  const options = { url, headers: { ...o.headers }, timeoutMillis: o.timeoutMs };
  const inner: PushMetricExporter =
    o.protocol === 'http/json'
      ? new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter(options)
      : new (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter(options);
  const exporter = new CountingExporter(inner, health, log, url);
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: o.intervalMs,
    exportTimeoutMillis: Math.min(o.timeoutMs, o.intervalMs),
  });
  return { reader, exporter, url };
}
