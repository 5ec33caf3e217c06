/**
 * The standard fuzz suite for one stream parser: ≥ 10,000 cases in three parts, all seeded.
 *  1. 8,000 seeded mutations of the real (and synthetic) fixtures, fed in random chunks;
 *  2. 2,000 fast-check inputs (random text/bytes, lines of format-looking tokens), cut anywhere;
 *  3. 500 chunking-invariance cases on the unmutated fixtures: random byte chunking gives exactly
 *     the results of feeding the whole input at once.
 */
import type { Test } from 'tap';
import fc from 'fast-check';
import type { StreamParser } from '../../src/parsers/parser.ts';
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
