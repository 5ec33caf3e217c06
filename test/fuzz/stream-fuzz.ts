/**
 * The standard fuzz suite for one stream parser: ≥ 10,000 cases in three parts, all seeded.
 *  1. 8,000 seeded mutations of the real (and synthetic) fixtures, fed in random chunks;
 *  2. 2,000 fast-check inputs (random text/bytes, lines of format-looking tokens), cut anywhere;
 *  3. 500 chunking-invariance cases on the unmutated fixtures: random byte chunking gives exactly
 *     the results of feeding the whole input at once;
 *  4. 2,000 more mutations carried past the parser, through the agent's real store (its plausibility
 *     filter and per-source schema check) and the catalog: every sample the store accepts is
 *     schema-valid, every value it removed or sample it refused is counted in the health recorder,
 *     and every exported point is a finite number.
 */
import type { Test } from 'tap';
import fc from 'fast-check';
import type { StreamParser } from '../../src/parsers/parser.ts';
import { Accumulator } from '../../src/catalog/accumulate.ts';
import { pointsOf } from '../../src/catalog/collect.ts';
import { Health } from '../../src/health.ts';
import { createPlausibilityFilter } from '../../src/plausibility.ts';
import { CATALOG, checkOf, moduleOf } from '../../src/registry.ts';
import type { BaseSample } from '../../src/samples.ts';
import { Store } from '../../src/store.ts';
import { chunk, cutAt, cutsArbitrary, inputArbitrary, mutationCampaign, newTally, rng, runStream } from './harness.ts';

export interface StreamFuzzSpec {
  name: string;
  make: () => StreamParser;
  fixtures: Array<{ name: string; bytes: Buffer }>;
  tokens: readonly string[];
  seed: number;
  mutations?: number;
  properties?: number;
  invariance?: number;
  /** Mutated cases carried through the store and the catalog (default 2,000). */
  throughStore?: number;
}

export function streamFuzz(t: Test, spec: StreamFuzzSpec): void {
  const mutations = spec.mutations ?? 8000;
  const properties = spec.properties ?? 2000;
  const invariance = spec.invariance ?? 500;

  t.test(`${spec.name}: ${mutations} seeded mutations of real fixtures, random chunks`, async (t) => {
    const tally = newTally();
    mutationCampaign(spec.fixtures, mutations, spec.seed, (b, r, where) => runStream(spec.make, chunk(r, b), tally, where));
    t.equal(tally.cases, mutations);
    t.same(tally.violations.slice(0, 5), [], 'no throw, only schema-valid samples and known-kind errors');
    t.ok(tally.samples > mutations / 10, `mutated inputs still yield samples (${tally.samples})`);
    t.ok(Object.keys(tally.errors).length >= 2, `errors of several kinds were produced: ${JSON.stringify(tally.errors)}`);
  });

  t.test(`${spec.name}: ${properties} fast-check inputs`, async (t) => {
    const tally = newTally();
    fc.assert(
      fc.property(inputArbitrary(spec.tokens), cutsArbitrary, (b, cuts) => {
        const before = tally.violations.length;
        runStream(spec.make, cutAt(b, cuts), tally, 'fast-check');
        return tally.violations.length === before;
      }),
      { numRuns: properties, seed: spec.seed },
    );
    t.equal(tally.cases, properties);
    t.same(tally.violations.slice(0, 5), []);
  });

  throughStoreFuzz(t, spec);

  t.test(`${spec.name}: ${invariance} chunking-invariance cases on the real fixtures`, async (t) => {
    const r = rng(spec.seed ^ 0x5eed);
    const whole = new Map(spec.fixtures.map((f) => {
      const p = spec.make();
      return [f.name, [...p.push(f.bytes), ...p.end()]] as const;
    }));
    let differ = 0;
    let first = '';
    for (let i = 0; i < invariance; i++) {
      const f = spec.fixtures[i % spec.fixtures.length]!;
      const p = spec.make();
      const got = [];
      const cuts = Array.from({ length: 1 + Math.floor(r() * 12) }, () => r());
      for (const c of cutAt(f.bytes, cuts)) got.push(...p.push(c));
      got.push(...p.end());
      if (JSON.stringify(got) !== JSON.stringify(whole.get(f.name))) {
        differ++;
        first ||= `${f.name} cuts ${JSON.stringify(cuts)}`;
      }
    }
    t.equal(differ, 0, `same results whatever the chunking${first ? `; first: ${first}` : ''}`);
  });
}

/**
 * Part 4 on its own (also used by parsers that are not streams, such as the SMC dump): mutated real
 * fixtures parsed, then carried through the agent's real store and the catalog.
 */
export function throughStoreFuzz(t: Test, spec: Pick<StreamFuzzSpec, 'name' | 'make' | 'fixtures' | 'seed' | 'throughStore'>): void {
  const throughStore = spec.throughStore ?? 2000;
  t.test(`${spec.name}: ${throughStore} mutations through the store and the catalog`, async (t) => {
    const m = moduleOf(spec.name)!;
    const entries = CATALOG.filter((e) => e.source === spec.name);
    let accepted = 0;
    let refusedOrPruned = 0;
    const violations: string[] = [];
    mutationCampaign(spec.fixtures, throughStore, spec.seed ^ 0x570e, (b, r, where) => {
      const health = new Health();
      const store = new Store({ health, filters: [createPlausibilityFilter()] });
      const totals = new Accumulator(CATALOG);
      const kept: BaseSample[] = [];
      store.onSample((source, sample) => {
        kept.push(sample);
        totals.add(source, sample);
      });
      const sink = store.register({ name: spec.name, intervalMs: 1000 }, checkOf(m));
      const p = spec.make();
      let samplesIn = 0;
      const feed = (xs: ReturnType<typeof p.end>): void => {
        for (const x of xs) {
          if (x.type !== 'error') samplesIn++;
          sink.result(x);
        }
      };
      for (const c of chunk(r, b)) feed(p.push(c));
      feed(p.end());
      const counted = [...(health.sources.get(spec.name)?.dropped.values() ?? [])].reduce((a, n) => a + n, 0);
      for (const k of kept) {
        const v = m.sample.safeParse(k);
        if (!v.success) violations.push(`${where}: the store accepted a schema-invalid sample: ${v.error.message.slice(0, 200)}`);
      }
      const lost = samplesIn - kept.length;
      if (lost > 0 && counted === 0) violations.push(`${where}: ${lost} sample(s) refused by the store without a count`);
      if (lost > 0 || counted > 0) refusedOrPruned++;
      accepted += kept.length;
      const latest = kept.at(-1);
      for (const e of entries)
        for (const pt of pointsOf(e, { latest: (s) => (s === spec.name ? latest : undefined), health, totals }))
          if (typeof pt.value !== 'number' || !Number.isFinite(pt.value)) violations.push(`${where}: ${e.name} exported ${String(pt.value)}`);
    });
    t.same(violations.slice(0, 5), [], 'accepted samples valid, every refusal counted, every point finite');
    t.ok(accepted > throughStore / 10, `samples reached the catalog (${accepted}; ${refusedOrPruned} cases had values dropped and counted)`);
  });

}
