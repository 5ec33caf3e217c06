import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { createVmStatParser, parseVmStat } from '../../../src/modules/vm_stat/parser.ts';
import { parseAll } from '../../../src/parsers/parser.ts';
import type { VmStatSample } from '../../../src/modules/vm_stat/sample.ts';
import type { ParseError } from '../../../src/samples.ts';
import { VmStatSample as VmStatSchema } from '../../../src/modules/vm_stat/sample.ts';
import { ParseError as ParseErrorSchema } from '../../../src/samples.ts';
import { errorsOf, kinds, pushChunked, rng, samplesOf } from '../../helpers/chunks.ts';

const DIR = new URL('../../../fixtures/vm_stat/', import.meta.url);
const SYN = new URL('../../../fixtures/synthetic/vm_stat/', import.meta.url);
const read = (name: string, dir = DIR): Buffer => readFileSync(new URL(name, dir));
const parse = (input: string | Uint8Array): Array<VmStatSample | ParseError> => parseAll(createVmStatParser(), input);

const parseChunked = (bytes: Uint8Array, seed: number): Array<VmStatSample | ParseError> =>
  pushChunked(createVmStatParser(), bytes, seed, 64);

const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.txt'));
const PAGE = 16384;

t.test('every real capture parses to one sample without error', async (t) => {
  t.equal(FIXTURES.length, 8);
  for (const f of FIXTURES) {
    const r = parse(read(f));
    t.same(kinds(r), ['sample'], f);
    const s = samplesOf(r)[0]!;
    t.ok(VmStatSchema.safeParse(s).success, `${f}: matches the schema`);
    t.equal(s.pageSizeBytes, PAGE, `${f}: 16 KiB pages`);
    t.equal(Object.keys(s.counters).length, 22, `${f}: 22 counters`);
    // the Activity Monitor breakdown adds up
    const d = s.derived!;
    t.ok(d, `${f}: Activity Monitor figures present`);
    t.equal(d.appBytes + d.wiredBytes + d.compressedBytes, d.usedBytes, `${f}: app+wired+compressed = used`);
    t.equal(d.freeBytes, s.bytes.free);
  }
});

t.test('mlx-memory-profiler capture (wide columns): values read by eye', async (t) => {
  const s = samplesOf(parse(read('apple-silicon-16k-oneshot-mlx-memory-profiler.txt')))[0]!;
  t.equal(s.pageSizeBytes, 16384);
  t.equal(s.counters['Pages free'], 26450);
  t.equal(s.bytes.free, 26450 * 16384);
  t.equal(s.counters['Translation faults'], 2867647168, 'quoted label, quotes stripped');
  t.equal(s.totals.faults, 2867647168);
  t.same(s.bytes, {
    free: 26450 * PAGE,
    active: 850962 * PAGE,
    inactive: 825913 * PAGE,
    speculative: 24144 * PAGE,
    throttled: 0,
    wired: 268246 * PAGE,
    purgeable: 138454 * PAGE,
    fileBacked: 414135 * PAGE,
    anonymous: 1286884 * PAGE,
    storedInCompressor: 1057198 * PAGE,
    occupiedByCompressor: 44642 * PAGE,
  });
  t.same(s.totals, {
    faults: 2867647168,
    copyOnWrite: 485858800,
    zeroFilled: 2513131034,
    reactivated: 188249216,
    purged: 122380463,
    decompressions: 317765678,
    compressions: 370311614,
    pageins: 78874554,
    pageouts: 1906331,
    swapins: 714859,
    swapouts: 1527838,
  });
  // used = (active + inactive + speculative + wired + occupied − purgeable − file-backed) × page
  const used = (850962 + 825913 + 24144 + 268246 + 44642 - 138454 - 414135) * PAGE;
  t.same(s.derived, {
    usedBytes: used,
    appBytes: used - 268246 * PAGE - 44642 * PAGE,
    wiredBytes: 268246 * PAGE,
    compressedBytes: 44642 * PAGE,
    cachedFilesBytes: (138454 + 414135) * PAGE,
    freeBytes: 26450 * PAGE,
  });
  t.equal(used, 23942234112, '≈ 22.3 GiB used');
});

t.test('pr110 capture: zero swap, narrow columns', async (t) => {
  const s = samplesOf(parse(read('apple-silicon-oneshot-inno-pr110.txt')))[0]!;
  t.equal(s.totals.swapins, 0);
  t.equal(s.totals.swapouts, 0);
  t.equal(s.totals.faults, 230707250);
  t.equal(s.bytes.occupiedByCompressor, 169877 * PAGE);
  t.equal(s.derived!.usedBytes, (333377 + 325900 + 5431 + 135602 + 169877 - 6383 - 247200) * PAGE);
  t.equal(s.derived!.cachedFilesBytes, (6383 + 247200) * PAGE);
});

