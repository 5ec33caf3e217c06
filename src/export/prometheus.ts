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
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Attributes as OtelAttributes, AttributeValue } from '@opentelemetry/api';
import { DataPointType, MetricReader, type MetricData, type MetricProducer, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Instrument } from '../catalog/types.ts';
import type { Logger } from '../log.ts';
import { prometheusLabelName, prometheusMetricName, prometheusType } from './prometheus-names.ts';
import { parseRequestTarget } from './request-target.ts';

/** A pull reader: collects only when asked (a scrape). */
export class PullMetricReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

// ---------------------------------------------------------------------------------------------
// text format

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const LABEL_VALUE_SPECIAL = /[\\"\n]/;
const HELP_SPECIAL = /[\\\n]/;

/** Escape a label value: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  if (!LABEL_VALUE_SPECIAL.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escape HELP text: backslash and line feed. */
export function escapeHelp(v: string): string {
  if (!HELP_SPECIAL.test(v)) return v;
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

// Name translations are pure and few (one per catalog metric and attribute key): memoized, so a
// scrape does not run the same regular expressions thousands of times. Bounded by the catalog.
const MEMO_LIMIT = 4096;
const labelNames = new Map<string, string>();
const metricNames = new Map<string, string>();

function labelNameOf(key: string): string {
  let n = labelNames.get(key);
  if (n === undefined) {
    n = prometheusLabelName(key);
    if (labelNames.size < MEMO_LIMIT) labelNames.set(key, n);
  }
  return n;
}

function metricNameOf(name: string, unit: string, instrument: Instrument): string {
  const key = `${name}\u0000${unit}\u0000${instrument}`;
  let n = metricNames.get(key);
  if (n === undefined) {
    n = prometheusMetricName(name, unit, instrument);
    if (metricNames.size < MEMO_LIMIT) metricNames.set(key, n);
  }
  return n;
}

/** Labels as two parallel arrays (names, values), in first-seen order. */
interface LabelList {
  names: string[];
  values: string[];
}

function setLabel(l: LabelList, name: string, value: string, merge: boolean): void {
  const i = l.names.indexOf(name);
  if (i < 0) {
    l.names.push(name);
    l.values.push(value);
  } else l.values[i] = merge ? `${l.values[i]};${value}` : value;
}

function labelList(attrs: OtelAttributes): LabelList {
  const l: LabelList = { names: [], values: [] };
  for (const key of Object.keys(attrs).sort()) setLabel(l, labelNameOf(key), attrString(attrs[key]), true);
  return l;
}

/**
 * OTel attributes → Prometheus labels. Keys that sanitize to the same label name are merged with
 * their values joined by `;` in key order, as the Collector does.
 */
export function toLabels(attrs: OtelAttributes): Map<string, string> {
  const l = labelList(attrs);
  return new Map(l.names.map((n, i) => [n, l.values[i]!]));
}

function labelText(l: LabelList): string {
  if (l.names.length === 0) return '';
  let out = '{';
  for (let i = 0; i < l.names.length; i++) {
    if (i > 0) out += ',';
    out += `${l.names[i]}="${escapeLabelValue(l.values[i]!)}"`;
  }
  return out + '}';
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
  const resourceLabels = labelList(rm.resource.attributes);
  if (resourceLabels.names.length > 0) {
    lines.push('# HELP target_info Target metadata', '# TYPE target_info gauge', `target_info${labelText(resourceLabels)} 1`);
  }
  for (const sm of rm.scopeMetrics) {
    const scopeLabels: Array<[string, string]> = [['otel_scope_name', sm.scope.name]];
    if (sm.scope.version) scopeLabels.push(['otel_scope_version', sm.scope.version]);
    if (sm.scope.schemaUrl) scopeLabels.push(['otel_scope_schema_url', sm.scope.schemaUrl]);
    for (const m of sm.metrics) {
      const instrument = instrumentOf(m);
      if (instrument === undefined || m.dataPoints.length === 0) continue;
      const name = metricNameOf(m.descriptor.name, m.descriptor.unit, instrument);
      if (m.descriptor.description) lines.push(`# HELP ${name} ${escapeHelp(m.descriptor.description)}`);
      lines.push(`# TYPE ${name} ${prometheusType(instrument)}`);
      for (const dp of m.dataPoints) {
        const labels = labelList(dp.attributes);
        for (const [k, v] of scopeLabels) setLabel(labels, k, v, false);
        lines.push(`${name}${labelText(labels)} ${formatValue(dp.value as number)}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// server
//
// The endpoint may be bound to 0.0.0.0 and reached by anyone on the network (docs/security.md,
// "HTTP endpoint"). Nothing a client sends may stop it, starve it or grow it without bound:
// - one error boundary (`onRequest`): anything that throws becomes a 500, logged once;
// - the request target is read by hand (./request-target.ts), never with `new URL`;
// - request line and headers ≤ 8 KiB, ≤ 64 headers, no request body, ≤ 16 pipelined requests;
// - timeouts: headers 5 s, whole request 10 s, keep-alive idle 65 s, and a connection whose queued
//   answers move no byte for 30 s (a client that sends but never reads) is closed;
// - at most `maxConnections` connections; extra ones are closed on arrival, counted and logged
//   once per burst;
// - concurrent scrapes join the collection in flight, and one finished ≤ 250 ms ago is served
//   again, so a burst of N scrapes costs about one collection.

export const LIMITS = {
  maxHeaderBytes: 8192,
  maxHeaders: 64,
  maxPipelined: 16,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 65_000,
  stalledWriteMs: 30_000,
  checkEveryMs: 1_000,
  /** A refusal burst ends after this long without a refusal (then one summary line). */
  refusalQuietMs: 10_000,
  /** A rendering this recent is served again. */
  reuseMs: 250,
} as const;

export const DEFAULT_MAX_CONNECTIONS = 64;

export interface PrometheusServerOptions {
  host: string;
  port: number;
  path: string;
  /** Connection cap (config exporters.prometheus.maxConnections). */
  maxConnections?: number;
  log?: Logger;
  /** Told after every served scrape (the health recorder counts them). */
  onScrape?: () => void;
  /** Told for every connection closed on arrival because of the cap. */
  onRefused?: () => void;
  /** Reuse window of a finished rendering, ms (tests; default LIMITS.reuseMs). */
  reuseMs?: number;
  /** What the reader collects besides its MeterProvider's instruments (the agent's catalog). */
  producers?: MetricProducer[];
}

interface Rendering {
  /** Encoded once, sent as is to every scrape that shares it. */
  body: Buffer;
  atMs: number;
}

/** Per-connection bookkeeping: answers queued and write progress. */
interface ConnState {
  queued: number;
  bytesWritten: number;
  stalledSinceMs: number | undefined;
}

const TEXT = 'text/plain; charset=utf-8';

export class PrometheusServer {
  readonly reader: PullMetricReader;
  private server: http.Server | undefined;
  private readonly opts: PrometheusServerOptions;
  private readonly conns = new Map<Socket, ConnState>();
  private checker: NodeJS.Timeout | undefined;
  private inFlight: Promise<Rendering> | undefined;
  private last: Rendering | undefined;
  private burstRefused = 0;
  private burstTimer: NodeJS.Timeout | undefined;
  /** Scrapes served, for tests and self-metrics. */
  scrapes = 0;
  /** Collections made for HTTP scrapes (a burst shares them), for tests. */
  collections = 0;
  /** Connections refused at the cap since start, for tests. */
  refused = 0;

  constructor(opts: PrometheusServerOptions, reader: PullMetricReader = new PullMetricReader(opts.producers ? { metricProducers: opts.producers } : undefined)) {
    this.opts = opts;
    this.reader = reader;
  }

  /** The collected text, freshly collected (what a scrape would get). */
  async text(): Promise<string> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0)
      this.opts.log?.once('prometheus:collect-errors', 'warn', 'errors while collecting metrics', {
        error: String(errors[0]),
        count: errors.length,
      });
    return serialize(resourceMetrics);
  }

  /** The text for an HTTP scrape: joins the collection in flight, or reuses one that just finished. */
  private shared(): Promise<Rendering> {
    const reuse = this.opts.reuseMs ?? LIMITS.reuseMs;
    if (this.last !== undefined && performance.now() - this.last.atMs <= reuse) return Promise.resolve(this.last);
    if (this.inFlight !== undefined) return this.inFlight;
    this.collections++;
    const p = this.text().then(
      (body) => {
        this.last = { body: Buffer.from(body, 'utf8'), atMs: performance.now() };
        return this.last;
      },
    );
    this.inFlight = p;
    const clear = (): void => {
      if (this.inFlight === p) this.inFlight = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  /** The one error boundary: whatever happens while answering, the process stays up. */
  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const fail = (err: unknown): void => {
      this.opts.log?.once('prometheus:handler-failed', 'error', 'request handling failed', { error: err as Error });
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': TEXT, connection: 'close' }).end('internal error\n');
      } else res.destroy();
    };
    try {
      this.handle(req, res).catch(fail);
    } catch (err) {
      fail(err);
    }
  }

  private reject(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string, close: boolean, headers: Record<string, string> = {}): void {
    res.shouldKeepAlive = res.shouldKeepAlive && !close;
    const h: Record<string, string> = { 'content-type': TEXT, 'content-length': String(Buffer.byteLength(text)), ...headers };
    if (close) h.connection = 'close';
    res.writeHead(status, h).end(req.method === 'HEAD' ? undefined : text);
    if (close) res.once('finish', () => req.socket.end());
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const socket = req.socket;
    const conn = this.conns.get(socket);
    if (conn !== undefined) {
      conn.queued++;
      res.once('close', () => conn.queued--);
      if (conn.queued > LIMITS.maxPipelined) {
        this.opts.log?.once('prometheus:pipelining', 'warn', 'too many pipelined requests on one connection: closed', { limit: LIMITS.maxPipelined });
        socket.destroy();
        return;
      }
    }
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    if (req.rawHeaders.length / 2 > LIMITS.maxHeaders) {
      this.opts.log?.once('prometheus:headers', 'warn', 'request with too many headers refused', { limit: LIMITS.maxHeaders });
      return this.reject(req, res, 431, 'too many headers\n', true);
    }
    const target = parseRequestTarget(req.url ?? '');
    if (target.form === 'invalid') {
      this.opts.log?.once('prometheus:bad-target', 'warn', 'malformed request target refused', { reason: target.reason });
      return this.reject(req, res, 400, 'bad request target\n', true);
    }
    if (target.form === 'asterisk' || target.path !== this.opts.path) {
      return this.reject(req, res, 404, `not found; metrics are at ${this.opts.path}\n`, hasBody);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return this.reject(req, res, 405, 'method not allowed\n', hasBody, { allow: 'GET, HEAD' });
    }
    if (hasBody) {
      this.opts.log?.once('prometheus:body', 'warn', 'scrape with a request body refused');
      return this.reject(req, res, 413, 'no request body expected\n', true);
    }
    let rendering: Rendering;
    try {
      rendering = await this.shared();
    } catch (err) {
      this.opts.log?.once('prometheus:scrape-failed', 'error', 'scrape failed', { error: err as Error });
      return this.reject(req, res, 500, 'collection failed\n', false);
    }
    if (res.destroyed || socket.destroyed) return;
    this.scrapes++;
    this.opts.onScrape?.();
    res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': rendering.body.length });
    res.end(req.method === 'HEAD' ? undefined : rendering.body);
  }

  /** Errors the HTTP parser raises before there is a request (bad syntax, size, timeouts). */
  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    const code = err.code ?? '';
    if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    this.opts.log?.once(`prometheus:client-error:${code}`, 'warn', 'malformed request refused', { code });
    // A response already under way on this connection cannot be followed by another status line.
    if ((socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const status =
      code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  }

  private onConnection(socket: Socket): void {
    const st: ConnState = { queued: 0, bytesWritten: 0, stalledSinceMs: undefined };
    this.conns.set(socket, st);
    socket.once('close', () => this.conns.delete(socket));
  }

  /** Every second: close connections whose queued answers have not moved a byte for 30 s. */
  private checkStalled(): void {
    const now = performance.now();
    for (const [socket, st] of this.conns) {
      const pending = socket.writableLength > 0;
      if (!pending || socket.bytesWritten !== st.bytesWritten) {
        st.bytesWritten = socket.bytesWritten;
        st.stalledSinceMs = pending ? now : undefined;
        continue;
      }
      st.stalledSinceMs ??= now;
      if (now - st.stalledSinceMs >= LIMITS.stalledWriteMs) {
        this.opts.log?.once('prometheus:stalled', 'warn', 'connection not reading its answers for 30 s: closed');
        socket.destroy();
      }
    }
  }

  private onDrop(): void {
    this.refused++;
    this.burstRefused++;
    this.opts.onRefused?.();
    const cap = this.opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    if (this.burstTimer === undefined) {
      this.opts.log?.warn('Prometheus endpoint at its connection cap: refusing new connections', { maxConnections: cap });
      this.burstTimer = setTimeout(() => this.endBurst(cap), LIMITS.refusalQuietMs);
      this.burstTimer.unref();
    } else this.burstTimer.refresh();
  }

  private endBurst(cap: number): void {
    this.opts.log?.info('Prometheus endpoint accepting connections again', { refused: this.burstRefused, maxConnections: cap });
    this.burstRefused = 0;
    this.burstTimer = undefined;
  }

  /** Listen; resolves with the bound address (port 0 picks a free port). */
  async listen(): Promise<AddressInfo> {
    const server = http.createServer(
      {
        maxHeaderSize: LIMITS.maxHeaderBytes,
        headersTimeout: LIMITS.headersTimeoutMs,
        requestTimeout: LIMITS.requestTimeoutMs,
        keepAliveTimeout: LIMITS.keepAliveTimeoutMs,
        connectionsCheckingInterval: LIMITS.checkEveryMs,
        requireHostHeader: false,
      },
      (req, res) => this.onRequest(req, res),
    );
    // One more than allowed, so a request over the limit is seen (rawHeaders is cut there) and refused.
    server.maxHeadersCount = LIMITS.maxHeaders + 1;
    server.maxConnections = this.opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    server.on('connection', (s: Socket) => this.onConnection(s));
    server.on('drop', () => this.onDrop());
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.onClientError(err, socket));
    // CONNECT (authority-form) and Upgrade requests: never tunnelled or upgraded here.
    server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
      socket.on('error', () => socket.destroy());
      socket.end('HTTP/1.1 405 Method Not Allowed\r\nallow: GET, HEAD\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.opts.log?.error('prometheus endpoint error', { error: err }));
    this.checker = setInterval(() => this.checkStalled(), LIMITS.checkEveryMs);
    this.checker.unref();
    this.server = server;
    return server.address() as AddressInfo;
  }

  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    clearInterval(this.checker);
    this.checker = undefined;
    if (this.burstTimer !== undefined) {
      clearTimeout(this.burstTimer);
      this.burstTimer = undefined;
    }
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
      for (const socket of this.conns.keys()) socket.destroy();
    });
  }
}
