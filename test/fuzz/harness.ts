/**
 * Fuzz harness shared by test/fuzz/*.test.ts: a seeded PRNG, mutations of real fixtures, random
 * chunked feeding, and the one invariant every parser must keep on any input:
 *   - it never throws (push/end return normally);
 *   - every result is a schema-valid Sample, or a ParseError with a known kind;
 *   - no result comes from the `safely` safety net (a "parser exception" error means the parser
 *     threw inside and was rescued: typed, but a bug);
 *   - it terminates (the loop completing is the proof; tap's timeout catches a hang).
 * Not a test file itself (tap runs only *.test.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { moduleOf } from '../../src/registry.ts';
import { PARSE_ERROR_KINDS, ParseError } from '../../src/samples.ts';
import type { StreamParser } from '../../src/parsers/parser.ts';
import { rng } from '../helpers/chunks.ts';

export const KNOWN_KINDS: ReadonlySet<string> = new Set(PARSE_ERROR_KINDS);

/** mulberry32, shared with the parser tests. */
export { rng };

export type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

export function loadFixtures(dir: string, filter: (name: string) => boolean = () => true): Array<{ name: string; bytes: Buffer }> {
  return readdirSync(dir)
    .filter(filter)
    .sort()
    .map((name) => ({ name, bytes: readFileSync(`${dir}/${name}`) }));
}

const EXTREMES = [
  '-1', '0', '-0', '1e309', '-1e309', 'NaN', 'Infinity', '1e-400', '99999999999999999999999', '4294967296',
  '9007199254740993', '0x10', '1.2.3', '', ' ', '12abc', '-', '.', '1e', '٣', '１２',
];
const JUNK = [
  '\u0000', '\uFFFD', '\uD800', '\uDFFF', '\u202E', '😀', 'é', '\r', '\r\n', '\t', '<', '>', '&', ']]>',
  '<?xml version="1.0"?>', '</plist>', '<dict>', '</dict>', '<key>', '<array/>', '<!--', '-->', ':', '=',
  '(bytes ', '  [flt ]  ', 'Pages free:', 'disk0', 'KB/t', '"',
];

function lines(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let s = 0;
  for (let i = 0; i < b.length; i++) if (b[i] === 10) { out.push(b.subarray(s, i + 1)); s = i + 1; }
  if (s < b.length) out.push(b.subarray(s));
  return out;
}

/** One random mutation of `b` (never modifies `b`). `other` gives splice material from a sibling fixture. */
export function mutate(r: Rand, b: Buffer, other: Buffer): Buffer {
  const at = () => int(r, b.length + 1);
  switch (int(r, 11)) {
    case 0: { // bit flips
      const c = Buffer.from(b);
      for (let k = 1 + int(r, 8); k > 0 && c.length; k--) c[int(r, c.length)]! ^= 1 << int(r, 8);
      return c;
    }
    case 1: // truncate
      return b.subarray(0, at());
    case 2: { // duplicate a line
      const ls = lines(b);
      if (!ls.length) return b;
      const i = int(r, ls.length);
      ls.splice(i, 0, ls[i]!);
      return Buffer.concat(ls);
    }
    case 3: { // remove lines
      const ls = lines(b);
      for (let k = 1 + int(r, 3); k > 0 && ls.length; k--) ls.splice(int(r, ls.length), 1);
      return Buffer.concat(ls);
    }
    case 4: { // swap two lines
      const ls = lines(b);
      if (ls.length < 2) return b;
      const i = int(r, ls.length), j = int(r, ls.length);
      [ls[i], ls[j]] = [ls[j]!, ls[i]!];
      return Buffer.concat(ls);
    }
    case 5: { // insert random binary
      const n = 1 + int(r, 64);
      const junk = Buffer.alloc(n);
      for (let i = 0; i < n; i++) junk[i] = int(r, 256);
      const p = at();
      return Buffer.concat([b.subarray(0, p), junk, b.subarray(p)]);
    }
    case 6: { // insert unicode / format-significant junk
      const p = at();
      return Buffer.concat([b.subarray(0, p), Buffer.from(pick(r, JUNK).repeat(1 + int(r, 3))), b.subarray(p)]);
    }
    case 7: { // replace a number with an extreme
      const s = b.toString('latin1');
      const nums = [...s.matchAll(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi)];
      if (!nums.length) return b;
      const m = pick(r, nums);
      return Buffer.from(s.slice(0, m.index) + pick(r, EXTREMES) + s.slice(m.index! + m[0].length), 'latin1');
    }
    case 8: { // splice a piece of a sibling fixture
      const o = int(r, other.length + 1);
      const piece = other.subarray(o, o + int(r, 2048));
      const p = at();
      return Buffer.concat([b.subarray(0, p), piece, b.subarray(p)]);
    }
    case 9: // repeat
      return Buffer.concat([b, b.subarray(0, at())]);
    default: { // delete a range
      const p = at();
      return Buffer.concat([b.subarray(0, p), b.subarray(Math.min(b.length, p + 1 + int(r, 256)))]);
    }
  }
}

