/**
 * Test helper (not a test): an OTLP/HTTP metrics receiver on loopback that decodes what it is sent,
 * http/protobuf with the OTLP schema in test/otlp-proto (protobufjs), and http/json with JSON.parse
 * checked field by field against the same schema (`jsonSchemaErrors`), into one normalized shape so
 * both encodings are checked by the same assertions.
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
  /** OTLP/JSON only: every field the schema does not define, or whose JSON type does not fit it. */
  schemaErrors: string[];
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
  return { contentType, schemaErrors: [], headers, resource: attrs((rm.resource as Any | undefined)?.attributes), scopes };
}

export interface Receiver {
  url: string;
  requests: NRequest[];
  /** Resolves with the first request that arrives after the call (or one already received). */
  next(): Promise<NRequest>;
  close(): Promise<void>;
}

/** A receiver on loopback; with `tls` it speaks https. */
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const NUMERIC = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

/**
 * OTLP/JSON against the proto schema: each key must be a field of the message (lowerCamelCase, as the
 * OTLP/JSON mapping names them), each value of the JSON type its proto type maps to (64-bit integers
 * as decimal strings, enums as integers, bytes as strings), recursively. Returns what does not fit.
 */
export function jsonSchemaErrors(type: protobuf.Type, value: unknown, at = type.name): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${at}: not an object`];
  const errors: string[] = [];
  for (const [key, v] of Object.entries(value as Any)) {
    const field = type.fields[key];
    if (!field) {
      errors.push(`${at}.${key}: no such field in ${type.fullName}`);
      continue;
    }
    field.resolve();
    const items = field.repeated ? (Array.isArray(v) ? v : null) : [v];
    if (items === null) {
      errors.push(`${at}.${key}: repeated field is not an array`);
      continue;
    }
    items.forEach((item, i) => {
      const where = field.repeated ? `${at}.${key}[${i}]` : `${at}.${key}`;
      if (field.resolvedType instanceof protobuf.Type) errors.push(...jsonSchemaErrors(field.resolvedType, item, where));
      else if (field.resolvedType instanceof protobuf.Enum) {
        if (!Number.isInteger(item) || !Object.values(field.resolvedType.values).includes(item as number)) errors.push(`${where}: not a ${field.type} value`);
      } else if (INT64.has(field.type)) {
        if (!(typeof item === 'string' && /^-?\d+$/.test(item)) && !Number.isSafeInteger(item)) errors.push(`${where}: not a ${field.type}`);
      } else if (NUMERIC.has(field.type)) {
        if (typeof item !== 'number') errors.push(`${where}: not a number`);
      } else if (field.type === 'bool') {
        if (typeof item !== 'boolean') errors.push(`${where}: not a bool`);
      } else if (typeof item !== 'string') errors.push(`${where}: not a ${field.type}`);
    });
  }
  return errors;
}

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
      let schemaErrors: string[] = [];
      if (ct.startsWith('application/x-protobuf')) {
        const msg = schema.request.decode(buf);
        body = schema.request.toObject(msg, { longs: String, enums: String, bytes: String }) as Any;
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(schema.response.encode({}).finish());
      } else {
        body = JSON.parse(buf.toString('utf8')) as Any;
        schemaErrors = jsonSchemaErrors(schema.request, body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
      const n = { ...normalize(body, ct, req.headers), schemaErrors };
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
