/**
 * The Prometheus pull endpoint (default http://127.0.0.1:9464/metrics). A MetricReader collects
 * from the same MeterProvider the OTLP exporter reads, and this file serializes the result in the
 * Prometheus text format (0.0.4) with the names the OpenTelemetry Collector gives the same OTLP
 * data (prometheus-names.ts): unit suffixes, `_total` on monotonic sums, updowncounters as gauges,
 * `otel_scope_name`/`otel_scope_version` labels on every series and the resource as `target_info`.
 *
 * @opentelemetry/exporter-prometheus is not used: it adds no unit suffixes (reference §6.2) and its
 * server is unref'd. This server is ref'd (it keeps the process alive) and does not depend on the
 * OTLP path: a failing collector never stops a scrape.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Attributes as OtelAttributes, AttributeValue } from '@opentelemetry/api';
import { DataPointType, MetricReader, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Instrument } from '../catalog/types.ts';
import type { Logger } from '../log.ts';
import { prometheusLabelName, prometheusMetricName, prometheusType } from './prometheus-names.ts';

/** A pull reader: collects only when asked (a scrape). */
export class PullMetricReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

// ---------------------------------------------------------------------------------------------
// text format

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Escape a label value: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escape HELP text: backslash and line feed. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function attrString(v: AttributeValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return JSON.stringify(v);
  return String(v);
}

/**
 * OTel attributes → Prometheus labels. Keys that sanitize to the same label name are merged with
 * their values joined by `;` in key order, as the Collector does.
 */
export function toLabels(attrs: OtelAttributes): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of Object.keys(attrs).sort()) {
    const name = prometheusLabelName(key);
    const value = attrString(attrs[key]);
    const prev = out.get(name);
    out.set(name, prev === undefined ? value : `${prev};${value}`);
  }
  return out;
}

function labelText(labels: Map<string, string>): string {
  if (labels.size === 0) return '';
  return `{${[...labels].map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

/** The catalog instrument kind of an SDK metric. */
export function instrumentOf(m: MetricData): Instrument | undefined {
  if (m.dataPointType === DataPointType.GAUGE) return 'gauge';
  if (m.dataPointType === DataPointType.SUM) return m.isMonotonic ? 'counter' : 'updowncounter';
  return undefined; // histograms: the catalog has none
}

/** Serialize a collection in the Prometheus text format, Collector-style names. */
export function serialize(rm: ResourceMetrics): string {
  const lines: string[] = [];
  const resourceLabels = toLabels(rm.resource.attributes);
  if (resourceLabels.size > 0) {
    lines.push('# HELP target_info Target metadata', '# TYPE target_info gauge', `target_info${labelText(resourceLabels)} 1`);
  }
  for (const sm of rm.scopeMetrics) {
    const scopeLabels: Array<[string, string]> = [['otel_scope_name', sm.scope.name]];
    if (sm.scope.version) scopeLabels.push(['otel_scope_version', sm.scope.version]);
    if (sm.scope.schemaUrl) scopeLabels.push(['otel_scope_schema_url', sm.scope.schemaUrl]);
    for (const m of sm.metrics) {
      const instrument = instrumentOf(m);
      if (instrument === undefined || m.dataPoints.length === 0) continue;
      const name = prometheusMetricName(m.descriptor.name, m.descriptor.unit, instrument);
      if (m.descriptor.description) lines.push(`# HELP ${name} ${escapeHelp(m.descriptor.description)}`);
      lines.push(`# TYPE ${name} ${prometheusType(instrument)}`);
      for (const dp of m.dataPoints) {
        const labels = toLabels(dp.attributes);
        for (const [k, v] of scopeLabels) labels.set(k, v);
        lines.push(`${name}${labelText(labels)} ${formatValue(dp.value as number)}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// server

export interface PrometheusServerOptions {
  host: string;
  port: number;
  path: string;
  log?: Logger;
  /** Told after every served scrape (the health recorder counts them). */
  onScrape?: () => void;
}

export class PrometheusServer {
  readonly reader: PullMetricReader;
  private server: http.Server | undefined;
  private readonly opts: PrometheusServerOptions;
  /** Scrapes served, for tests and self-metrics. */
  scrapes = 0;

  constructor(opts: PrometheusServerOptions, reader: PullMetricReader = new PullMetricReader()) {
    this.opts = opts;
    this.reader = reader;
  }

  /** The collected text, as a scrape would get it. */
  async text(): Promise<string> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0)
      this.opts.log?.once('prometheus:collect-errors', 'warn', 'errors while collecting metrics', {
        error: String(errors[0]),
        count: errors.length,
      });
    return serialize(resourceMetrics);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== this.opts.path) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found; metrics are at ${this.opts.path}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    try {
      const body = await this.text();
      this.scrapes++;
      this.opts.onScrape?.();
      res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      this.opts.log?.once('prometheus:scrape-failed', 'error', 'scrape failed', { error: err as Error });
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('collection failed\n');
    }
  }

  /** Listen; resolves with the bound address (port 0 picks a free port). */
  async listen(): Promise<AddressInfo> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.opts.log?.error('prometheus endpoint error', { error: err }));
    this.server = server;
    return server.address() as AddressInfo;
  }

  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}
