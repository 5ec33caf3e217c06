/**
 * The catalog's MetricProducer (src/export/catalog-producer.ts).
 *
 * 1. On every bundled replay capture, a collection gives exactly what the OTel SDK's own observable
 *    instruments give for the same catalog and store — the way the agent exported the catalog before:
 *    the same metrics in the same order, descriptors, types, temporality, monotonicity, and the same
 *    points (attributes and values) in the same order; and exactly what `pointsOf` lists.
 * 2. The SDK's per-series rules, on a small catalog with a clock: start times, a counter's reset, a
 *    negative counter, -0, a repeat within one collection, non-finite values, a throwing observer, a
 *    series gone and back, the bound on remembered series, attributes kept as first observed.
 */
import type { BatchObservableResult, Observable } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import t from 'tap';
import { pointsOf, type CollectionInput } from '../../src/catalog/collect.ts';
import type { Attributes, CatalogEntry, Emit } from '../../src/catalog/types.ts';
import { CatalogMetrics, MAX_SERIES_PER_METRIC, SCHEMA_URL, SCOPE_NAME, seriesKey } from '../../src/export/catalog-producer.ts';
import { Health } from '../../src/health.ts';
import { memoryLogger } from '../../src/log.ts';
import { CATALOG } from '../../src/registry.ts';
import { pipeline } from '../helpers/pipeline.ts';
import { readCapture, replayFolders } from './capture.ts';
import { basename } from 'node:path';

class Reader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The reference: the catalog as the SDK's observable instruments, all read in one batch callback. */
function sdkCollector(catalog: readonly CatalogEntry[], begin: () => CollectionInput) {
  const reader = new Reader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter(SCOPE_NAME, undefined, { schemaUrl: SCHEMA_URL });
  const observables: Observable[] = catalog.map((m) => {
    const o = { unit: m.unit, description: m.description };
    return m.instrument === 'gauge' ? meter.createObservableGauge(m.name, o) : m.instrument === 'counter' ? meter.createObservableCounter(m.name, o) : meter.createObservableUpDownCounter(m.name, o);
  });
  meter.addBatchObservableCallback((r: BatchObservableResult) => {
    const input = begin();
    catalog.forEach((m, i) => {
      const emit: Emit = (value, attributes) => {
        if (Number.isFinite(value)) r.observe(observables[i]!, value, attributes);
      };
      if (m.instrument === 'gauge' || m.instrument === 'counter' || m.instrument === 'updowncounter') pointsOf(m, input).forEach((p) => emit(p.value, p.attributes));
    });
  }, observables);
  return {
    async collect(): Promise<MetricData[]> {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    },
    shutdown: () => provider.shutdown(),
  };
}

/** What a metric is, without times: for comparing the two paths. */
function shape(m: MetricData) {
  return {
    name: m.descriptor.name,
    description: m.descriptor.description,
    unit: m.descriptor.unit,
    valueType: m.descriptor.valueType,
    dataPointType: m.dataPointType,
    temporality: m.aggregationTemporality,
    monotonic: 'isMonotonic' in m ? m.isMonotonic : undefined,
    points: m.dataPoints.map((p) => [p.attributes, p.value]),
  };
}

