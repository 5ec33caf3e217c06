import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { createIostatParser } from '../../../src/modules/iostat/parser.ts';
import { parseAll } from '../../../src/parsers/parser.ts';
import type { IostatSample } from '../../../src/modules/iostat/sample.ts';
import type { ParseError } from '../../../src/samples.ts';
import { IostatSample as IostatSchema } from '../../../src/modules/iostat/sample.ts';
import { ParseError as ParseErrorSchema } from '../../../src/samples.ts';
import { errorsOf, pushChunked, rng, samplesOf } from '../../helpers/chunks.ts';

const DIR = new URL('../../../fixtures/iostat/', import.meta.url);
const SYN = new URL('../../../fixtures/synthetic/iostat/', import.meta.url);
const KIB = 1024;
const MIB = 1048576;

const read = (name: string, dir = DIR): Buffer => readFileSync(new URL(name, dir));
const parse = (input: string | Uint8Array, intervalS?: number): Array<IostatSample | ParseError> =>
  parseAll(createIostatParser(intervalS === undefined ? {} : { intervalS }), input);

const parseChunked = (bytes: Uint8Array, seed: number, intervalS?: number): Array<IostatSample | ParseError> =>
  pushChunked(createIostatParser(intervalS === undefined ? {} : { intervalS }), bytes, seed, 40);

const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.txt'));

t.test('every real capture parses without error, one sample per data row', async (t) => {
  t.equal(FIXTURES.length, 8);
  for (const f of FIXTURES) {
    const text = read(f).toString('utf8');
    const dataRows = text.split('\n').filter((l) => /^\s*\d/.test(l)).length;
    const r = parse(text, 2);
    t.same(errorsOf(r), [], `${f}: no errors`);
    const s = samplesOf(r);
    t.equal(s.length, dataRows, `${f}: ${dataRows} samples`);
    t.equal(s[0]!.sinceBoot, true, `${f}: first row is since boot`);
    t.equal(s[0]!.intervalS, undefined, `${f}: since-boot row carries no interval`);
    for (const x of s.slice(1)) {
      t.equal(x.sinceBoot, false);
      t.equal(x.intervalS, 2);
    }
    for (const x of r) t.ok(IostatSchema.safeParse(x).success, `${f}: matches the schema`);
  }
});

t.test('pr513 (`iostat 1 5`): three disks with cpu and load columns', async (t) => {
  const s = samplesOf(parse(read('apple-silicon-iostat-1-5-3disks-inno-pr513.txt')));
  t.equal(s.length, 5);
  t.same(
    s[0]!.disks.map((d) => d.device),
    ['disk0', 'disk4', 'disk5'],
  );
  // row 1: 22.31 129 2.81 | 207.30 0 0.00 | 405.92 0 0.00 | 16 8 76 | 4.28 3.87 3.28
  t.equal(s[0]!.sinceBoot, true);
  t.equal(s[0]!.disks[1]!.bytesPerTransfer, 207.3 * KIB);
  t.equal(s[0]!.disks[2]!.bytesPerTransfer, 405.92 * KIB);
  // row 5: 35.02 296 10.11 ... 7 4 89 4.10 3.84 3.27
  const r5 = s[4]!;
  t.equal(r5.sinceBoot, false);
  t.same(r5.disks[0], { device: 'disk0', bytesPerTransfer: 35.02 * KIB, transfersPerS: 296, bytesPerS: 10.11 * MIB });
  t.same(r5.disks[2], { device: 'disk5', bytesPerTransfer: 0, transfersPerS: 0, bytesPerS: 0 });
  t.same(r5.cpu, { userRatio: 0.07, systemRatio: 0.04, idleRatio: 0.89 });
  t.same(r5.loadAverage, { m1: 4.1, m5: 3.84, m15: 3.27 });
});

t.test('one-shot capture with load averages over 10 (columns shifted)', async (t) => {
  const r = parse(read('apple-silicon-iostat-oneshot-2disks-load-over-10-inno-sum25.txt'));
  t.same(errorsOf(r), []);
  const [s] = samplesOf(r);
  t.equal(s!.sinceBoot, true);
  t.same(s!.disks, [
    { device: 'disk0', bytesPerTransfer: 20.54 * KIB, transfersPerS: 185, bytesPerS: 3.72 * MIB },
    { device: 'disk5', bytesPerTransfer: 854.39 * KIB, transfersPerS: 0, bytesPerS: 0 },
  ]);
  t.same(s!.cpu, { userRatio: 0.08, systemRatio: 0.06, idleRatio: 0.86 });
  t.same(s!.loadAverage, { m1: 16.78, m5: 11.96, m15: 9.14 });
});

