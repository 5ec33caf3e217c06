/**
 * yieldsTo (src/catalog/fallback.ts): iostat's disk counters yield to the disks source, powermetrics'
 * GPU utilization to the gpu source. One catalog entry per name; through the real agent (store,
 * staleness, Prometheus serializer) a series comes from the primary while it is fresh, from the
 * fallback otherwise, never from both.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { createAgent } from '../../src/agent.ts';
import { mergeYielding } from '../../src/catalog/fallback.ts';
import type { CatalogEntry } from '../../src/catalog/types.ts';
import { ConfigSchema } from '../../src/config.ts';
import { memoryLogger } from '../../src/log.ts';
import { parseDisks } from '../../src/modules/disks/parser.ts';
import { parseGpu } from '../../src/modules/gpu/parser.ts';
import { CATALOG } from '../../src/registry.ts';
import type { BaseSample } from '../../src/samples.ts';
import type { Source, SourceSink } from '../../src/sources/source.ts';
import { readCapture, replayFolders } from '../export/capture.ts';

const disksSample = parseDisks(readFileSync('fixtures/disks/applesilicon-AP1024Z-ioreg-c-IOBlockStorageDriver-r-l-w0.truncated.PARTIAL.txt', 'utf8')).find((x) => x.type === 'disks')!;
const gpuSample = parseGpu(readFileSync('fixtures/gpu/m4-t8132-gpu10c-macosUNKNOWN-ioreg-r-d1-c-IOAccelerator.no-IOReportLegend.txt', 'utf8')).find((x) => x.type === 'gpu')!;
const real = readCapture(replayFolders().find((d) => d.endsWith('m2-ultra'))!);
const iostatRows = (real.iostat ?? []).filter((x) => x.type === 'iostat' && !(x as { sinceBoot?: boolean }).sinceBoot);
const pm = (real.powermetrics ?? []).find((x) => x.type === 'powermetrics')!;

t.test('one catalog entry per name; the merged ones name both sources', async (t) => {
  const names = CATALOG.map((m) => m.name);
  t.equal(new Set(names).size, names.length);
  for (const [name, primary, secondary] of [
    ['system.disk.io', 'disks', 'iostat'],
    ['system.disk.operations', 'disks', 'iostat'],
    ['hw.gpu.utilization', 'gpu', 'powermetrics'],
  ] as const) {
    const m = CATALOG.find((x) => x.name === name)!;
    t.ok('fallback' in m, name);
    if (!('fallback' in m)) continue;
    t.equal(m.source, primary);
    t.equal(m.fallback.primary.source, primary);
    t.equal(m.fallback.secondary.source, secondary);
  }
});

t.test('mergeYielding refuses a yield to nothing and a unit mismatch', async (t) => {
  const base = { instrument: 'gauge' as const, description: '', attributes: [], observe() {} };
  const a: CatalogEntry = { ...base, name: 'x', unit: '1', source: 'a' };
  t.throws(() => mergeYielding([{ ...base, name: 'x', unit: '1', source: 'b', yieldsTo: 'c' }, a]));
  t.throws(() => mergeYielding([a, { ...base, name: 'x', unit: 'By', source: 'b', yieldsTo: 'a' }]));
  t.equal(mergeYielding([a, { ...base, name: 'x', unit: '1', source: 'b', yieldsTo: 'a' }]).length, 1);
});

/** A source the test feeds by hand. */
function handSource(name: string, intervalMs: number): Source & { sink?: SourceSink; feed(s: BaseSample): void } {
  const src: Source & { sink?: SourceSink; feed(s: BaseSample): void } = {
    name,
    intervalMs,
    start(sink) {
      src.sink = sink;
      sink.status({ state: 'running' });
    },
    async stop() {},
    feed(s) {
      src.sink!.result(s);
    },
  };
  return src;
}

/** A metric's lines, without the scope labels every series carries. */
const series = (text: string, name: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .map((l) => l.replace(/,otel_scope_\w+="[^"]*"/g, ''));

t.test('through the agent: disks while fresh, iostat once disks is stale; GPU likewise', async (t) => {
  t.ok(iostatRows.length >= 2, 'real iostat rows');
  let now = 1_000_000;
  const iostat = handSource('iostat', 1000);
  const disks = handSource('disks', 1000);
  const powermetrics = handSource('powermetrics', 1000);
  const gpu = handSource('gpu', 1000);
  const config = ConfigSchema.parse({ exporters: { otlp: { enabled: false }, prometheus: { port: 0 } } });
  const agent = createAgent(config, { log: memoryLogger('warn'), now: () => now, sources: [iostat, disks, powermetrics, gpu] });
  await agent.start();
  t.teardown(() => agent.stop());
  iostat.feed(iostatRows[0]!);
  disks.feed(disksSample);
  powermetrics.feed(pm);
  gpu.feed(gpuSample);

  let text = await agent.prometheus!.text();
  t.same(series(text, 'system_disk_io_bytes_total').sort(), [
    'system_disk_io_bytes_total{disk_io_direction="read",system_device="disk0"} 368261685248',
    'system_disk_io_bytes_total{disk_io_direction="write",system_device="disk0"} 222826323968',
  ]);
  t.same(series(text, 'hw_gpu_utilization_ratio').sort(), [
    'hw_gpu_utilization_ratio{hw_gpu_task="general",hw_id="gpu"} 0.17',
    'hw_gpu_utilization_ratio{hw_gpu_task="renderer",hw_id="gpu"} 0.15',
    'hw_gpu_utilization_ratio{hw_gpu_task="tiler",hw_id="gpu"} 0.15',
  ]);

  // 4 s later: only iostat and powermetrics have delivered again; disks and gpu are past 3 intervals.
  now += 4000;
  iostat.feed(iostatRows[1]!);
  powermetrics.feed(pm);
  let points = agent.points();
  const io = points.get('system.disk.io')!;
  t.ok(io.length > 0, 'iostat takes over');
  t.ok(io.every((p) => !('disk.io.direction' in p.attributes)), `only iostat's points: ${JSON.stringify(io)}`);
  const pmRatio = (pm as { gpuActiveRatio?: number }).gpuActiveRatio;
  t.same(points.get('hw.gpu.utilization'), [{ value: pmRatio, attributes: { 'hw.id': 'gpu', 'hw.gpu.task': 'general' } }], 'powermetrics takes over');
  text = await agent.prometheus!.text();
  t.ok(series(text, 'system_disk_io_bytes_total').some((l) => !l.includes('disk_io_direction')), "iostat's series reach /metrics");
  // (The OTel SDK's cumulative storage keeps re-exporting the last value of a series no longer
  // observed, so disks' frozen series stay on /metrics beside iostat's: reported, not fixed here.)

  // disks fresh again: back to disks only.
  disks.feed(disksSample);
  points = agent.points();
  t.same(points.get('system.disk.io')!.map((p) => p.attributes['disk.io.direction']), ['read', 'write']);
});