for (const dir of replayFolders()) {
  t.test(`${basename(dir)}: a collection gives what the SDK's observable instruments give`, async (t) => {
    const p = pipeline();
    const capture = readCapture(dir);
    for (const [name, results] of Object.entries(capture)) {
      const sink = p.sink(name, 3_600_000);
      for (const r of results ?? []) sink.result(r);
    }
    const begin = () => (p.store.expire(), p.input);
    const ours = new CatalogMetrics(CATALOG, begin);
    const sdk = sdkCollector(CATALOG, begin);
    try {
      for (const round of [1, 2]) {
        const want = (await sdk.collect()).map(shape);
        const got = ours.collect();
        t.same(got.scope, { name: SCOPE_NAME, version: undefined, schemaUrl: SCHEMA_URL }, 'the scope');
        t.same(got.metrics.map(shape), want, `collection ${round}: metrics, descriptors and points identical`);
        // And what the catalog lists now, entry by entry (pointsOf, the docs' and tests' view).
        const listed = CATALOG.map((m) => [m.name, pointsOf(m, p.input).filter((x) => Number.isFinite(x.value)).length] as const).filter(([, n]) => n > 0);
        t.same(
          got.metrics.map((m) => [m.descriptor.name, m.dataPoints.length]),
          listed,
          `collection ${round}: one point per listed series`,
        );
      }
      t.ok(ours.collect().metrics.length > 20, 'a real capture gives many metrics');
    } finally {
      await sdk.shutdown();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Per-series rules on a small catalog

type Obs = Array<[number, Attributes]>;
function small() {
  const feed: Record<string, Obs | 'throw'> = {};
  const entry = (name: string, instrument: CatalogEntry['instrument']): CatalogEntry =>
    ({
      name,
      instrument,
      unit: '1',
      description: `${name} (test)`,
      source: 'test',
      observe: () => undefined,
      observeHealth: (_h: unknown, emit: Emit) => {
        const f = feed[name];
        if (f === 'throw') {
          emit(1, { a: 'before the throw' });
          throw new Error('observer broke');
        }
        for (const [v, a] of f ?? []) emit(v, a);
      },
      health: true,
    }) as unknown as CatalogEntry;
  const catalog = [entry('g', 'gauge'), entry('c', 'counter'), entry('u', 'updowncounter')];
  let nowMs = 1_700_000_000_123;
  const log = memoryLogger('warn');
  const input = { latest: () => undefined, health: new Health(), totals: { each() {} } } as unknown as CollectionInput;
  const cm = new CatalogMetrics(catalog, () => input, { log, now: () => nowMs });
  const collect = (advanceMs = 1000) => {
    nowMs += advanceMs;
    return new Map(cm.collect().metrics.map((m) => [m.descriptor.name, m]));
  };
  return { feed, collect, log, at: () => [Math.floor(nowMs / 1000), (nowMs % 1000) * 1e6] };
}

t.test('every entry kind is one of the health metrics here (the test catalog reads observeHealth)', async (t) => {
  // The small catalog goes through observeEntry's health branch; check that assumption holds.
  const { feed, collect } = small();
  feed.g = [[5, { k: 'x' }]];
  t.same(collect().get('g')?.dataPoints.map((p) => p.value), [5]);
});

t.test('start time: first observation; a counter that goes down starts again; end time: the collection', async (t) => {
  const { feed, collect, at } = small();
  feed.g = [[1, { k: 'x' }]];
  feed.c = [[10, { k: 'x' }]];
  feed.u = [[3, { k: 'x' }]];
  let m = collect();
  const t1 = at();
  for (const n of ['g', 'c', 'u']) {
    t.same(m.get(n)!.dataPoints[0]!.startTime, t1, `${n}: starts at its first collection`);
    t.same(m.get(n)!.dataPoints[0]!.endTime, t1, `${n}: ends at the collection`);
  }
  t.equal(m.get('c')!.dataPointType, 3, 'counter: a Sum');
  t.equal((m.get('c') as { isMonotonic?: boolean }).isMonotonic, true);
  t.equal((m.get('u') as { isMonotonic?: boolean }).isMonotonic, false);
  feed.g = [[0, { k: 'x' }]];
  feed.c = [[25, { k: 'x' }]];
  feed.u = [[-4, { k: 'x' }]];
  m = collect();
  const t2 = at();
  t.same(m.get('g')!.dataPoints[0]!.startTime, t1, 'gauge keeps its start');
  t.same(m.get('c')!.dataPoints[0]!.startTime, t1, 'a growing counter keeps its start');
  t.same(m.get('u')!.dataPoints[0]!.startTime, t1, 'an up-down counter going down keeps its start');
  t.same(m.get('u')!.dataPoints[0]!.value, -4);
  t.same(m.get('c')!.dataPoints[0]!.endTime, t2);
  feed.c = [[7, { k: 'x' }]];
  m = collect();
  const t3 = at();
  t.same(m.get('c')!.dataPoints[0]!.startTime, t3, 'a counter that went down (25 → 7) starts again at that collection');
  t.equal(m.get('c')!.dataPoints[0]!.value, 7);
  feed.c = [[-2, { k: 'x' }]];
  m = collect();
  t.equal(m.get('c')!.dataPoints[0]!.value, 0, 'a negative counter value reads 0');
  t.same(m.get('c')!.dataPoints[0]!.startTime, at(), '7 → 0 is a reset too');
});

t.test('a repeat in one collection: the last value, at the first place; non-finite values never exported', async (t) => {
  const { feed, collect } = small();
  feed.g = [
    [1, { k: 'a' }],
    [2, { k: 'b' }],
    [3, { k: 'a' }],
    [Number.NaN, { k: 'c' }],
    [Number.POSITIVE_INFINITY, { k: 'b' }],
  ];
  const g = collect().get('g')!;
  t.same(
    g.dataPoints.map((p) => [p.attributes, p.value]),
    [
      [{ k: 'a' }, 3],
      [{ k: 'b' }, 2],
    ],
  );
});

t.test('attribute sets are told apart by type; the attributes exported are a copy of the first observation', async (t) => {
  t.not(seriesKey({ n: 1 }), seriesKey({ n: '1' }), 'number 1 and string "1"');
  t.not(seriesKey({ n: true } as unknown as Attributes), seriesKey({ n: 'true' }), 'true and "true"');
  t.equal(seriesKey({ a: 'x', b: 'y' }), seriesKey({ b: 'y', a: 'x' }), 'key order does not matter');
  t.not(seriesKey({ a: 'x\u0000' }), seriesKey({ a: 'x' }));
  const { feed, collect } = small();
  const attrs: Attributes = { k: 'x' };
  feed.g = [[1, attrs]];
  const first = collect().get('g')!.dataPoints[0]!.attributes;
  t.not(first, attrs, 'a copy');
  attrs.k = 'changed after it was emitted';
  feed.g = [[2, { k: 'x' }]];
  const second = collect().get('g')!.dataPoints[0]!;
  t.equal(second.attributes, first, 'the same attributes object for the life of the series');
  t.same(second.attributes, { k: 'x' });
});

t.test('an observer that throws: its entry skipped for that collection, logged once; the others exported', async (t) => {
  const { feed, collect, log } = small();
  feed.g = 'throw';
  feed.c = [[4, { k: 'x' }]];
  let m = collect();
  t.notOk(m.has('g'), 'nothing of the entry, not even what it emitted before throwing');
  t.equal(m.get('c')!.dataPoints[0]!.value, 4);
  collect();
  t.equal(log.lines.filter((l) => l.msg === 'metric observer failed; metric skipped').length, 1, 'logged once');
  feed.g = [[9, { k: 'x' }]];
  m = collect();
  t.equal(m.get('g')!.dataPoints[0]!.value, 9, 'back at the next collection');
});

t.test('a series not observed is not exported; back after any absence, it keeps its start', async (t) => {
  const { feed, collect, at } = small();
  feed.c = [
    [5, { k: 'stays' }],
    [6, { k: 'goes' }],
  ];
  collect();
  const t1 = at();
  feed.c = [[5, { k: 'stays' }]];
  let c = collect().get('c')!;
  t.same(
    c.dataPoints.map((p) => p.attributes.k),
    ['stays'],
    'only what this collection observed',
  );
  feed.c = [];
  collect(2 * 3600_000); // nothing observed for two hours (a Mac asleep, a stale source)
  feed.c = [
    [5, { k: 'stays' }],
    [8, { k: 'goes' }],
  ];
  c = collect().get('c')!;
  t.same(c.dataPoints[0]!.startTime, t1, 'the series observed all along keeps its start');
  t.same(c.dataPoints[1]!.startTime, t1, 'the series back after an absence keeps its start (its value grew: 6 → 8)');
});

t.test('a counter observed twice in one collection: the reset rule judges the last value against the previous collection', async (t) => {
  const { feed, collect, at } = small();
  feed.c = [[10, { k: 'x' }]];
  collect();
  const t1 = at();
  feed.c = [
    [12, { k: 'x' }],
    [5, { k: 'x' }],
  ];
  let p = collect().get('c')!.dataPoints[0]!;
  const t2 = at();
  t.same([p.value, p.startTime], [5, t2], '10 → (12, 5): the last value 5 is below 10, a reset now');
  p = collect().get('c')!.dataPoints[0]!;
  t.same([p.value, p.startTime], [5, t2], 'again (12, 5): 5 is not below the previous 5, the start stays');
  feed.c = [
    [3, { k: 'x' }],
    [9, { k: 'x' }],
  ];
  p = collect().get('c')!.dataPoints[0]!;
  t.same([p.value, p.startTime], [9, t2], '(3, 9) after 5: the last value 9 grew, no reset');
  t.not(t1, t2);
});

t.test('what a throwing observer emitted changes nothing: no false reset afterwards', async (t) => {
  const { feed, collect, at } = small();
  feed.c = [[100, { k: 'x' }]];
  collect();
  const t1 = at();
  feed.c = 'throw';
  t.notOk(collect().has('c'));
  feed.c = [[110, { k: 'x' }]];
  const p = collect().get('c')!.dataPoints[0]!;
  t.same([p.value, p.startTime], [110, t1], '100 → 110: the start of the first collection');
});

t.test('a sum exports 0 for -0, as the SDK did; a gauge keeps -0', async (t) => {
  const { feed, collect } = small();
  feed.c = [[-0, { k: 'x' }]];
  feed.u = [[-0, { k: 'x' }]];
  feed.g = [[-0, { k: 'x' }]];
  const m = collect();
  t.ok(Object.is(m.get('c')!.dataPoints[0]!.value, 0), 'counter: +0');
  t.ok(Object.is(m.get('u')!.dataPoints[0]!.value, 0), 'up-down counter: +0');
  t.ok(Object.is(m.get('g')!.dataPoints[0]!.value, -0), 'gauge: -0');
});

t.test(`memory stays bounded: past ${MAX_SERIES_PER_METRIC} series in a metric, the ones seen longest ago are forgotten`, async (t) => {
  const { feed, collect, at } = small();
  feed.c = [[1, { k: 'oldest' }]];
  collect();
  const tOld = at();
  feed.c = [[1, { k: 'recent' }]];
  collect();
  const tRecent = at();
  // Many series come and go, one collection each (top-N apps over months).
  for (let i = 0; i < MAX_SERIES_PER_METRIC + 50; i++) {
    feed.c = [[1, { k: `app${i}` }]];
    collect();
  }
  feed.c = Array.from({ length: MAX_SERIES_PER_METRIC + 5 }, (_, i) => [1, { k: `now${i}` }] as [number, Attributes]);
  const many = collect().get('c')!;
  t.equal(many.dataPoints.length, MAX_SERIES_PER_METRIC + 5, 'every series of this collection is exported, even past the bound');
  feed.c = [
    [2, { k: 'oldest' }],
    [2, { k: 'recent' }],
  ];
  const c = collect().get('c')!;
  t.same(c.dataPoints[0]!.startTime, at(), 'the series seen longest ago was forgotten: it starts again');
  t.not(c.dataPoints[0]!.startTime, tOld);
  t.same(c.dataPoints[1]!.startTime, at(), 'so was every series not seen in the collection past the bound');
  t.not(tRecent, at());
});