t.test('`-d` captures have no cpu or load groups; trailing spaces are harmless', async (t) => {
  const s = samplesOf(parse(read('apple-silicon-24gb-iostat-d-w2-c5-disk0-disk4-inno-pr114.txt')));
  t.equal(s.length, 5);
  t.same(s[0]!.disks, [
    { device: 'disk0', bytesPerTransfer: 13.74 * KIB, transfersPerS: 40, bytesPerS: 0.53 * MIB },
    { device: 'disk4', bytesPerTransfer: 1342.92 * KIB, transfersPerS: 0, bytesPerS: 0 },
  ]);
  t.equal(s[0]!.cpu, undefined);
  t.equal(s[0]!.loadAverage, undefined);
  t.same(s[4]!.disks[0], { device: 'disk0', bytesPerTransfer: 12.15 * KIB, transfersPerS: 13, bytesPerS: 0.15 * MIB });

  const one = samplesOf(parse(read('apple-silicon-iostat-d-w2-c5-disk0-inno-pr110.txt')));
  t.same(
    one.map((x) => x.disks[0]!.transfersPerS),
    [101, 1, 194, 22, 57],
  );
});

t.test('pr878: four-digit tps and the 5-minute load above the 1-minute', async (t) => {
  const s = samplesOf(parse(read('apple-silicon-iostat-w1-c5-disk0-cpu-load-inno-pr878.txt')));
  t.same(s[0]!.disks[0], { device: 'disk0', bytesPerTransfer: 21.85 * KIB, transfersPerS: 1180, bytesPerS: 25.18 * MIB });
  t.same(s[0]!.cpu, { userRatio: 0.21, systemRatio: 0.09, idleRatio: 0.71 });
  t.same(s[0]!.loadAverage, { m1: 2.2, m5: 9.68, m15: 8.37 });
});

t.test('streaming: random chunk sizes give the same results as one push', async (t) => {
  const all = [...FIXTURES.map((f) => read(f)), read('header-reprints-and-disk-changes.txt', SYN)];
  for (const [i, bytes] of all.entries()) {
    const whole = parse(bytes, 1);
    for (const seed of [1, 42, 1000 + i]) t.same(parseChunked(bytes, seed, 1), whole, `input ${i} seed ${seed}`);
  }
  // a multi-byte UTF-8 character split across chunks is decoded, not mangled
  const junk = new TextEncoder().encode('              disk0 \n    KB/t  tps  MB/s \n   11.04  101  1.09 \n€€€ ünïcode\n    8.00    1  0.01 \n');
  t.same(parseChunked(junk, 7), parse(junk));
});

t.test('header reprints and disk changes (SYNTHETIC, fixtures/synthetic/iostat)', async (t) => {
  const r = parse(read('header-reprints-and-disk-changes.txt', SYN), 1);
  t.same(errorsOf(r), []);
  const s = samplesOf(r);
  t.equal(s.length, 26);
  // Only the very first row is since boot; the reprints (same disks, or a changed set) do not reset it.
  t.same(
    s.map((x) => x.sinceBoot),
    [true, ...Array(25).fill(false)],
  );
  t.same(s[20]!.disks.map((d) => [d.device, d.bytesPerTransfer, d.appeared]), [
    ['disk0', 4 * KIB, undefined],
    ['disk4', 0, undefined],
    ['disk5', 0, undefined],
  ]);
  // disk5 vanished: two disks per row
  t.same(
    s[22]!.disks.map((d) => d.device),
    ['disk0', 'disk4'],
  );
  t.equal(s[22]!.disks[0]!.transfersPerS, 4);
  // disk6 appeared: flagged on its first row only
  t.same(s[24]!.disks[2], { device: 'disk6', bytesPerTransfer: 512 * KIB, transfersPerS: 40, bytesPerS: 20 * MIB, appeared: true });
  t.equal(s[24]!.disks[0]!.appeared, undefined);
  t.same(s[25]!.disks[2], { device: 'disk6', bytesPerTransfer: 256 * KIB, transfersPerS: 2, bytesPerS: 0.5 * MIB });
  t.same(s[25]!.cpu, { userRatio: 1, systemRatio: 0, idleRatio: 0 });
  t.same(s[25]!.loadAverage, { m1: 12.1, m5: 10.2, m15: 9.3 });
});

