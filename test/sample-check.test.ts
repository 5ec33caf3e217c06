/**
 * The compiled sample predicate (src/sample-check.ts) against zod itself, on every module's
 * samples from the real replay captures (fixtures/replay/*) and the SYNTHETIC replay folders (the only
 * host, gpu and disks samples), and on mutations of them. The predicate's "valid" must imply zod's
 * success (else an impossible value would pass the store's door); here it also agrees with zod's
 * refusals, so the store asks zod only for the samples zod refuses.
 */
import t from 'tap';
import { join } from 'node:path';
import { compileCheck } from '../src/sample-check.ts';
import { schemaCheck } from '../src/modules/module.ts';
import type { AnyModule } from '../src/modules/module.ts';
import { MODULES, checkOf } from '../src/registry.ts';
import { readCapture, replayFolders } from './export/capture.ts';
import { rng } from './helpers/chunks.ts';

const SYNTHETIC = new URL('../fixtures/synthetic/replay/', import.meta.url).pathname;
const folders = [...replayFolders(), join(SYNTHETIC, 'fans-and-pressure'), join(SYNTHETIC, 'thermal-heavy-fan-stopped')];

const samples = new Map<string, unknown[]>();
for (const dir of folders)
  for (const [name, results] of Object.entries(readCapture(dir)))
    for (const r of results ?? []) if (r.type !== 'error') samples.set(name, [...(samples.get(name) ?? []), r]);

/** Every container and its keys in a sample: the places a mutation can hit. */
function places(v: unknown, out: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = []) {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push({ parent: v, key: i }), places(x, out)));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push({ parent: v as Record<string, unknown>, key: k });
      places(x, out);
    }
  return out;
}

const REPLACEMENTS: unknown[] = [NaN, Infinity, -Infinity, -1, -0.5, 0.5, 1.5, 0, 1, 255, 256, 1e300, 2 ** 53 + 2, -(2 ** 53) - 2, '', 'x', 'disk1', 'abcd', 'abc', 'en0', null, undefined, true, false, [], {}, [1], { a: 1 }, 'general', 'used', 'rw', 'stale', 'smc'];

t.test('every module schema compiles (each source takes the fast path)', async (t) => {
  for (const m of MODULES as readonly AnyModule[]) t.ok(compileCheck(m.sample), `${m.name}: compiled`);
});

t.test('every module has real or synthetic samples here', async (t) => {
  for (const m of MODULES as readonly AnyModule[]) t.ok((samples.get(m.name)?.length ?? 0) > 0, `${m.name}: ${samples.get(m.name)?.length ?? 0} samples`);
});

t.test('every sample from the captures is certainly valid, as zod says', async (t) => {
  for (const m of MODULES as readonly AnyModule[]) {
    const fast = compileCheck(m.sample)!;
    for (const s of samples.get(m.name) ?? []) {
      t.equal(m.sample.safeParse(s).success, true, `${m.name}: zod accepts it`);
      t.equal(fast(s), true, `${m.name}: the predicate accepts it`);
    }
  }
});

