/**
 * Fuzz of the shared ioreg text parser and of the native facts converter, beyond the sources'
 * own fuzzing: neither ever throws, every problem has a known kind, values stay within bounds.
 */
import t from 'tap';
import fc from 'fast-check';
import { factsToEntries } from '../../src/parsers/iokit-facts.ts';
import { IOREG_LIMITS, parseIoreg, type IoregParse, type IoregValue } from '../../src/parsers/ioreg.ts';
import { inputArbitrary, KNOWN_KINDS, loadFixtures, mutationCampaign } from '../fuzz/harness.ts';

const fixtures = [...loadFixtures('fixtures/gpu'), ...loadFixtures('fixtures/disks')];

function depthOf(v: IoregValue, d = 0): number {
  if (Array.isArray(v)) return Math.max(d, ...v.map((x) => depthOf(x, d + 1)));
  if (typeof v === 'object' && !(v instanceof Uint8Array)) return Math.max(d, ...Object.values(v).map((x) => depthOf(x, d + 1)));
  return d;
}

function check(r: IoregParse, violations: string[], where: string): void {
  if (r.problems.length > IOREG_LIMITS.problems) violations.push(`${where}: ${r.problems.length} problems listed`);
  for (const p of r.problems) if (!KNOWN_KINDS.has(p.kind)) violations.push(`${where}: kind ${p.kind}`);
  if (r.entries.length > IOREG_LIMITS.entries) violations.push(`${where}: ${r.entries.length} entries`);
  for (const e of r.entries) {
    if (Object.getPrototypeOf(e.properties) !== null) violations.push(`${where}: properties with a prototype`);
    for (const v of Object.values(e.properties)) if (depthOf(v) > IOREG_LIMITS.nesting) violations.push(`${where}: nesting ${depthOf(v)}`);
  }
}

t.test('ioreg: 8000 seeded mutations of the real captures', async (t) => {
  const violations: string[] = [];
  let cases = 0;
  let entries = 0;
  mutationCampaign(fixtures, 8000, 0x61, (b, _r, where) => {
    cases++;
    try {
      const r = parseIoreg(b.toString('utf8'));
      entries += r.entries.length;
      check(r, violations, where);
    } catch (err) {
      violations.push(`${where}: threw ${(err as Error).message}`);
    }
  });
  t.equal(cases, 8000);
  t.same(violations.slice(0, 5), []);
  t.ok(entries > 8000, `entries survive mutation (${entries})`);
});

t.test('ioreg: 2000 fast-check inputs, including deep nesting', async (t) => {
  const violations: string[] = [];
  let cases = 0;
  const tokens = ['+-o X  <class Y, id 0x1>', '  | ', '{', '}', '"k" = ', '"k"=', '(', ')', '[', ']', '<', '>', '<"', ',', '18446744073709551616', 'Yes', '"\\"'];
  fc.assert(
    fc.property(fc.oneof(inputArbitrary(tokens), fc.integer({ min: 30, max: 20_000 }).map((n) => Buffer.from(`+-o X  <class Y>\n    "k" = ${'{"a"='.repeat(n)}1\n`))), (b) => {
      cases++;
      try {
        check(parseIoreg(b.toString('utf8')), violations, 'fast-check');
      } catch (err) {
        violations.push(`threw ${(err as Error).message}`);
      }
    }),
    { numRuns: 2000, seed: 0x62 },
  );
  t.equal(cases, 2000);
  t.same(violations.slice(0, 5), []);
});

t.test('facts converter: 10,000 arbitrary values never throw and keep the bounds', async (t) => {
  const violations: string[] = [];
  let cases = 0;
  let entries = 0;
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.bigInt(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.uint8Array({ maxLength: 8 }),
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(fc.string(), tie('v'), { maxKeys: 4 }),
    ),
  })).v;
  const entry = fc.record({ className: fc.oneof(fc.string(), fc.integer()), name: fc.string(), properties: fc.oneof(fc.dictionary(fc.string(), value, { maxKeys: 5 }), value), children: fc.option(fc.array(fc.anything(), { maxLength: 2 })) }, { requiredKeys: [] });
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.record({ ok: fc.boolean(), error: fc.anything(), entries: fc.array(entry, { maxLength: 4 }) })), (facts) => {
      cases++;
      try {
        const r = factsToEntries(facts);
        entries += r.entries.length;
        check(r, violations, 'facts');
      } catch (err) {
        violations.push(`threw ${(err as Error).message}`);
      }
    }),
    { numRuns: 10_000, seed: 0x63 },
  );
  // Nesting far past the limit, built without recursion.
  let deep: unknown = 1;
  for (let i = 0; i < 10_000; i++) deep = { k: deep };
  const r = factsToEntries({ ok: true, entries: [{ className: 'X', properties: { deep, fine: 2 } }] });
  t.equal(r.entries.length, 0);
  t.match(r.problems[0]!.message, /nested deeper than 32/);
  t.equal(cases, 10_000);
  t.same(violations.slice(0, 5), []);
  t.ok(entries > 100, `some entries convert (${entries})`);
});
