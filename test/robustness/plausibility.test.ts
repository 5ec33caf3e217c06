/**
 * Plausibility filter: real fixtures pass untouched; mutated copies of real fixtures (text edits of
 * the plist, or field edits of the parsed sample) lose only the bad value and are counted.
 */
import t from 'tap';
import { pipeline } from '../helpers/pipeline.ts';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { createPowermetricsParser } from '../../src/modules/powermetrics/parser.ts';
import { PowermetricsSample } from '../../src/modules/powermetrics/sample.ts';
import { SmcSample } from '../../src/modules/smc/sample.ts';
import { type BaseSample as Sample } from '../../src/samples.ts';
import {
  CHIP_CEILINGS_W,
  checkSample,
  chipClassOf,
  createPlausibilityFilter,
  limitsFor,
} from '../../src/plausibility.ts';

const DIR = 'fixtures/powermetrics';
const ULTRA = `${DIR}/m2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist`;

function parse(bytes: Uint8Array | string): PowermetricsSample[] {
  const p = createPowermetricsParser();
  return [...p.push(bytes), ...p.end()].filter((r): r is PowermetricsSample => r.type === 'powermetrics');
}
const ultra = (): PowermetricsSample => parse(readFileSync(ULTRA))[0]!;

t.test('every real powermetrics plist sample passes clean, as the same object', async (t) => {
  let n = 0;
  for (const f of readdirSync(DIR).filter((f) => f.endsWith('.plist'))) {
    for (const s of parse(readFileSync(`${DIR}/${f}`))) {
      const r = checkSample(s);
      t.same(r.dropped, [], f);
      t.equal(r.sample, s, `${f}: untouched`);
      n++;
    }
  }
  t.equal(n, 42, 'all 42 plist samples across 8 captures');
});

t.test('chip class from the sample: M2 Ultra capture is ultra, M1 is single-die', async (t) => {
  const u = ultra();
  t.equal(u.dies, 2);
  t.equal(chipClassOf({ dies: u.dies, hwModel: u.hwModel! }), 'ultra');
  const m1 = parse(readFileSync(`${DIR}/m1-macbookpro17-1-macos13-plist-single-2s-reindented.plist`))[0]!;
  t.equal(chipClassOf({ dies: m1.dies, hwModel: m1.hwModel! }), 'single_die');
  t.equal(chipClassOf({ cpuBrand: 'Apple M3 Ultra' }), 'ultra');
  t.equal(chipClassOf({}), 'unknown');
  t.equal(limitsFor({}).socPowerCeilingW, CHIP_CEILINGS_W.unknown.soc, 'unknown chips get the largest ceiling');
  // The real 70.9 W GPU of the M2 Ultra capture is well under even the single-die ceiling.
  t.ok(u.gpu!.powerW > 70 && u.gpu!.powerW < CHIP_CEILINGS_W.single_die.soc);
});

t.test('a kW spike in the real M2 Ultra plist (gpu_energy edited) drops the GPU and combined rails only', async (t) => {
  const text = readFileSync(ULTRA, 'utf8');
  // 45 kJ in ~1 s: the 20–60 kW spike class users reported (mactop#94).
  const spiked = text.replace('<key>gpu_energy</key>\n<integer>72607</integer>', '<key>gpu_energy</key>\n<integer>45000000</integer>');
  t.not(spiked, text, 'edit applied');
  const s = parse(spiked)[0]!;
  t.ok(s.gpu!.powerW > 40000, 'parser reports the spike as printed');
  const r = checkSample(s);
  t.same(
    r.dropped.map((d) => [d.reason, d.field]),
    [
      ['above_ceiling', 'gpu'],
      ['above_ceiling', 'combined'],
    ],
  );
  t.equal(r.sample.gpu, undefined);
  t.equal(r.sample.combined, undefined);
  t.same(r.sample.cpu, ultra().cpu, 'CPU rail kept exactly');
  t.equal(r.sample.cpus.length, 24, 'every CPU kept');
  t.equal(r.sample.gpuFreqHz, 1360850000, 'GPU frequency kept');
  t.ok(PowermetricsSample.safeParse(r.sample).success, 'cleaned sample is schema-valid');
  t.equal(s.gpu!.powerW > 40000, true, 'input not mutated');
});

t.test('negative energy, a cluster beyond its DVFS table, one CPU beyond, GPU beyond: each dropped alone', async (t) => {
  const s = ultra();
  const p0 = s.clusters.findIndex((c) => c.name === 'P0-Cluster');
  t.ok(p0 >= 0);
  const cpuIdx = s.cpus.findIndex((c) => c.cluster === 'E1-Cluster');
  const bad: PowermetricsSample = {
    ...s,
    cpu: { ...s.cpu!, energyJ: -3, powerW: -2.9 },
    clusters: s.clusters.map((c, i) => (i === p0 ? { ...c, freqHz: c.maxDvfsFreqHz! * 1.5 } : c)),
    cpus: s.cpus.map((c, i) => (i === cpuIdx ? { ...c, freqHz: 9e9 } : c)),
    gpuFreqHz: s.gpuMaxDvfsFreqHz! * 1.2,
  };
  const r = checkSample(bad);
  t.same(
    r.dropped.map((d) => [d.reason, d.field]).sort(),
    [
      ['beyond_dvfs', `clusters[${p0}].freqHz`],
      ['beyond_dvfs', `cpus[${cpuIdx}].freqHz`],
      ['beyond_dvfs', 'gpuFreqHz'],
      ['negative', 'cpu'],
    ].sort(),
  );
  t.equal(r.sample.cpu, undefined);
  t.same(r.sample.gpu, s.gpu, 'GPU rail kept');
  t.same(r.sample.combined, s.combined, 'combined kept (its own value is fine)');
  t.equal(r.sample.clusters.length, s.clusters.length - 1);
  t.equal(r.sample.cpus.length, s.cpus.length - 1);
  t.ok(
    r.sample.cpus.some((c) => c.cluster === 'P0-Cluster'),
    'CPUs of the dropped cluster keep their own (good) values',
  );
  t.ok(PowermetricsSample.safeParse(r.sample).success);
});

