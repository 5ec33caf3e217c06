/**
 * The OTLP http/protobuf body we write (src/export/otlp-protobuf.ts) is byte for byte the SDK's own
 * serializer's (ProtobufMetricsSerializer of @opentelemetry/otlp-transformer):
 * - on real collections: each bundled replay capture through the catalog's producer and a real
 *   MeterProvider with the resource the agent builds for it, collected twice (the second from kept
 *   parts), and the body decoded with the official OTLP protos gives the capture's own numbers;
 * - on 3,000 random collections: attribute values of every kind (strings with any code point, lone
 *   surrogates included, integers past 2^32 and negative, doubles, booleans, byte arrays, arrays, nested
 *   objects, undefined), any time, empty and non-empty descriptions and units, every temporality,
 *   several scopes with or without versions, schema URLs and attributes, a resource schema URL;
 * - what it leaves to the SDK (a histogram, an integer-valued metric) gives undefined.
 */
import { ValueType, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, InstrumentType, MeterProvider, MetricReader, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import { basename } from 'node:path';
import t from 'tap';
import { replayFacts } from '../../src/commands/run.ts';
import { ConfigSchema } from '../../src/config.ts';
import { CatalogMetrics } from '../../src/export/catalog-producer.ts';
import { writeMetricsRequest } from '../../src/export/otlp-protobuf.ts';
import { buildResource } from '../../src/export/resource.ts';
import { CATALOG } from '../../src/registry.ts';
import { pipeline } from '../helpers/pipeline.ts';
import { M2_ULTRA, readCapture, replayFolders } from './capture.ts';
import { loadOtlpSchema } from './otlp-receiver.ts';

class Reader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const sdkBytes = (rm: ResourceMetrics) => Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!);

async function collections(dir: string, n: number): Promise<ResourceMetrics[]> {
  const p = pipeline();
  for (const [name, results] of Object.entries(readCapture(dir))) {
    const sink = p.sink(name, 3_600_000);
    for (const r of results ?? []) sink.result(r);
  }
  const { facts, platform } = replayFacts(dir);
  const resource = buildResource({ resource: ConfigSchema.parse({}).resource, facts, ...(platform ? { platform } : {}), replayDir: dir });
  const cm = new CatalogMetrics(CATALOG, () => (p.store.expire(), p.input), { version: '1.2.3' });
  const reader = new Reader({ metricProducers: [cm.producer()] });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const out: ResourceMetrics[] = [];
  for (let i = 0; i < n; i++) out.push((await reader.collect()).resourceMetrics);
  await provider.shutdown();
  return out;
}

for (const dir of replayFolders()) {
  t.test(`${basename(dir)}: the body is the SDK serializer's, byte for byte`, async (t) => {
    const rms = await collections(dir, 3);
    for (const [i, rm] of rms.entries()) {
      const ours = writeMetricsRequest(rm);
      t.ok(ours, 'written by us');
      t.ok(Buffer.from(ours!).equals(sdkBytes(rm)), `collection ${i + 1}: identical bytes (${ours!.length})`);
      t.ok(Buffer.from(writeMetricsRequest(rm)!).equals(Buffer.from(ours!)), `collection ${i + 1}: written again from kept parts, the same`);
    }
  });
}

t.test('decoded with the official OTLP protos: the capture\'s own numbers', async (t) => {
  const [rm] = await collections(M2_ULTRA, 1);
  const { request } = loadOtlpSchema();
  const msg = request.toObject(request.decode(writeMetricsRequest(rm!)!), { longs: String }) as {
    resourceMetrics: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeMetrics: Array<{ scope: { name: string }; schemaUrl: string; metrics: Array<{ name: string; unit: string; sum?: { isMonotonic: boolean; aggregationTemporality: number; dataPoints: Array<{ asDouble: number; attributes: Array<{ key: string; value: { stringValue?: string } }> }> } }> }> }>;
  };
  const rmsg = msg.resourceMetrics[0]!;
  t.equal(rmsg.resource.attributes.find((a) => a.key === 'host.cpu.model.name')?.value.stringValue, 'Apple M2 Ultra');
  const sm = rmsg.scopeMetrics[0]!;
  t.equal(sm.scope.name, 'silicon-agent');
  t.equal(sm.schemaUrl, 'https://opentelemetry.io/schemas/1.44.0');
  const energy = sm.metrics.find((m) => m.name === 'hw.energy')!;
  t.equal(energy.unit, 'J');
  t.equal(energy.sum?.isMonotonic, true);
  t.equal(energy.sum?.aggregationTemporality, 2, 'cumulative');
  // powermetrics.plist: <key>cpu_energy</key><integer>855</integer> (mJ), <key>gpu_energy</key><integer>72607</integer>
  const byId = new Map(energy.sum!.dataPoints.map((p) => [p.attributes.find((a) => a.key === 'hw.id')?.value.stringValue, p.asDouble]));
  t.equal(byId.get('cpu'), 0.855);
  t.equal(byId.get('gpu'), 72.607);
});

// ---------------------------------------------------------------------------------------------
// Random collections

const attrValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom('\ud800', 'a\udfffb', 'é', '日本'),
    fc.integer(),
    fc.constantFrom(0, -1, 2 ** 32, 2 ** 32 + 1, -(2 ** 40), 2 ** 53, -(2 ** 63), 2 ** 63, Number.MAX_SAFE_INTEGER),
    fc.double(),
    fc.boolean(),
    fc.uint8Array({ maxLength: 6 }),
    fc.constant(undefined),
  ),
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), fc.array(tie('leaf'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), tie('leaf'), { maxKeys: 3 })),
})).value;
const attrs = fc.option(fc.dictionary(fc.string({ maxLength: 10 }), attrValue, { maxKeys: 4 }), { nil: undefined }) as fc.Arbitrary<Attributes | undefined>;
const hr = fc.tuple(fc.oneof(fc.integer({ min: 0, max: 2 ** 31 }), fc.constantFrom(0, 1_700_000_000, 4_294_967_295, 2 ** 33)), fc.integer({ min: 0, max: 999_999_999 })) as fc.Arbitrary<[number, number]>;
const point = fc.record({ attributes: attrs, startTime: hr, endTime: hr, value: fc.oneof(fc.double(), fc.integer()) });
const metric = fc
  .record({
    name: fc.string({ maxLength: 20 }),
    description: fc.oneof(fc.constant(''), fc.string({ maxLength: 200 })),
    unit: fc.oneof(fc.constant(''), fc.constantFrom('By', '{cpu}', 'Cel', 's')),
    kind: fc.constantFrom('gauge', 'sum'),
    temporality: fc.constantFrom(AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA, 7 as AggregationTemporality),
    monotonic: fc.boolean(),
    points: fc.array(point, { maxLength: 6 }),
  })
  .map(
    (m): MetricData =>
      ({
        descriptor: { name: m.name, description: m.description, unit: m.unit, type: InstrumentType.OBSERVABLE_GAUGE, valueType: ValueType.DOUBLE, advice: {} },
        aggregationTemporality: m.temporality,
        dataPointType: m.kind === 'gauge' ? DataPointType.GAUGE : DataPointType.SUM,
        dataPoints: m.points,
        ...(m.kind === 'sum' ? { isMonotonic: m.monotonic } : {}),
      }) as MetricData,
  );
const scope = fc.record({
  scope: fc.record({
    name: fc.string({ maxLength: 12 }),
    version: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
    schemaUrl: fc.option(fc.constantFrom('', 'https://opentelemetry.io/schemas/1.44.0'), { nil: undefined }),
  }),
  metrics: fc.array(metric, { maxLength: 5 }),
});
const resourceMetrics = fc
  .record({
    attributes: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.double()), { maxKeys: 5 }),
    scopes: fc.array(scope, { maxLength: 3 }),
  })
  .map((r): ResourceMetrics => ({ resource: resourceFromAttributes(r.attributes), scopeMetrics: r.scopes }));

t.test('3,000 random collections: byte for byte the SDK serializer\'s', async (t) => {
  let n = 0;
  fc.assert(
    fc.property(resourceMetrics, (rm) => {
      const ours = writeMetricsRequest(rm);
      n++;
      return ours !== undefined && Buffer.from(ours).equals(sdkBytes(rm)) && Buffer.from(writeMetricsRequest(rm)!).equals(Buffer.from(ours));
    }),
    { numRuns: 3000, seed: 20261203 },
  );
  t.equal(n >= 3000, true, `${n} collections compared`);
});

t.test('a histogram or an integer-valued metric is left to the SDK (undefined)', async (t) => {
  const base = { descriptor: { name: 'x', description: '', unit: '', type: InstrumentType.HISTOGRAM, valueType: ValueType.DOUBLE, advice: {} }, aggregationTemporality: AggregationTemporality.CUMULATIVE };
  const histogram = { ...base, dataPointType: DataPointType.HISTOGRAM, dataPoints: [] } as unknown as MetricData;
  const int = { ...base, descriptor: { ...base.descriptor, valueType: ValueType.INT }, dataPointType: DataPointType.GAUGE, dataPoints: [] } as unknown as MetricData;
  const rm = (m: MetricData): ResourceMetrics => ({ resource: resourceFromAttributes({}), scopeMetrics: [{ scope: { name: 's' }, metrics: [m] }] });
  t.equal(writeMetricsRequest(rm(histogram)), undefined);
  t.equal(writeMetricsRequest(rm(int)), undefined);
});

t.test('a kept part is checked against the object it was kept for: a changed scope or descriptor is written anew', async (t) => {
  const descriptor = { name: 'm', description: 'd', unit: 'By', valueType: ValueType.DOUBLE };
  const scope = { name: 's', version: '1', schemaUrl: 'https://opentelemetry.io/schemas/1.44.0' };
  const rm: ResourceMetrics = {
    resource: resourceFromAttributes({ 'service.name': 'x' }),
    scopeMetrics: [{ scope, metrics: [{ descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: [{ attributes: { a: 'b' }, startTime: [1, 2], endTime: [3, 4], value: 5 }] } as MetricData] }],
  };
  t.ok(Buffer.from(writeMetricsRequest(rm)!).equals(sdkBytes(rm)), 'first');
  const mutable = scope as { version: string; schemaUrl: string };
  mutable.version = '2';
  mutable.schemaUrl = '';
  (descriptor as { description: string }).description = 'another description';
  (descriptor as { unit: string }).unit = '';
  t.ok(Buffer.from(writeMetricsRequest(rm)!).equals(sdkBytes(rm)), 'after the scope and descriptor changed');
});
