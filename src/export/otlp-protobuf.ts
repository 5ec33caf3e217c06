/**
 * The http/protobuf body of an OTLP metrics export (ExportMetricsServiceRequest), written by us.
 *
 * Byte for byte what the SDK's own serializer (`ProtobufMetricsSerializer` of
 * @opentelemetry/otlp-transformer) writes for the same collection — the same fields in the same order
 * (test/export/otlp-protobuf.test.ts holds it to that on real collections and random ones) — at a
 * fraction of the cost. The SDK's serializer runs twice over every export (once to estimate the size,
 * once to write) and encodes every string each time. Here:
 * - what repeats at every export is encoded once and kept: each series' attributes (keyed by the
 *   attributes object, which the SDK keeps for the life of the series), each metric's name,
 *   description and unit, the resource and the scope;
 * - sizes are added up from those bytes and fixed widths, then the body is written once into a buffer
 *   of exactly that size.
 * Anything it does not write itself (a histogram or an integer-valued metric: the catalog has neither)
 * goes to the SDK's serializer whole, so a body is always one or the other, never a mix.
 *
 * Field numbers and wire types are those of the official protos (test/otlp-proto): ResourceMetrics,
 * ScopeMetrics, Metric, Gauge, Sum, NumberDataPoint, KeyValue, AnyValue.
 */
import { ValueType, type Attributes, type AttributeValue, type HrTime } from '@opentelemetry/api';
import type { OTLPMetricExporterOptions } from '@opentelemetry/exporter-metrics-otlp-http';
import type { IExportMetricsServiceResponse, ISerializer } from '@opentelemetry/otlp-transformer';
import { AggregationTemporality, DataPointType, type MetricData, type PushMetricExporter, type ResourceMetrics, type ScopeMetrics } from '@opentelemetry/sdk-metrics';

type Scope = ScopeMetrics['scope'];
type Resource = ResourceMetrics['resource'];

// ---------------------------------------------------------------------------------------------
// Encoding the parts that are kept (rarely: once per series, metric, resource and scope)

/** A growable byte list for the kept parts. */
class Bytes {
  private a: number[] = [];
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  /** A varint of a non-negative integer below 2^32, or of any int64 value (negative: ten bytes). */
  varint(v: number): void {
    if (v >= 0 && v <= 0xffffffff) {
      let x = v >>> 0;
      while (x > 127) {
        this.a.push((x & 127) | 128);
        x >>>= 7;
      }
      this.a.push(x);
      return;
    }
    let [low, high] = int64Words(v);
    while (high > 0 || low > 127) {
      this.a.push((low & 127) | 128);
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.a.push(low & 127);
  }
  raw(b: ArrayLike<number>): void {
    for (let i = 0; i < b.length; i++) this.a.push(b[i]!);
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8'); // a lone surrogate becomes U+FFFD, as TextEncoder writes it
    this.varint(b.length);
    this.raw(b);
  }
  double(v: number): void {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleLE(v, 0);
    this.raw(b);
  }
  /** `field` as a length-delimited message whose body `write` produces. */
  message(field: number, write: (b: Bytes) => void): void {
    const inner = new Bytes();
    write(inner);
    this.tag(field, 2);
    this.varint(inner.a.length);
    this.raw(inner.a);
  }
  get length(): number {
    return this.a.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.a);
  }
}

/** Two's-complement low and high 32-bit words of an integer-valued number (|v| < 2^64). */
function int64Words(v: number): [number, number] {
  const abs = Math.abs(v);
  let low = abs >>> 0;
  let high = Math.floor(abs / 4294967296) >>> 0;
  if (v < 0) {
    low = ~low >>> 0;
    high = ~high >>> 0;
    low = (low + 1) >>> 0;
    if (low === 0) high = (high + 1) >>> 0;
  }
  return [low, high];
}