t.test('streaming: random chunk sizes give the same result as one push', async (t) => {
  const all = [...FIXTURES.map((f) => read(f)), read('oneshot-pr357-plus-mte-lines.txt', SYN)];
  for (const [i, bytes] of all.entries()) {
    const whole = parse(bytes);
    for (const seed of [5, 77, 500 + i]) t.same(parseChunked(bytes, seed), whole, `input ${i} seed ${seed}`);
  }
  t.same(parseVmStat(read(FIXTURES[0]!).toString('utf8')), parse(read(FIXTURES[0]!)));
});

t.test('MTE lines (SYNTHETIC: real pr357 + the documented MTE labels) are kept as counters', async (t) => {
  const r = parse(read('oneshot-pr357-plus-mte-lines.txt', SYN));
  t.same(kinds(r), ['sample']);
  const s = samplesOf(r)[0]!;
  t.equal(Object.keys(s.counters).length, 29);
  t.equal(s.counters['Pages tagged'], 1200);
  t.equal(s.counters['Bytes of compressed tags'], 40960);
  t.equal(s.counters['Tagged decompressions'], 4000);
  // the real part is untouched: pr357 values
  t.equal(s.bytes.free, 9926 * PAGE);
  t.equal(s.derived!.usedBytes, (81196 + 73990 + 9558 + 135317 + 175907 - 5767 - 64165) * PAGE);
});

t.test('interval mode (SYNTHETIC) is refused, not misread', async (t) => {
  const r = parse(read('interval-mode-1s-2rows.txt', SYN));
  t.same(kinds(r), ['unknown_layout@2']);
});

t.test('two concatenated one-shot outputs give two samples', async (t) => {
  const a = read('apple-silicon-oneshot-inno-pr110.txt');
  const b = read('apple-silicon-24gb-oneshot-inno-pr50.txt');
  const s = samplesOf(parse(Buffer.concat([a, b])));
  t.same(
    s.map((x) => x.counters['Pages free']),
    [38763, 39656],
  );
});

t.test('bad input gives typed errors, never a throw', async (t) => {
  const real = read('apple-silicon-16k-oneshot-aimpugn.txt').toString('utf8');
  const lines = real.split('\n');
  const typed = (r: Array<VmStatSample | ParseError>): void => {
    for (const e of errorsOf(r)) t.ok(ParseErrorSchema.safeParse(e).success, `typed ${e.kind}`);
  };

  t.same(kinds(parse('')), ['empty']);
  t.same(kinds(parse(' \n\n')), ['empty']);

  // missing banner: an error, never a sample with a guessed page size
  const noBanner = parse(lines.slice(1).join('\n'));
  typed(noBanner);
  t.same(kinds(noBanner), ['missing_field@1']);

  // banner only
  const bannerOnly = parse(lines[0] + '\n');
  t.same(kinds(bannerOnly), ['missing_field@1']);
  t.match(errorsOf(bannerOnly)[0]!.message, /Pages free/);

  // truncated in the middle: the missing labels are named
  const cut = parse(lines.slice(0, 12).join('\n'));
  t.same(kinds(cut), ['missing_field@1']);
  t.match(errorsOf(cut)[0]!.message, /File-backed pages/);

  // an unknown label and a garbage line: the sample still comes, with the unknown label kept
  const extra = [...lines.slice(0, 5), 'Pages of mystery:                 17.', 'zzz garbage zzz', ...lines.slice(5)].join('\n');
  const r = parse(extra);
  typed(r);
  t.same(kinds(r), ['malformed@7', 'sample']);
  t.equal(samplesOf(r)[0]!.counters['Pages of mystery'], 17);
  t.equal(samplesOf(r)[0]!.bytes.free, 2568 * PAGE);

  // a counter with a K suffix (interval-style) or a negative number is not a one-shot line
  const bad = parse(real.replace('Pageins:                               44127772.', 'Pageins:                               44127K'));
  t.same(kinds(bad), ['malformed@20', 'missing_field@1']);

  // a value beyond 2^53 is refused, not rounded
  const huge = parse(real.replace('Swapouts:                               6446877.', 'Swapouts:              99999999999999999999.'));
  t.same(kinds(huge), ['invalid_value@23', 'missing_field@1']);

  // binary junk
  const junk = new Uint8Array(2048);
  const next = rng(3);
  for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(next() * 256);
  const j = parse(junk);
  typed(j);
  t.ok(j.length > 0);
  t.same(samplesOf(j), []);

  // oversized input
  const big = parse('x'.repeat(1024 * 1024 + 1));
  t.same(kinds(big), ['malformed']);
});