t.test('mutations: the predicate agrees with zod (never valid where zod refuses)', async (t) => {
  const random = rng(0x5111c0);
  let refused = 0;
  let accepted = 0;
  for (const m of MODULES as readonly AnyModule[]) {
    const fast = compileCheck(m.sample)!;
    const list = samples.get(m.name) ?? [];
    let disagree = 0;
    for (let n = 0; n < 1500; n++) {
      const s = structuredClone(list[n % list.length]) as Record<string, unknown>;
      const where = places(s);
      const hits = 1 + Math.floor(random() * 2);
      for (let h = 0; h < hits && where.length > 0; h++) {
        const p = where[Math.floor(random() * where.length)]!;
        const roll = random();
        if (roll < 0.1 && !Array.isArray(p.parent)) delete (p.parent as Record<string, unknown>)[p.key as string];
        else if (roll < 0.15 && !Array.isArray(p.parent)) (p.parent as Record<string, unknown>)[`extra${n}`] = REPLACEMENTS[n % REPLACEMENTS.length];
        else (p.parent as Record<string | number, unknown>)[p.key] = REPLACEMENTS[Math.floor(random() * REPLACEMENTS.length)];
      }
      if (random() < 0.05) (s as { type: unknown }).type = 'other';
      const z = m.sample.safeParse(s).success;
      const f = fast(s);
      if (z) accepted++;
      else refused++;
      if (f && !z) t.fail(`${m.name}: the predicate accepts what zod refuses: ${JSON.stringify(s).slice(0, 300)}`);
      if (f !== z) disagree++;
    }
    t.equal(disagree, 0, `${m.name}: 1500 mutated samples, the same verdict as zod`);
  }
  t.ok(refused > 1000 && accepted > 1000, `both verdicts exercised (${accepted} accepted, ${refused} refused)`);
});

t.test('the store check: certain samples pass without zod; refused ones carry zod\'s path and message', async (t) => {
  for (const m of MODULES as readonly AnyModule[]) {
    const check = checkOf(m);
    const s = structuredClone((samples.get(m.name) ?? [])[0]) as Record<string, unknown>;
    t.equal(check(s as never), undefined, `${m.name}: a real sample passes`);
  }
  const smc = (MODULES as readonly AnyModule[]).find((m) => m.name === 'smc')!;
  const bad = structuredClone(samples.get('smc')![0]) as { temperatures: Array<{ celsius: unknown }> };
  bad.temperatures[1]!.celsius = Infinity;
  t.same(schemaCheck(smc.sample)(bad), { path: ['temperatures', 1, 'celsius'], message: smc.sample.safeParse(bad).error!.issues[0]!.message });
});

t.test('what the compiler does not support falls back to zod', async (t) => {
  const { z } = await import('zod');
  t.equal(compileCheck(z.object({ a: z.number().multipleOf(2) })), undefined, 'multipleOf');
  t.equal(compileCheck(z.strictObject({ a: z.number() })), undefined, 'a strict object (catch-all)');
  t.equal(compileCheck(z.string().email()), undefined, 'a string format');
  t.equal(compileCheck(z.number().transform((x) => x * 2)), undefined, 'a transform');
  const refined = z.object({ a: z.number() }).refine((s) => s.a > 1);
  const p = compileCheck(refined)!;
  t.equal(p({ a: 2 }), true);
  t.equal(p({ a: 1 }), false, 'a refinement is applied');
  const throwing = schemaCheck(
    z.object({ a: z.number() }).refine(() => {
      throw new Error('boom');
    }),
  );
  t.throws(() => throwing({ a: 1 }), 'a refinement that throws reaches zod, which throws it (as before)');
});

t.test('a record with a symbol key or an own __proto__ is left to zod', async (t) => {
  const { z } = await import('zod');
  const schema = z.object({ values: z.record(z.string(), z.number()) });
  const p = compileCheck(schema)!;
  t.equal(p({ values: { a: 1, b: 2 } }), true);
  const withSymbol = { values: { a: 1, [Symbol('s')]: 2 } };
  t.equal(p(withSymbol), false, 'symbol key: not certain');
  t.equal(schemaCheck(schema)(withSymbol) === undefined, schema.safeParse(withSymbol).success, "zod's verdict");
  const proto = { values: JSON.parse('{"a": 1, "__proto__": "x"}') as Record<string, unknown> };
  t.equal(p(proto), false, 'own __proto__: not certain');
  t.equal(schemaCheck(schema)(proto) === undefined, schema.safeParse(proto).success, "zod's verdict");
  const hidden = { values: Object.defineProperty({ a: 1 }, 'b', { value: 'not a number', enumerable: false }) };
  t.equal(p(hidden), schema.safeParse(hidden).success, 'a non-enumerable key is skipped, as zod skips it');
});