/** AnyValue's body for an attribute value (what the SDK writes; anything else: an empty AnyValue). */
function anyValue(b: Bytes, v: unknown): void {
  if (typeof v === 'string') {
    b.tag(1, 2);
    b.string(v);
  } else if (typeof v === 'boolean') {
    b.tag(2, 0);
    b.varint(v ? 1 : 0);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63) {
      b.tag(3, 0);
      b.varint(v);
    } else {
      b.tag(4, 1);
      b.double(v);
    }
  } else if (v instanceof Uint8Array) {
    b.tag(7, 2);
    b.varint(v.length);
    b.raw(v);
  } else if (Array.isArray(v)) {
    b.message(5, (arr) => {
      for (const item of v) arr.message(1, (x) => anyValue(x, item));
    });
  } else if (typeof v === 'object' && v !== null) {
    const obj = v as Record<string, unknown>;
    b.message(6, (list) => {
      for (const k in obj) if (Object.prototype.hasOwnProperty.call(obj, k)) list.message(1, (kv) => keyValue(kv, k, obj[k]));
    });
  }
}

function keyValue(b: Bytes, key: string, value: unknown): void {
  b.tag(1, 2);
  b.string(key);
  b.message(2, (x) => anyValue(x, value));
}

/** Repeated KeyValue at `field`, in the attributes' own key order. */
function attributes(b: Bytes, attrs: Attributes | undefined, field: number): void {
  if (!attrs) return;
  for (const k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) b.message(field, (kv) => keyValue(kv, k, attrs[k] as AttributeValue | undefined));
}

// ---------------------------------------------------------------------------------------------
// Kept parts

const EMPTY = new Uint8Array(0);
/** NumberDataPoint.attributes (field 7) of each series, by the attributes object the SDK keeps. */
const pointAttributes = new WeakMap<object, Uint8Array>();

function attributeBytes(attrs: Attributes | undefined): Uint8Array {
  if (!attrs) return EMPTY;
  let bytes = pointAttributes.get(attrs);
  if (bytes === undefined) {
    const b = new Bytes();
    attributes(b, attrs, 7);
    bytes = b.done();
    pointAttributes.set(attrs, bytes);
  }
  return bytes;
}

interface Header {
  name: string;
  description: string;
  unit: string;
  bytes: Uint8Array;
}
/** Metric fields 1–3 (name, description, unit), by descriptor object; checked against its strings. */
const headers = new WeakMap<object, Header>();

function headerBytes(d: MetricData['descriptor']): Uint8Array {
  const h = headers.get(d);
  if (h !== undefined && h.name === d.name && h.description === d.description && h.unit === d.unit) return h.bytes;
  const b = new Bytes();
  b.tag(1, 2);
  b.string(d.name);
  if (d.description) {
    b.tag(2, 2);
    b.string(d.description);
  }
  if (d.unit) {
    b.tag(3, 2);
    b.string(d.unit);
  }
  const bytes = b.done();
  headers.set(d, { name: d.name, description: d.description, unit: d.unit, bytes });
  return bytes;
}

interface Framing {
  /** The checked fields, all read once at encoding. */
  of: unknown[];
  head: Uint8Array;
  tail: Uint8Array;
}
const framings = new WeakMap<object, Framing>();

