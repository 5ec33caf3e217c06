/**
 * Test helper (not a test): an OTLP/HTTP metrics receiver on loopback that decodes what it is sent,
 * http/protobuf with the OTLP schema in test/otlp-proto (protobufjs) and http/json with JSON.parse,
 * into one normalized shape so both encodings are checked by the same assertions.
 */
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

const PROTO_DIR = new URL('../otlp-proto/', import.meta.url).pathname;

export function loadOtlpSchema() {
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) => path.join(PROTO_DIR, target);
  root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
  root.resolveAll();
  return {
    request: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse'),
  };
}

export type AttrValue = string | number | boolean;
export interface NPoint {
  value: number;
  attributes: Record<string, AttrValue>;
  startTimeUnixNano: string;
  timeUnixNano: string;
}
export interface NMetric {
  name: string;
  unit: string;
  description: string;
  kind: 'gauge' | 'sum' | 'other';
  monotonic?: boolean;
  temporality?: 'cumulative' | 'delta' | 'unspecified';
  points: NPoint[];
}
export interface NRequest {
  contentType: string;
  headers: http.IncomingHttpHeaders;
  resource: Record<string, AttrValue>;
  scopes: Array<{ name: string; version: string; metrics: NMetric[] }>;
}

type Any = Record<string, unknown>;

function anyValue(v: Any | undefined): AttrValue {
  if (!v) return '';
  if ('stringValue' in v) return String(v.stringValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  return JSON.stringify(v);
}

function attrs(list: unknown): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of (list as Any[] | undefined) ?? []) out[String(kv.key)] = anyValue(kv.value as Any | undefined);
  return out;
}

function temporality(t: unknown): NMetric['temporality'] {
  if (t === 2 || t === 'AGGREGATION_TEMPORALITY_CUMULATIVE') return 'cumulative';
  if (t === 1 || t === 'AGGREGATION_TEMPORALITY_DELTA') return 'delta';
  return 'unspecified';
}

function points(list: unknown): NPoint[] {
  return ((list as Any[] | undefined) ?? []).map((p) => ({
    value: Number(p.asDouble ?? p.asInt),
    attributes: attrs(p.attributes),
    startTimeUnixNano: String(p.startTimeUnixNano ?? '0'),
    timeUnixNano: String(p.timeUnixNano ?? '0'),
  }));
}

/** OTLP/JSON body or protobufjs `toObject` output (same camelCase shape) → normalized request. */
export function normalize(body: Any, contentType: string, headers: http.IncomingHttpHeaders): NRequest {
  const rms = (body.resourceMetrics as Any[] | undefined) ?? [];
  const rm = rms[0] ?? {};
  const scopes = ((rm.scopeMetrics as Any[] | undefined) ?? []).map((sm) => {
    const scope = (sm.scope as Any | undefined) ?? {};
    return {
      name: String(scope.name ?? ''),
      version: String(scope.version ?? ''),
      metrics: ((sm.metrics as Any[] | undefined) ?? []).map((m): NMetric => {
        const base = { name: String(m.name), unit: String(m.unit ?? ''), description: String(m.description ?? '') };
        if (m.gauge) return { ...base, kind: 'gauge', points: points((m.gauge as Any).dataPoints) };
        if (m.sum) {
          const s = m.sum as Any;
          return {
            ...base,
            kind: 'sum',
            monotonic: Boolean(s.isMonotonic),
            temporality: temporality(s.aggregationTemporality),
            points: points(s.dataPoints),
          };
        }
        return { ...base, kind: 'other', points: [] };
      }),
    };
  });
  return { contentType, headers, resource: attrs((rm.resource as Any | undefined)?.attributes), scopes };
}

export interface Receiver {
  url: string;
  requests: NRequest[];
  /** Resolves with the first request that arrives after the call (or one already received). */
  next(): Promise<NRequest>;
  close(): Promise<void>;
}

/** A receiver on loopback; with `tls` it speaks https. */
export async function startReceiver(tls?: { key: string; cert: string }): Promise<Receiver> {
  const schema = loadOtlpSchema();
  const requests: NRequest[] = [];
  const waiters: Array<(r: NRequest) => void> = [];
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let buf = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') buf = gunzipSync(buf);
      const ct = String(req.headers['content-type'] ?? '');
      if (req.method !== 'POST' || req.url !== '/v1/metrics') {
        res.writeHead(404).end();
        return;
      }
      let body: Any;
      if (ct.startsWith('application/x-protobuf')) {
        const msg = schema.request.decode(buf);
        body = schema.request.toObject(msg, { longs: String, enums: String, bytes: String }) as Any;
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(schema.response.encode({}).finish());
      } else {
        body = JSON.parse(buf.toString('utf8')) as Any;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
      const n = normalize(body, ct, req.headers);
      requests.push(n);
      for (const w of waiters.splice(0)) w(n);
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    next: () => (requests.length > 0 ? Promise.resolve(requests[0]!) : new Promise((resolve) => waiters.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