t.test('bad input gives typed errors, never a throw, and good rows survive', async (t) => {
  const real = read('apple-silicon-iostat-1-5-3disks-inno-pr513.txt').toString('utf8');
  const lines = real.split('\n');
  const checkErrors = (r: Array<IostatSample | ParseError>): void => {
    for (const e of errorsOf(r)) t.ok(ParseErrorSchema.safeParse(e).success, `error is typed: ${e.kind}`);
  };

  t.test('empty input', async (t) => {
    const r = parse('');
    t.same(r, [{ type: 'error', source: 'iostat', kind: 'empty', message: 'no iostat output' }]);
    t.same(errorsOf(parse('\n\n  \n')).map((e) => e.kind), ['empty']);
  });

  t.test('header with no rows', async (t) => {
    const r = parse(lines.slice(0, 2).join('\n') + '\n');
    t.same(r.map((x) => x.type === 'error' && x.kind), ['empty']);
  });

  t.test('a row with missing columns, then a good row', async (t) => {
    const cut = lines[4]!.replace(/\s+\S+$/, ''); // drop the last field of row 3
    const r = parse([lines[0], lines[1], lines[2], lines[3], cut, lines[5], ''].join('\n'));
    checkErrors(r);
    t.same(
      r.map((x) => (x.type === 'error' ? `${x.kind}@${x.line}` : x.sinceBoot)),
      [true, false, 'missing_field@5', false],
    );
    t.equal(samplesOf(r)[2]!.disks[0]!.bytesPerTransfer, 26 * KIB);
  });

  t.test('extra columns, negative and non-numeric values', async (t) => {
    const r = parse([lines[0], lines[1], lines[2] + ' 9.99', lines[3]!.replace('0.00', '-1.00'), '   1.00 x 2.00', lines[4], ''].join('\n'));
    checkErrors(r);
    t.same(
      r.map((x) => (x.type === 'error' ? `${x.kind}@${x.line}` : x.sinceBoot)),
      ['malformed@3', 'invalid_value@4', 'malformed@5', false],
    );
  });

  t.test('garbage lines between good rows', async (t) => {
    const r = parse([lines[0], lines[1], lines[2], 'hello world', 'Segmentation fault: 11', lines[3], ''].join('\n'));
    checkErrors(r);
    t.same(
      r.map((x) => (x.type === 'error' ? `${x.kind}@${x.line}` : x.sinceBoot)),
      [true, 'malformed@4', 'malformed@5', false],
    );
  });

  t.test('a garbage line left pending is reported at end', async (t) => {
    const r = parse([lines[0], lines[1], lines[2], 'goodbye'].join('\n'));
    t.same(
      r.map((x) => (x.type === 'error' ? `${x.kind}@${x.line}` : x.sinceBoot)),
      [true, 'malformed@4'],
    );
  });

  t.test('binary junk', async (t) => {
    const junk = new Uint8Array(4096);
    const next = rng(99);
    for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(next() * 256);
    const r = parse(junk);
    checkErrors(r);
    t.ok(r.length > 0);
    t.same(samplesOf(r), []);
    // junk, then a real capture: the real rows still parse
    const mixed = Buffer.concat([junk, Buffer.from('\n'), read('apple-silicon-iostat-w1-disk0-aimpugn.txt')]);
    const s = samplesOf(parse(mixed));
    t.equal(s.length, 6);
    t.same(s[5]!.disks[0], { device: 'disk0', bytesPerTransfer: 17 * KIB, transfersPerS: 8, bytesPerS: 0.13 * MIB });
  });

  t.test('a line longer than 64 KiB is dropped with one error, chunked or not', async (t) => {
    const long = Buffer.from([lines[0], lines[1], 'x'.repeat(70_000), lines[2], ''].join('\n'));
    const r = parse(long);
    t.same(
      r.map((x) => (x.type === 'error' ? `${x.kind}@${x.line}` : x.sinceBoot)),
      ['malformed@3', true],
    );
    t.same(parseChunked(long, 3), r);
  });

  t.test('rows before any header, and unsupported layouts', async (t) => {
    t.same(
      parse(lines[2] + '\n').map((x) => x.type === 'error' && x.kind),
      ['unknown_layout'],
    );
    // `iostat -I`: totals (KB/t xfrs MB) are not rates
    const totals = '              disk0 \n    KB/t xfrs   MB \n   11.04  101  1.09 \n';
    t.same(
      parse(totals).map((x) => x.type === 'error' && x.kind),
      ['unknown_layout', 'unknown_layout'],
    );
    // a units line with no device-name line above it, then rows: one error per line, no guess
    t.same(
      parse(lines.slice(1, 3).join('\n') + '\n').map((x) => x.type === 'error' && `${x.kind}@${x.line}`),
      ['missing_field@1', 'unknown_layout@2'],
    );
    // names and units disagree
    const mismatch = `${lines[0]}\n    KB/t  tps  MB/s  us sy id   1m   5m   15m\n   11.04  101  1.09   7  4 89  4.28 3.87 3.28\n`;
    t.same(
      parse(mismatch).map((x) => x.type === 'error' && x.kind),
      ['unknown_layout', 'unknown_layout'],
    );
  });
});
