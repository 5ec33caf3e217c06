import t from 'tap';
import fc from 'fast-check';
import { parseSmcDump } from '../../../src/modules/smc/dump-format.ts';
import { SmcKey } from '../../../src/modules/smc/sample.ts';
import { checkResult, inputArbitrary, loadFixtures, mutationCampaign, newTally, type Tally } from '../../fuzz/harness.ts';
import { throughStoreFuzz } from '../../fuzz/stream-fuzz.ts';
import { moduleOf } from '../../../src/registry.ts';

// smc dump is a one-shot text (or JSON) format, not a stream: one call per input. The 96 KB full
// dump contributes its first 400 lines (real rows of every type) so the campaign stays fast.
const fixtures = loadFixtures('fixtures/smc').map((f) =>
  f.bytes.length > 50_000 ? { name: `${f.name}#400lines`, bytes: Buffer.from(f.bytes.toString('latin1').split('\n').slice(0, 400).join('\n') + '\n', 'latin1') } : f,
);

/** SmcKey's schema, checked by hand: zod per key (~400 keys × 10,000 inputs) would dominate the run. */
function validKey(k: { key: unknown; type: unknown; size: unknown; bytes: unknown; line: unknown }): boolean {
  return (
    typeof k.key === 'string' && k.key.length === 4 &&
    typeof k.type === 'string' && k.type.length === 4 &&
    Number.isInteger(k.size) && (k.size as number) >= 0 &&
    Array.isArray(k.bytes) && k.bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255) &&
    Number.isInteger(k.line)
  );
}

function run(input: Buffer | string, tally: Tally, where: string): void {
  tally.cases++;
  try {
    const r = parseSmcDump(input);
    for (const k of r.keys) {
      if (!validKey(k)) tally.violations.push(`${where}: bad key ${JSON.stringify(k)}`);
      else tally.samples++;
    }
    for (const e of r.errors) checkResult(e, tally, where);
  } catch (err) {
    tally.violations.push(`${where}: threw ${(err as Error)?.message}`);
  }
}

t.test('the hand check agrees with the SmcKey schema on real keys and on bad ones', async (t) => {
  const good = { key: 'TC0P', type: 'flt ', size: 4, bytes: [0, 0, 32, 66], line: 1 };
  const bad = [{ ...good, size: -1 }, { ...good, key: 'TC0' }, { ...good, bytes: [256] }, { ...good, size: 2.5 }];
  t.equal(validKey(good), SmcKey.safeParse(good).success);
  t.equal(validKey(good), true);
  for (const b of bad) t.equal(validKey(b), SmcKey.safeParse(b).success, JSON.stringify(b));
});

t.test('smc dump: 8000 seeded mutations of the real iSMC dumps', async (t) => {
  const tally = newTally();
  mutationCampaign(fixtures, 8000, 0x50, (b, r, where) => run(r() < 0.5 ? b : b.toString('utf8'), tally, where));
  t.equal(tally.cases, 8000);
  t.same(tally.violations.slice(0, 5), []);
  t.ok(tally.samples > 8000 * 10, `keys survive mutation (${tally.samples})`);
  t.ok(Object.keys(tally.errors).length >= 2, JSON.stringify(tally.errors));
});

t.test('smc dump: 1500 fast-check text inputs and 500 JSON inputs', async (t) => {
  const tally = newTally();
  fc.assert(
    fc.property(inputArbitrary(['TC0P', '[flt ]', '[ui8 ]', '(bytes', '00', 'ff', ')', 'TCMb', '  ', '42.5']), (b) => {
      const before = tally.violations.length;
      run(b, tally, 'fast-check text');
      return tally.violations.length === before;
    }),
    { numRuns: 1500, seed: 0x51 },
  );
  const keyish = fc.record(
    { key: fc.string({ maxLength: 5 }), type: fc.string({ maxLength: 5 }), size: fc.oneof(fc.integer(), fc.double()), bytes: fc.oneof(fc.array(fc.integer({ min: -2, max: 300 }), { maxLength: 40 }), fc.jsonValue()) },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(fc.oneof(fc.json(), fc.array(keyish, { maxLength: 8 }).map((a) => JSON.stringify(a))), (s) => {
      const before = tally.violations.length;
      run(s, tally, 'fast-check json');
      return tally.violations.length === before;
    }),
    { numRuns: 500, seed: 0x52 },
  );
  t.equal(tally.cases, 2000);
  t.same(tally.violations.slice(0, 5), []);
});

// the SMC module's parser (dump text → SmcSample with plausibility-filtered temperatures) through the store
throughStoreFuzz(t, { name: 'smc', make: () => moduleOf('smc')!.parser({}), fixtures, seed: 0x5c });