/** Split into random chunks (sometimes one, sometimes tiny ones; sometimes strings instead of bytes). */
export function chunk(r: Rand, b: Buffer): Array<Uint8Array | string> {
  const mode = int(r, 4);
  if (mode === 0 || b.length === 0) return [b];
  const max = mode === 1 ? 1 + int(r, 8) : 1 + int(r, Math.max(1, b.length));
  // At most ~256 chunks, so big documents stay fast; small inputs still get byte-sized chunks.
  const min = Math.ceil(b.length / 256);
  const out: Array<Uint8Array | string> = [];
  for (let i = 0; i < b.length; ) {
    const n = Math.max(min, 1 + int(r, max));
    const piece = b.subarray(i, i + n);
    out.push(mode === 3 ? piece.toString('utf8') : piece);
    i += n;
  }
  return out;
}

export interface Tally {
  cases: number;
  samples: number;
  errors: Record<string, number>;
  /** Invariant violations, with a short description of the first few. */
  violations: string[];
}

export function newTally(): Tally {
  return { cases: 0, samples: 0, errors: {}, violations: [] };
}

/** Check one result against the invariant. */
export function checkResult(x: unknown, tally: Tally, where: string): void {
  const rec = x as { type?: unknown };
  if (rec && rec.type === 'error') {
    const e = ParseError.safeParse(x);
    const kind = (x as { kind?: string }).kind ?? '?';
    if (!e.success || !KNOWN_KINDS.has(kind)) tally.violations.push(`${where}: bad ParseError ${JSON.stringify(x).slice(0, 200)}`);
    else if (String((x as { message: string }).message).startsWith('parser exception'))
      tally.violations.push(`${where}: parser threw inside (rescued by safely): ${(x as { message: string }).message.slice(0, 200)}`);
    tally.errors[kind] = (tally.errors[kind] ?? 0) + 1;
    return;
  }
  const schema = moduleOf(String(rec?.type))?.sample;
  if (!schema) {
    tally.violations.push(`${where}: a sample of no known source: ${JSON.stringify(x).slice(0, 200)}`);
    return;
  }
  const s = schema.safeParse(x);
  if (!s.success) tally.violations.push(`${where}: schema-invalid sample: ${s.error.message.slice(0, 300)}`);
  else tally.samples++;
}

/** Feed chunks through a fresh stream parser and check every result; exceptions are violations. */
export function runStream(make: () => StreamParser, chunks: Array<Uint8Array | string>, tally: Tally, where: string): void {
  tally.cases++;
  try {
    const p = make();
    for (const c of chunks) for (const x of p.push(c)) checkResult(x, tally, where);
    for (const x of p.end()) checkResult(x, tally, where);
  } catch (err) {
    tally.violations.push(`${where}: threw ${(err as Error)?.stack ?? String(err)}`.slice(0, 400));
  }
}

/**
 * The seeded-mutation campaign: `cases` inputs, each 1–3 mutations of a random fixture, fed in
 * random chunks. Deterministic for a seed, so any failure replays.
 */
export function mutationCampaign(
  fixtures: Array<{ name: string; bytes: Buffer }>,
  cases: number,
  seed: number,
  feed: (input: Buffer, r: Rand, where: string) => void,
): void {
  const r = rng(seed);
  for (let i = 0; i < cases; i++) {
    const f = pick(r, fixtures);
    const o = pick(r, fixtures);
    let b = f.bytes;
    for (let k = 1 + int(r, 3); k > 0; k--) b = mutate(r, b, o.bytes);
    feed(b, r, `seed ${seed} case ${i} (${f.name})`);
  }
}

/** fast-check input: arbitrary text, arbitrary bytes, or lines built from format-looking tokens. */
export function inputArbitrary(tokens: readonly string[]): fc.Arbitrary<Buffer> {
  const token = fc.oneof(
    fc.constantFrom(...tokens),
    fc.constantFrom(...EXTREMES),
    fc.constantFrom(...JUNK),
    fc.integer().map(String),
    fc.double().map(String),
    fc.string({ maxLength: 12 }),
  );
  const line = fc.array(token, { maxLength: 12 }).map((ts) => ts.join(' '));
  return fc.oneof(
    fc.string({ maxLength: 400, unit: 'binary' }).map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 400 }).map((u) => Buffer.from(u)),
    fc.array(line, { maxLength: 30 }).map((ls) => Buffer.from(ls.join('\n'))),
    fc.array(line, { maxLength: 30 }).map((ls) => Buffer.from(ls.join('\n') + '\n')),
  );
}

/** Chunk boundaries for fast-check cases: cut points as fractions of the input. */
export const cutsArbitrary = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });

export function cutAt(b: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * b.length)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let s = 0;
  for (const p of points) { out.push(b.subarray(s, p)); s = p; }
  out.push(b.subarray(s));
  return out;
}
