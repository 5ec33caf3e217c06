// The hand-written PowermetricsSample check (src/modules/powermetrics/check.ts) against the zod
// schema it replaces on the hot path: the same verdict on every real capture and on samples
// mutated from them (one or more fields set to odd values or removed), and the parser still turns
// a failing sample into a typed error.
import t from 'tap';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAll } from '../../../src/parsers/parser.ts';
import { parsePowermetricsDocument } from '../../../src/modules/powermetrics/document.ts';
import { createPowermetricsParser } from '../../../src/modules/powermetrics/parser.ts';
import { powermetricsSampleProblem, shapeProblem, SPECIALISED } from '../../../src/modules/powermetrics/check.ts';
import { PowermetricsSample } from '../../../src/modules/powermetrics/sample.ts';

const DIR = fileURLToPath(new URL('../../../fixtures/powermetrics/', import.meta.url));
const PLISTS = readdirSync(DIR).filter((f) => f.endsWith('.plist')).sort();
const real: Array<{ file: string; sample: PowermetricsSample }> = [];
for (const f of PLISTS)
  for (const r of parseAll(createPowermetricsParser({ validate: false }), readFileSync(DIR + f)))
    if (r.type === 'powermetrics') real.push({ file: f, sample: r });

const zodOk = (x: unknown) => PowermetricsSample.safeParse(x).success;
const handOk = (x: unknown) => powermetricsSampleProblem(x) === undefined;

t.test('every sample of every real plist capture passes both checks', async (t) => {
  t.equal(PLISTS.length, 8, 'eight plist captures');
  t.ok(real.length >= 41, `${real.length} samples`);
  for (const { file, sample } of real) {
    if (!zodOk(sample)) t.fail(`${file}: zod rejects a parsed sample`);
    const p = powermetricsSampleProblem(sample);
    if (p) t.fail(`${file}: hand check rejects a parsed sample at ${p.path}: ${p.message}`);
  }
});

