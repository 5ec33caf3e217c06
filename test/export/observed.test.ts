/**
 * The stale-series filter (src/export/observed.ts) against the real OTel SDK: random collections of
 * observable instruments whose attribute sets come and go, each filtered result compared with what the
 * last collection observed, told apart the way the SDK tells attribute sets apart. Covers the count
 * shortcut (a metric kept whole when its points are exactly the observed sets) and the per-point path
 * (stale sets, sets observed twice in one collection, values the key and the SDK tell apart differently:
 * 1 and "1", NaN and ±Infinity, where the shortcut must not be taken).
 */
import t from 'tap';
import type { Attributes as OtelAttributes } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ObservedSeries } from '../../src/export/observed.ts';
import type { Attributes } from '../../src/catalog/types.ts';
import { rng } from '../helpers/chunks.ts';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const SCOPE = 'silicon-agent';
/** A meter with one gauge whose batch callback observes `sets()` and records them, as the agent's does. */
function oneGauge(name: string, sets: () => Attributes[]) {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter(SCOPE);
  const g = meter.createObservableGauge(name);
  const observed = new ObservedSeries();
  meter.addBatchObservableCallback((res) => {
    observed.begin();
    for (const a of sets()) {
      res.observe(g, 1, a);
      observed.add(name, a);
    }
    observed.end();
  }, [g]);
  return { reader, provider, observed };
}

/** The SDK's notion of "the same attribute set": its keys sorted, values as JSON. */
const identity = (a: OtelAttributes) => JSON.stringify(Object.keys(a).sort().map((k) => [k, a[k]]));

/** Our scope's points as `name identity value` lines, sorted. */
function points(rm: ResourceMetrics): string[] {
  const out: string[] = [];
  for (const sm of rm.scopeMetrics) {
    if (sm.scope.name !== SCOPE) continue;
    for (const m of sm.metrics) for (const p of m.dataPoints as Array<{ attributes: OtelAttributes; value: unknown }>) out.push(`${m.descriptor.name}\t${identity(p.attributes)}\t${JSON.stringify(p.value)}`);
  }
  return out.sort();
}
const nameAndSet = (p: string) => p.slice(0, p.lastIndexOf('\t'));
/**
 * A set the filter's key and the SDK do not tell apart alike: 1 or 2 as a value (number or string: the
 * key does not tell 1 from "1"), or a non-finite number (the SDK takes NaN and ±Infinity for one value,
 * JSON null; the key does not). The catalog emits neither (its values are names and small integers).
 */
const conflatable = (p: string) => /,(1|2|"1"|"2"|null)\]/.test(p.split('\t')[1]!);

