/**
 * Test helpers for the parser tests: a seeded PRNG, feeding a stream parser in random chunks, and
 * splitting results into samples, errors and kinds. Not a test file (tap runs only *.test.ts).
 */
import type { StreamParser } from '../../src/parsers/parser.ts';
import type { ParseError, BaseSample as Sample } from '../../src/samples.ts';

/** mulberry32: a tiny seeded PRNG so random chunk boundaries are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Push `bytes` into `parser` in chunks of 1..`maxChunk` bytes drawn from `seed`, then end it. */
export function pushChunked<S extends Sample>(
  parser: StreamParser<S>,
  bytes: Uint8Array,
  seed: number,
  maxChunk: number,
): Array<S | ParseError> {
  const next = rng(seed);
  const out: Array<S | ParseError> = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(next() * maxChunk);
    out.push(...parser.push(bytes.subarray(i, i + n)));
    i += n;
  }
  out.push(...parser.end());
  return out;
}

export const samplesOf = <S extends Sample>(r: Array<S | ParseError>): S[] => r.filter((x): x is S => x.type !== 'error');
export const errorsOf = <S extends Sample>(r: Array<S | ParseError>): ParseError[] =>
  r.filter((x): x is ParseError => x.type === 'error');
/** `sample`, or the error kind with `@line` when the error names a line. */
export const kinds = <S extends Sample>(r: Array<S | ParseError>): string[] =>
  r.map((x) => {
    if (x.type !== 'error') return 'sample';
    const e = x as ParseError;
    return `${e.kind}${e.line ? '@' + e.line : ''}`;
  });