/** Every path to a leaf or container in a sample, e.g. ['clusters', 2, 'cpus', 0]. */
function paths(v: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = prefix.length ? [prefix] : [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

const REMOVE = Symbol('remove');
const ODD: unknown[] = [
  REMOVE, undefined, null, NaN, Infinity, -Infinity, -1, -0, 0, 0.5, 1, 1.0000001, 2, 1.5, 2 ** 53, -(2 ** 53), 1e308,
  '', 'x', 'E', 'e', 'EE', 'cluster', 'cpus', 'nominal', 'Nominal', 'unknown', 'powermetrics', true, false, [], [1], [-1], {}, { level: 'heavy', raw: 'Heavy' },
];

function mutate(sample: PowermetricsSample, edits: Array<[number, number]>): unknown {
  const copy = structuredClone(sample) as unknown as Record<string, unknown>;
  for (const [pi, vi] of edits) {
    const all = paths(copy);
    if (all.length === 0) break;
    const path = all[pi % all.length]!;
    let parent: Record<string | number, unknown> = copy;
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    const last = path.at(-1)!;
    const v = ODD[vi % ODD.length];
    if (v === REMOVE) {
      if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
      else delete parent[last];
    } else parent[last] = typeof v === 'object' && v !== null ? structuredClone(v) : v; // never share (or grow cycles into) ODD's objects
  }
  return copy;
}

t.test('same verdict as zod on 10,000 mutated real samples', async (t) => {
  let rejected = 0;
  let n = 0;
  fc.assert(
    fc.property(
      fc.nat({ max: real.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 3 }),
      (si, edits) => {
        const x = mutate(real[si]!.sample, edits);
        const z = zodOk(x);
        n++;
        if (!z) rejected++;
        return z === handOk(x);
      },
    ),
    { numRuns: 10_000, seed: 5 },
  );
  t.equal(n, 10_000, 'ran every case');
  // Both outcomes are well represented, so agreement is not agreement on "always fine".
  t.ok(rejected > 2_500 && rejected < 9_500, `zod rejected ${rejected} of ${n}`);
});

t.test('same verdict on values that are not samples at all', async (t) => {
  const odd: unknown[] = [null, undefined, 1, 'powermetrics', [], {}, { type: 'powermetrics' }, new Date(), Object.create(null)];
  odd.forEach((x, i) => t.equal(handOk(x), zodOk(x), `case ${i}`));
});

t.test('a failing sample is reported with its path; the parser turns it into a typed error', async (t) => {
  const s = real.find((r) => r.file.startsWith('m2-ultra'))!.sample;
  t.same(powermetricsSampleProblem({ ...s, elapsedS: 0 }), { path: 'elapsedS', message: 'expected a number > 0' }, 'elapsedS 0');
  t.same(powermetricsSampleProblem({ ...s, cpus: [{ ...s.cpus[0]!, activeRatio: 1.5 }] }), { path: 'cpus.0.activeRatio', message: 'expected a number in [0, 1]' }, 'ratio > 1');
  t.same(powermetricsSampleProblem({ ...s, clusters: [{ ...s.clusters[0]!, cpus: [-1] }] }), { path: 'clusters.0.cpus.0', message: 'expected an integer >= 0' }, 'negative cpu number');
  t.same(powermetricsSampleProblem({ ...s, gpu: { powerW: NaN, energyJ: 1 } }), { path: 'gpu.powerW', message: 'expected a finite number' }, 'NaN power');
  t.same(powermetricsSampleProblem({ ...s, thermalPressure: { level: 'hot', raw: 'Hot' } }), { path: 'thermalPressure.level', message: 'expected a known thermal pressure level or "unknown"' }, 'unknown level word');
  // The mapping never builds such a sample from a document (it checks the same things first): the
  // check is the safety net. What the parser emits for a real document is unchanged.
  const doc = readFileSync(DIR + 'm2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist', 'utf8');
  t.same(parsePowermetricsDocument(doc), parsePowermetricsDocument(doc, { validate: false }), 'validated and unvalidated parse agree on a real document');
});

t.test('the written-out CPU, cluster and usage checks give the same problem (path and message) as their shapes', async (t) => {
  // Parts of real samples (the M1 Pro capture has app usages), each field set to every ODD value or removed,
  // one and two fields at a time.
  const parts: Record<'cpu' | 'cluster' | 'usage', Array<Record<string, unknown>>> = { cpu: [], cluster: [], usage: [] };
  for (const { sample } of real) {
    parts.cpu.push(...(sample.cpus as unknown as Array<Record<string, unknown>>).slice(0, 3));
    parts.cluster.push(...(sample.clusters as unknown as Array<Record<string, unknown>>).slice(0, 3));
    if (sample.apps) parts.usage.push(sample.apps.windowTotal as unknown as Record<string, unknown>, ...sample.apps.series.slice(0, 3).flatMap((x) => [x.window, x.total] as unknown as Array<Record<string, unknown>>));
  }
  let n = 0;
  for (const k of ['cpu', 'cluster', 'usage'] as const) {
    const [fast, shapeOf] = SPECIALISED[k];
    const fields = shapeOf().map((e) => e[0]);
    const same = (x: unknown, what: string) => {
      n++;
      const a = fast(x);
      const b = shapeProblem(x, shapeOf());
      if (JSON.stringify(a) !== JSON.stringify(b)) t.fail(`${k} ${what}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    };
    t.ok(parts[k].length > 3, `${parts[k].length} real ${k} values`);
    for (const base of parts[k].slice(0, 6)) {
      same(base, 'as parsed');
      for (const f of fields)
        for (let vi = 0; vi < ODD.length; vi++) {
          const set = (o: Record<string, unknown>, g: string, v: unknown) => (v === REMOVE ? delete o[g] : (o[g] = v));
          const one = { ...base };
          set(one, f, ODD[vi]);
          same(one, `${f}=${String(ODD[vi])}`);
          for (const g of fields) {
            if (g === f) continue;
            const two = { ...one };
            set(two, g, ODD[(vi * 7 + 3) % ODD.length]);
            same(two, `${f}, ${g}`);
          }
        }
    }
    [null, undefined, 1, 'x', [], {}, Object.create(null)].forEach((x, i) => same(x, `odd value ${i}`));
  }
  t.ok(n > 10_000, `${n} cases`);
});