t.test('random collections: exactly the last collection observed is kept, and nothing else', async (t) => {
  const r = rng(20261203);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  let kept = 0;
  let shortcuts = 0;
  for (let run = 0; run < 40; run++) {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const meter = provider.getMeter(SCOPE);
    const observed = new ObservedSeries();
    const names = ['a', 'b', 'c', 'd'];
    const inst = names.map((n) => meter.createObservableGauge(n));
    // What the next collection emits, per instrument: attribute sets with values.
    let plan: Array<Array<[Attributes, number]>> = [];
    const values: Array<string | number> = ['x', 'y', 'z', 1, 2, '1', '2'];
    // NaN and ±Infinity: the SDK takes all three for the same value (JSON null), the key here does not.
    if (run % 4 === 3) values.push(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    meter.addBatchObservableCallback((res) => {
      observed.begin();
      plan.forEach((sets, i) =>
        sets.forEach(([attrs, v]) => {
          res.observe(inst[i]!, v, attrs);
          observed.add(names[i]!, attrs);
        }),
      );
      observed.end();
    }, inst);
    for (let c = 0; c < 12; c++) {
      plan = names.map(() => {
        const n = Math.floor(r() * 5);
        const sets: Array<[Attributes, number]> = [];
        for (let k = 0; k < n; k++) {
          const attrs: Attributes = r() < 0.3 ? {} : { 'k.one': pick(values) };
          if (r() < 0.4) attrs['k.two'] = pick(values);
          sets.push([attrs, Math.floor(r() * 100)]);
        }
        return sets;
      });
      const { resourceMetrics } = await reader.collect();
      const filtered = observed.filter(resourceMetrics, SCOPE);
      const got = points(filtered);
      // Metrics passed through whole (the count shortcut): the very objects the SDK returned.
      const original = new Set(resourceMetrics.scopeMetrics.flatMap((sm) => sm.metrics));
      shortcuts += filtered.scopeMetrics.flatMap((sm) => sm.metrics).filter((m) => original.has(m)).length;
      // Expected: the SDK's points whose attribute set (by the SDK's identity) was observed this time.
      const seen = new Set<string>();
      plan.forEach((sets, i) => sets.forEach(([a]) => seen.add(`${names[i]}\t${identity(a as OtelAttributes)}`)));
      const want = points(resourceMetrics).filter((p) => seen.has(nameAndSet(p)));
      // The filter's key conflates 1 and "1", which the SDK keeps apart: a stale set that differs from
      // an observed one only so is kept (as it always was). Every other set must be exact.
      t.same(got.filter((p) => !conflatable(p)), want.filter((p) => !conflatable(p)), `run ${run} collection ${c}`);
      for (const p of want) if (!conflatable(p) && !got.includes(p)) t.fail(`observed point dropped: ${p}`);
      kept += got.length;
    }
    await provider.shutdown();
  }
  t.ok(kept > 500, `${kept} points kept over 480 collections`);
  t.ok(shortcuts > 100, `${shortcuts} metrics passed through whole by the count shortcut`);
});

t.test('the count shortcut: a metric whose points are the observed sets comes back as the same object', async (t) => {
  let sets: Attributes[] = [{ 'hw.gpu.task': 'general' }, { 'hw.gpu.task': 'renderer' }];
  const { reader, provider, observed } = oneGauge('hw.gpu.utilization', () => sets);
  let { resourceMetrics } = await reader.collect();
  let m = resourceMetrics.scopeMetrics[0]!.metrics[0]!;
  t.equal(observed.filter(resourceMetrics, SCOPE).scopeMetrics[0]!.metrics[0], m, 'kept as is');
  sets = [{ 'hw.gpu.task': 'general' }];
  ({ resourceMetrics } = await reader.collect());
  m = resourceMetrics.scopeMetrics[0]!.metrics[0]!;
  t.equal(m.dataPoints.length, 2, 'the SDK still reports the renderer set');
  const f = observed.filter(resourceMetrics, SCOPE).scopeMetrics[0]!.metrics[0]!;
  t.same(f.dataPoints.map((p) => p.attributes), [{ 'hw.gpu.task': 'general' }], 'the stale set is dropped');
  sets = [];
  ({ resourceMetrics } = await reader.collect());
  t.equal(observed.filter(resourceMetrics, SCOPE).scopeMetrics[0]!.metrics.length, 0, 'a metric with nothing observed is left out');
  await provider.shutdown();
});

t.test('no count shortcut after a non-finite attribute value: a stale set is still dropped', async (t) => {
  let sets: Attributes[] = [{ k: Number.NaN }, { k: Number.POSITIVE_INFINITY }, { k: 'x' }];
  const { reader, provider, observed } = oneGauge('g', () => sets);
  await reader.collect();
  sets = [{ k: Number.NaN }, { k: Number.POSITIVE_INFINITY }];
  const { resourceMetrics } = await reader.collect();
  // Two keys observed, two SDK points (NaN and Infinity are one set to the SDK; 'x' is stale).
  t.equal(resourceMetrics.scopeMetrics[0]!.metrics[0]!.dataPoints.length, 2);
  const kept = observed.filter(resourceMetrics, SCOPE).scopeMetrics[0]!.metrics.flatMap((m) => m.dataPoints.map((p) => p.attributes.k));
  t.notOk(kept.includes('x'), 'the stale set is not exported');
  await provider.shutdown();
});