function sameFields(a: unknown[], b: unknown[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** ResourceMetrics field 1 (the resource) and field 3 (its schema URL), by resource object. */
function resourceFraming(r: Resource): Framing {
  const schemaUrl = (r as { schemaUrl?: string }).schemaUrl;
  const of = [r.attributes, schemaUrl];
  const f = framings.get(r);
  if (f !== undefined && sameFields(f.of, of)) return f;
  const head = new Bytes();
  head.message(1, (b) => {
    attributes(b, r.attributes, 1);
    b.tag(2, 0);
    b.varint(0);
  });
  const tail = new Bytes();
  if (schemaUrl) {
    tail.tag(3, 2);
    tail.string(schemaUrl);
  }
  const made = { of, head: head.done(), tail: tail.done() };
  framings.set(r, made);
  return made;
}

/** ScopeMetrics field 1 (the scope) and field 3 (its schema URL), by scope object. */
function scopeFraming(s: Scope): Framing {
  const x = s as Scope & { attributes?: Attributes; droppedAttributesCount?: number };
  const of = [s.name, s.version, s.schemaUrl, x.attributes, x.droppedAttributesCount];
  const f = framings.get(s);
  if (f !== undefined && sameFields(f.of, of)) return f;
  const head = new Bytes();
  head.message(1, (b) => {
    b.tag(1, 2);
    b.string(s.name);
    if (s.version) {
      b.tag(2, 2);
      b.string(s.version);
    }
    attributes(b, x.attributes, 3);
    if (x.droppedAttributesCount) {
      b.tag(4, 0);
      b.varint(x.droppedAttributesCount);
    }
  });
  const tail = new Bytes();
  if (s.schemaUrl) {
    tail.tag(3, 2);
    tail.string(s.schemaUrl);
  }
  const made = { of, head: head.done(), tail: tail.done() };
  framings.set(s, made);
  return made;
}

// ---------------------------------------------------------------------------------------------
// Writing an export

function varintSize(v: number): number {
  return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : v < 268435456 ? 4 : 5;
}

/** The fixed part of a NumberDataPoint: start and end time (tag + fixed64 each), value (tag + double). */
const POINT_FIXED = 27;

/** Sum field 2: what the SDK writes for each temporality (unspecified: nothing). */
function temporalityCode(t: AggregationTemporality): number {
  return t === AggregationTemporality.DELTA ? 1 : t === AggregationTemporality.CUMULATIVE ? 2 : 0;
}

/** True when every metric is one this writer handles: a gauge or a sum of doubles. */
function handled(rm: ResourceMetrics): boolean {
  for (const s of rm.scopeMetrics)
    for (const m of s.metrics) {
      if (m.dataPointType !== DataPointType.GAUGE && m.dataPointType !== DataPointType.SUM) return false;
      if (m.descriptor.valueType === ValueType.INT) return false;
    }
  return true;
}

class Writer {
  readonly buf: Uint8Array;
  private readonly view: DataView;
  pos = 0;
  // The last time written, and its eight bytes' two words: most points of an export share it.
  private lastS = -1;
  private lastN = -1;
  private lastLow = 0;
  private lastHigh = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
  byte(v: number): void {
    this.buf[this.pos++] = v;
  }
  varint(v: number): void {
    let x = v >>> 0;
    while (x > 127) {
      this.buf[this.pos++] = (x & 127) | 128;
      x >>>= 7;
    }
    this.buf[this.pos++] = x;
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  double(v: number): void {
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  /** HrTime [seconds, nanoseconds] as fixed64 nanoseconds, exact beyond 2^53. */
  time(t: HrTime): void {
    const s = t[0];
    const n = t[1];
    if (s !== this.lastS || n !== this.lastN) {
      // s·1e9 + n = hi·2^32 + lo, from s = sHi·2^16 + sLo, each product below 2^53.
      const a = (s % 65536) * 1e9 + n;
      const b = Math.floor(s / 65536) * 1e9;
      const low = (b % 65536) * 65536 + (a % 4294967296);
      this.lastHigh = (Math.floor(b / 65536) + Math.floor(a / 4294967296) + Math.floor(low / 4294967296)) >>> 0;
      this.lastLow = low >>> 0;
      this.lastS = s;
      this.lastN = n;
    }
    this.view.setUint32(this.pos, this.lastLow, true);
    this.view.setUint32(this.pos + 4, this.lastHigh, true);
    this.pos += 8;
  }
}

/** Per-export scratch, reused: each metric's inner and whole size, each point's attribute bytes. */
const innerSizes: number[] = [];
const metricSizes: number[] = [];
const pointAttrs: Uint8Array[] = [];

/**
 * The ExportMetricsServiceRequest body for one collection, or undefined when `rm` holds a metric this
 * writer leaves to the SDK (the caller then uses the SDK's serializer).
 */
export function writeMetricsRequest(rm: ResourceMetrics): Uint8Array | undefined {
  if (!handled(rm)) return undefined;
  const res = resourceFraming(rm.resource);
  // Sizes, in the order of writing.
  let mi = 0;
  let pi = 0;
  let rmBody = res.head.length + res.tail.length;
  const scopes: Framing[] = [];
  const scopeBodies: number[] = [];
  for (const s of rm.scopeMetrics) {
    const sf = scopeFraming(s.scope);
    let sBody = sf.head.length + sf.tail.length;
    for (const m of s.metrics) {
      let inner = 0;
      for (const p of m.dataPoints) {
        const a = attributeBytes(p.attributes);
        pointAttrs[pi++] = a;
        const body = POINT_FIXED + a.length;
        inner += 1 + varintSize(body) + body;
      }
      if (m.dataPointType === DataPointType.SUM) {
        if (temporalityCode(m.aggregationTemporality) !== 0) inner += 2;
        if (m.isMonotonic) inner += 2;
      }
      const whole = headerBytes(m.descriptor).length + 1 + varintSize(inner) + inner;
      innerSizes[mi] = inner;
      metricSizes[mi++] = whole;
      sBody += 1 + varintSize(whole) + whole;
    }
    scopes.push(sf);
    scopeBodies.push(sBody);
    rmBody += 1 + varintSize(sBody) + sBody;
  }
  const w = new Writer(1 + varintSize(rmBody) + rmBody);
  w.byte(0x0a); // ExportMetricsServiceRequest.resource_metrics (1, length-delimited)
  w.varint(rmBody);
  w.bytes(res.head);
  mi = 0;
  pi = 0;
  for (let si = 0; si < rm.scopeMetrics.length; si++) {
    const s = rm.scopeMetrics[si]!;
    w.byte(0x12); // ResourceMetrics.scope_metrics (2)
    w.varint(scopeBodies[si]!);
    w.bytes(scopes[si]!.head);
    for (const m of s.metrics) {
      const sum = m.dataPointType === DataPointType.SUM;
      w.byte(0x12); // ScopeMetrics.metrics (2)
      w.varint(metricSizes[mi]!);
      w.bytes(headerBytes(m.descriptor));
      w.byte(sum ? 0x3a : 0x2a); // Metric.sum (7) or Metric.gauge (5)
      w.varint(innerSizes[mi++]!);
      for (const p of m.dataPoints) {
        const a = pointAttrs[pi++]!;
        w.byte(0x0a); // data_points (1)
        w.varint(POINT_FIXED + a.length);
        w.byte(0x11); // start_time_unix_nano (2, fixed64)
        w.time(p.startTime);
        w.byte(0x19); // time_unix_nano (3, fixed64)
        w.time(p.endTime);
        w.byte(0x21); // as_double (4, fixed64)
        w.double(p.value as number);
        w.bytes(a);
      }
      if (sum) {
        const t = temporalityCode(m.aggregationTemporality);
        if (t !== 0) {
          w.byte(0x10); // Sum.aggregation_temporality (2, varint)
          w.byte(t);
        }
        if (m.isMonotonic) {
          w.byte(0x18); // Sum.is_monotonic (3, varint)
          w.byte(1);
        }
      }
    }
    w.bytes(scopes[si]!.tail);
  }
  w.bytes(res.tail);
  pointAttrs.length = Math.min(pointAttrs.length, 4096); // scratch stays bounded; entries are overwritten
  if (w.pos !== w.buf.length) throw new Error(`OTLP body size mismatch: wrote ${w.pos} of ${w.buf.length} bytes`);
  return w.buf;
}

/**
 * The http/protobuf exporter: the official OTLP/HTTP metric exporter (its transport, retries, headers,
 * timeouts and TLS settings, as @opentelemetry/exporter-metrics-otlp-proto assembles it) with this body
 * writer. What the writer leaves goes to the SDK's serializer; so does a collection the writer throws on
 * (a bug of ours: `onWriterError` is told, and the agent logs it once).
 */
export async function createProtobufExporter(options: OTLPMetricExporterOptions, onWriterError?: (err: unknown) => void): Promise<PushMetricExporter> {
  const [{ OTLPMetricExporterBase }, { convertLegacyHttpOptions, createOtlpHttpExportDelegate }, { MetricsExporterMetricsHelper, ProtobufMetricsSerializer }] = await Promise.all([
    import('@opentelemetry/exporter-metrics-otlp-http'),
    import('@opentelemetry/otlp-exporter-base/node-http'),
    import('@opentelemetry/otlp-transformer'),
  ]);
  const serializer: ISerializer<ResourceMetrics, IExportMetricsServiceResponse> = {
    serializeRequest(rm) {
      try {
        return writeMetricsRequest(rm) ?? ProtobufMetricsSerializer.serializeRequest(rm);
      } catch (err) {
        onWriterError?.(err);
        return ProtobufMetricsSerializer.serializeRequest(rm);
      }
    },
    deserializeResponse: (data) => ProtobufMetricsSerializer.deserializeResponse(data),
  };
  const http = convertLegacyHttpOptions(options, 'METRICS', 'v1/metrics', { 'Content-Type': 'application/x-protobuf' });
  // 'otlp_http_metric_exporter': the exporter's otel.component.type (its own metrics, not enabled here).
  return new OTLPMetricExporterBase(createOtlpHttpExportDelegate(http, serializer, 'otlp_http_metric_exporter', MetricsExporterMetricsHelper, undefined), options);
}
