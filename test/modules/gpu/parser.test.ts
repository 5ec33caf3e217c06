import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { createGpuParser, parseGpu } from '../../../src/modules/gpu/parser.ts';
import { GpuSample as GpuSchema, type GpuSample } from '../../../src/modules/gpu/sample.ts';
import { interpretGpuFacts } from '../../../src/modules/gpu/source.ts';
import { defaultWiredLimitBytes, wiredLimit } from '../../../src/modules/gpu/wired-limit.ts';
import { parseSysctl } from '../../../src/modules/sysctl/parser.ts';
import type { SysctlSample } from '../../../src/modules/sysctl/sample.ts';
import { parseAll } from '../../../src/parsers/parser.ts';
import { parseError, type ParseError } from '../../../src/samples.ts';
import { observe } from '../../helpers/catalog.ts';
import { samplesOf } from '../../helpers/chunks.ts';

const DIR = new URL('../../../fixtures/gpu/', import.meta.url);
const read = (f: string) => readFileSync(new URL(f, DIR), 'utf8');
const M4 = read('m4-t8132-gpu10c-macosUNKNOWN-ioreg-r-d1-c-IOAccelerator.no-IOReportLegend.txt');
const M1PRO = read('m1pro-t6000-mbp16-2021-macos12.6-ioreg-r-d1-w0-c-IOAccelerator.PARTIAL.txt');
const LINE = read('applesilicon-chipUNSTATED-2021-ioreg-r-d1-w0-c-IOAccelerator.perfstats-line-only.PARTIAL.txt');
const only = (r: Array<GpuSample | ParseError>): GpuSample => {
  const s = samplesOf(r);
  if (s.length !== 1) throw new Error(`expected one sample: ${JSON.stringify(r).slice(0, 300)}`);
  return s[0]!;
};
const SYSCTL = readFileSync(new URL('../../../fixtures/sysctl/m1max-32GB-2026-sudo-sysctl-iogpu.wired_limit_mb=26000.txt', import.meta.url), 'utf8');

t.test('every real capture parses into a schema-valid sample, without errors', async (t) => {
  for (const f of readdirSync(DIR)) {
    const r = parseAll(createGpuParser(), readFileSync(new URL(f, DIR)));
    t.same(r.filter((x) => x.type === 'error'), [], f);
    t.ok(GpuSchema.safeParse(only(r)).success, f);
  }
});

t.test('M4: in-use and allocated memory, utilization by task, model and cores, from the capture', async (t) => {
  const g = only(parseGpu(M4)).gpus;
  t.equal(g.length, 1);
  t.same(g[0], {
    id: 'gpu',
    className: 'AGXAcceleratorG16G',
    model: 'Apple M4',
    coreCount: 10,
    deviceUtilization: 0.17,
    rendererUtilization: 0.15,
    tilerUtilization: 0.15,
    inUseBytes: 430_571_520,
    allocBytes: 4_597_121_024,
  });
});

t.test('"In use system memory (driver)" is never taken for "In use system memory"', async (t) => {
  const without = M4.replace(',"In use system memory"=430571520', '');
  t.not(without, M4, 'the key was removed');
  t.match(without, /"In use system memory \(driver\)"=0/);
  const g = only(parseGpu(without)).gpus[0]!;
  t.equal(g.inUseBytes, undefined);
  t.equal(g.allocBytes, 4_597_121_024);
});

t.test('M1 Pro (macOS 12.6, partial) and the published single line', async (t) => {
  const a = only(parseGpu(M1PRO)).gpus[0]!;
  t.equal(a.inUseBytes, 340_983_808);
  t.equal(a.allocBytes, 1_214_005_248);
  t.equal(a.deviceUtilization, 0.02);
  t.equal(a.model, undefined, 'the excerpt stops before "model"');
  const b = only(parseGpu(LINE)).gpus[0]!;
  t.equal(b.inUseBytes, 448_659_456);
  t.equal(b.deviceUtilization, 0.16);
});