t.test('frequency at the table top (rounding) passes; a broken table falls back to 6 GHz', async (t) => {
  const s = ultra();
  const atTop = { ...s, clusters: s.clusters.map((c) => ({ ...c, freqHz: c.maxDvfsFreqHz! * 1.01 })) };
  t.same(checkSample(atTop).dropped, []);
  // A table read in the wrong unit (kHz as MHz → 1000× too high) is not trusted.
  const silly = { ...s, clusters: s.clusters.map((c) => ({ ...c, maxDvfsFreqHz: c.maxDvfsFreqHz! * 1000 })) };
  t.same(checkSample(silly).dropped, []);
  const tooFast = { ...silly, clusters: silly.clusters.map((c, i) => (i === 0 ? { ...c, freqHz: 7e9 } : c)) };
  t.equal(checkSample(tooFast).dropped.length, 1);
});

t.test('SMC system power (synthetic SmcSample objects: no SMC power capture exists)', async (t) => {
  const base: SmcSample = { type: 'smc', temperatures: [], fans: [], dropped: {}, systemPowerW: 180 };
  t.same(checkSample(base).dropped, []);
  const r = checkSample({ ...base, systemPowerW: 52000 }, limitsFor({ hwModel: 'Mac15,14' }));
  t.same(r.dropped.map((d) => d.reason), ['above_ceiling']);
  t.equal(r.sample.systemPowerW, undefined);
  t.same(checkSample({ ...base, systemPowerW: -1 }).dropped.map((d) => d.reason), ['negative']);
  t.same(checkSample({ ...base, systemPowerW: 400 }, limitsFor({ cpuBrand: 'Apple M2 Max' })).dropped.length, 1);
  t.same(checkSample({ ...base, systemPowerW: 400 }, limitsFor({ cpuBrand: 'Apple M2 Ultra' })).dropped.length, 0);
});

t.test('store filter counts drops per source and reason, and the bad value never reaches the catalog state', async (t) => {
  const p = pipeline({ filters: [createPlausibilityFilter()] });
  const sink = p.sink('powermetrics', 1000);
  const s = ultra();
  sink.result({ ...s, gpu: { ...s.gpu!, powerW: 45000 } } as PowermetricsSample);
  sink.result({ ...s, ane: { ...s.ane!, energyJ: -1 } } as PowermetricsSample);
  t.same(Object.fromEntries(p.health.sources.get('powermetrics')!.dropped), { above_ceiling: 1, negative: 1 });
  t.equal(p.health.sources.get('powermetrics')!.samples, 2);
  const latest = p.store.latest('powermetrics') as PowermetricsSample;
  t.equal(latest.ane, undefined);
  t.same(latest.gpu, s.gpu, 'the second sample\'s good GPU value is current');
});

t.test('property: for any edit of the real sample, output is schema-valid, within limits, and kept values are unchanged', async (t) => {
  const s = ultra();
  const l = limitsFor({ dies: s.dies, hwModel: s.hwModel! });
  const num = fc.oneof(
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.constantFrom(0, -0, 1e9, -1e-9, 600.0001, 599.9),
  );
  const rail = fc.record({ powerW: num, energyJ: num, reportedPowerW: num });
  let cases = 0;
  fc.assert(
    fc.property(
      fc.option(rail, { nil: undefined }),
      fc.option(rail, { nil: undefined }),
      fc.array(fc.tuple(fc.nat(23), fc.double({ min: 0, max: 1e10, noNaN: true })), { maxLength: 5 }),
      fc.option(fc.double({ min: 0, max: 1e10, noNaN: true }), { nil: undefined }),
      (cpu, gpu, cpuFreqEdits, gpuFreqHz) => {
        cases++;
        const cpus = s.cpus.map((c) => ({ ...c }));
        for (const [i, f] of cpuFreqEdits) cpus[i]!.freqHz = f;
        const input: PowermetricsSample = { ...s, cpu, gpu, cpus, gpuFreqHz };
        const r = checkSample(input, l);
        const out = r.sample;
        if (!PowermetricsSample.safeParse(out).success) return false;
        for (const k of ['cpu', 'gpu'] as const) {
          const o = out[k];
          if (o && (o !== input[k] || o.powerW > l.socPowerCeilingW || o.energyJ < 0 || o.powerW < 0)) return false;
        }
        if (out.cpus.some((c) => input.cpus.indexOf(c) < 0)) return false; // kept CPUs are the same objects
        const removed = (input.cpu && !out.cpu ? 1 : 0) + (input.gpu && !out.gpu ? 1 : 0) +
          (input.cpus.length - out.cpus.length) + (input.gpuFreqHz !== undefined && out.gpuFreqHz === undefined ? 1 : 0);
        return removed === r.dropped.length;
      },
    ),
    { numRuns: 2000, seed: 5 },
  );
  t.equal(cases, 2000);
});