t.test('typed errors: empty, no statistics, impossible percentages, truncated', async (t) => {
  t.same(parseGpu('').map((x) => x.type === 'error' && x.kind), ['empty']);
  t.same(parseGpu('+-o X  <class AGXAccelerator>\n    {\n    "model" = "Apple M4"\n    }\n').map((x) => x.type === 'error' && x.kind), ['missing_field']);
  const bad = parseGpu(M4.replace('"Device Utilization %"=17', '"Device Utilization %"=170'));
  t.same(bad.filter((x) => x.type === 'error').map((x) => (x as ParseError).kind), ['invalid_value']);
  t.equal(only(bad).gpus[0]!.deviceUtilization, undefined);
  t.equal(only(bad).gpus[0]!.inUseBytes, 430_571_520, 'the rest stands');
  const cut = parseGpu(M4.slice(0, M4.indexOf('"In use system memory"=') + 10));
  t.ok(cut.some((x) => x.type === 'error' && x.kind === 'truncated'));
});

t.test('the native path: the same facts give the same sample', async (t) => {
  const text = only(parseGpu(M4));
  const facts = {
    ok: true,
    entries: [
      {
        className: 'AGXAcceleratorG16G',
        name: 'AGXAcceleratorG16G',
        properties: {
          model: 'Apple M4',
          'gpu-core-count': 10,
          PerformanceStatistics: {
            'In use system memory (driver)': 0,
            'Alloc system memory': 4597121024,
            'Tiler Utilization %': 15,
            'Renderer Utilization %': 15,
            'Device Utilization %': 17,
            'In use system memory': 430571520,
          },
        },
      },
    ],
  };
  t.same(only(interpretGpuFacts(facts)), text);
  t.same(interpretGpuFacts({ ok: false, error: 'no IOAccelerator' }), [parseError('gpu', 'empty', 'IOKit registry: no IOAccelerator')]);
  t.ok(interpretGpuFacts(null).every((x) => x.type === 'error'));
});

t.test('wired limit: the sysctl capture (set form) and the default estimate', async (t) => {
  const sc = samplesOf(parseSysctl(SYSCTL))[0] as SysctlSample;
  t.equal(sc.gpuWiredLimitMb, 26000, '`iogpu.wired_limit_mb: 26000 -> 26000`');
  const gpu = only(parseGpu(M4));
  const limit = observe('hw.gpu.memory.limit', { gpu, sysctl: sc });
  t.same(limit, [{ value: 26000 * 1048576, attributes: { 'hw.id': 'gpu', 'silicon_agent.gpu.memory.limit.source': 'sysctl' } }]);
  const util = observe('hw.gpu.memory.utilization', { gpu, sysctl: sc });
  t.same(util, [{ value: 430_571_520 / (26000 * 1048576), attributes: { 'hw.id': 'gpu', 'silicon_agent.gpu.memory.limit.source': 'sysctl' } }]);
  // 0 = system default: an estimate, and said to be one.
  const def = { ...sc, gpuWiredLimitMb: 0, memsizeBytes: 32 * 2 ** 30 };
  t.same(observe('hw.gpu.memory.limit', { gpu, sysctl: def }), [
    { value: Math.floor((32 * 2 ** 30 * 2) / 3), attributes: { 'hw.id': 'gpu', 'silicon_agent.gpu.memory.limit.source': 'default_estimate' } },
  ]);
  t.equal(defaultWiredLimitBytes(128 * 2 ** 30), 96 * 2 ** 30);
  t.equal(wiredLimit(0, undefined), undefined, 'no memory size: no estimate');
  t.same(observe('hw.gpu.memory.limit', { gpu }), [], 'no sysctl sample: no limit');
  t.same(observe('hw.gpu.memory.usage', { gpu }), [{ value: 430_571_520, attributes: { 'hw.id': 'gpu' } }]);
  t.same(observe('silicon_agent.gpu.memory.allocated', { gpu }), [{ value: 4_597_121_024, attributes: { 'hw.id': 'gpu' } }]);
});
