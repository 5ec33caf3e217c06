import t from 'tap';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { createSysctlParser, parseSysctl } from '../../../src/modules/sysctl/parser.ts';
import type { SysctlParserOptions } from '../../../src/modules/sysctl/parser.ts';
import { parseAll } from '../../../src/parsers/parser.ts';
import type { SysctlSample } from '../../../src/modules/sysctl/sample.ts';
import type { ParseError } from '../../../src/samples.ts';
import { SysctlSample as SysctlSchema } from '../../../src/modules/sysctl/sample.ts';
import { ParseError as ParseErrorSchema } from '../../../src/samples.ts';
import { kinds, pushChunked, rng, samplesOf } from '../../helpers/chunks.ts';

const DIR = new URL('../../../fixtures/sysctl/', import.meta.url);
const SYN = new URL('../../../fixtures/synthetic/sysctl/', import.meta.url);
const MIB = 1048576;
const read = (name: string, dir = DIR): Buffer => readFileSync(new URL(name, dir));
const parse = (input: string | Uint8Array, opts: SysctlParserOptions = {}): Array<SysctlSample | ParseError> =>
  parseAll(createSysctlParser(opts), input);
const only = (r: Array<SysctlSample | ParseError>): SysctlSample => {
  const s = samplesOf(r);
  if (s.length !== 1) throw new Error(`expected one sample, got ${JSON.stringify(r).slice(0, 300)}`);
  return s[0]!;
};

const parseChunked = (bytes: Uint8Array, seed: number, opts: SysctlParserOptions = {}): Array<SysctlSample | ParseError> =>
  pushChunked(createSysctlParser(opts), bytes, seed, 50);

const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.txt'));
/** The one `sysctl -n` capture has no names: the caller says which name it asked for. */
const optsFor = (f: string): SysctlParserOptions => (f.includes('-n-hw.memsize') ? { names: ['hw.memsize'] } : {});

t.test('every real capture parses to one sample without error', async (t) => {
  t.equal(FIXTURES.length, 10); // 10th: the iogpu.wired_limit_mb set-form line (gpu source)
  for (const f of FIXTURES) {
    const r = parse(read(f), optsFor(f));
    t.same(kinds(r), ['sample'], f);
    t.ok(SysctlSchema.safeParse(r[0]).success, `${f}: matches the schema`);
  }
});

t.test('vm.swapusage captures: MiB to bytes, encrypted flag', async (t) => {
  const high = only(parse(read('apple-silicon-16gb-vm.swapusage-high-usage-inno-pr40.txt')));
  t.same(high.swap, { totalBytes: 7168 * MIB, usedBytes: 6616.75 * MIB, freeBytes: 551.25 * MIB, encrypted: true });
  t.same(high.values, { 'vm.swapusage': 'total = 7168.00M  used = 6616.75M  free = 551.25M  (encrypted)' });
  t.same(only(parse(read('apple-silicon-24gb-vm.swapusage-inno-pr50.txt'))).swap, {
    totalBytes: 4096 * MIB,
    usedBytes: 2694.19 * MIB,
    freeBytes: 1401.81 * MIB,
    encrypted: true,
  });
  t.same(only(parse(read('apple-silicon-8gb-vm.swapusage-inno-pr878.txt'))).swap, {
    totalBytes: 1024 * MIB,
    usedBytes: 407.5 * MIB,
    freeBytes: 616.5 * MIB,
    encrypted: true,
  });
  // SYNTHETIC (fixtures/synthetic/sysctl): the unencrypted form ends in two spaces
  t.same(only(parse(read('swapusage-unencrypted-zero.txt', SYN))).swap, {
    totalBytes: 0,
    usedBytes: 0,
    freeBytes: 0,
    encrypted: false,
  });
});

t.test('`sysctl -n hw.memsize` with the names option: 24 GB', async (t) => {
  const s = only(parse(read('apple-silicon-24gb-sysctl-n-hw.memsize-inno-pr50.txt'), { names: ['hw.memsize'] }));
  t.equal(s.memsizeBytes, 25769803776);
  t.equal(s.memsizeBytes, 24 * 1024 ** 3);
  t.same(s.values, { 'hw.memsize': '25769803776' });
  // without the names option a bare value is not a pair
  t.same(kinds(parse(read('apple-silicon-24gb-sysctl-n-hw.memsize-inno-pr50.txt'))), ['malformed@1']);
});

t.test('`sysctl hw` dumps: memsize and performance-level topology', async (t) => {
  const m3 = only(parse(read('m3-max-16core-128gb-sysctl-hw-zacky1972.txt')));
  t.equal(m3.memsizeBytes, 137438953472);
  t.equal(m3.memsizeBytes, 128 * 1024 ** 3);
  t.same(m3.perfLevels, [
    { level: 0, physicalCpu: 12, logicalCpu: 12, name: 'Performance' },
    { level: 1, physicalCpu: 4, logicalCpu: 4, name: 'Efficiency' },
  ]);
  t.equal(m3.values['hw.nperflevels'], '2');
  t.equal(m3.values['hw.targettype'], 'J516c');
  t.equal(m3.values['hw.optional.arm.FEAT_SHA3'], '1');
  t.equal(Object.keys(m3.values).length, 102);
  t.equal(m3.hwModel, undefined, 'hw.model is masked from `sysctl hw`');

  const m4 = only(parse(read('m4-pro-sysctl-hw-zacky1972.txt')));
  t.equal(m4.memsizeBytes, 64 * 1024 ** 3);
  t.same(m4.perfLevels, [
    { level: 0, physicalCpu: 10, logicalCpu: 10, name: 'Performance' },
    { level: 1, physicalCpu: 4, logicalCpu: 4, name: 'Efficiency' },
  ]);

  // M1 / M2 dumps: older macOS, no hw.perflevelN.name; the pasted `% sysctl hw` prompt line is skipped
  const m1 = parse(read('m1-sysctl-hw-zacky1972.txt'));
  t.same(kinds(m1), ['sample']);
  t.equal(only(m1).memsizeBytes, 16 * 1024 ** 3);
  t.same(only(m1).perfLevels, [
    { level: 0, physicalCpu: 4, logicalCpu: 4 },
    { level: 1, physicalCpu: 4, logicalCpu: 4 },
  ]);
  t.equal(Object.keys(only(m1).values).length, 97);
  t.equal(only(parse(read('m2-sysctl-hw-zacky1972.txt'))).memsizeBytes, 24 * 1024 ** 3);

  // `sysctl hw | rg cpu`: 8P + 2E, no memsize
  const grep = only(parse(read('m1-pro-or-max-10core-sysctl-hw-grep-cpu-aimpugn.txt')));
  t.same(grep.perfLevels, [
    { level: 0, physicalCpu: 8, logicalCpu: 8 },
    { level: 1, physicalCpu: 2, logicalCpu: 2 },
  ]);
  t.equal(grep.memsizeBytes, undefined);
  t.equal(grep.values['hw.cpufamily'], '458787763');
});

t.test('memory pressure level (SYNTHETIC: no real capture of this sysctl exists)', async (t) => {
  const agent = only(parse(read('agent-query-m3-ultra-pressure-normal.txt', SYN)));
  t.same(agent.memoryPressure, { raw: 1, state: 'normal' });
  t.equal(agent.hwModel, 'Mac15,14');
  t.equal(agent.cpuBrand, 'Apple M3 Ultra');
  t.equal(agent.osProductVersion, '15.5');
  t.equal(agent.osBuild, '24F74');
  t.equal(agent.memsizeBytes, 96 * 1024 ** 3);
  t.same(agent.swap, { totalBytes: 2048 * MIB, usedBytes: 1123.5 * MIB, freeBytes: 924.5 * MIB, encrypted: true });
  t.same(agent.perfLevels, [
    { level: 0, name: 'Performance', physicalCpu: 24, logicalCpu: 24 },
    { level: 1, name: 'Efficiency', physicalCpu: 8, logicalCpu: 8 },
  ]);
  t.same(only(parse(read('pressure-level-warn.txt', SYN))).memoryPressure, { raw: 2, state: 'warn' });
  t.same(only(parse(read('pressure-level-critical.txt', SYN))).memoryPressure, { raw: 4, state: 'critical' });
  t.same(only(parse(read('pressure-level-unexpected-3.txt', SYN))).memoryPressure, { raw: 3, state: 'unknown' });
  // `-n` form of the same query, names given in order
  const n = only(parse('2\nMac15,14\n', { names: ['kern.memorystatus_vm_pressure_level', 'hw.model'] }));
  t.same(n.memoryPressure, { raw: 2, state: 'warn' });
  t.equal(n.hwModel, 'Mac15,14');
});

t.test('`sysctl -e` name=value form (SYNTHETIC)', async (t) => {
  const s = only(parse(read('e-flag-equals-form.txt', SYN)));
  t.equal(s.memsizeBytes, 25769803776);
  t.same(s.memoryPressure, { raw: 4, state: 'critical' });
  t.same(s.swap, { totalBytes: 1024 * MIB, usedBytes: 407.5 * MIB, freeBytes: 616.5 * MIB, encrypted: true });
});

t.test('streaming: random chunk sizes give the same result as one push', async (t) => {
  for (const f of FIXTURES) {
    const bytes = read(f);
    const whole = parse(bytes, optsFor(f));
    for (const seed of [2, 31]) t.same(parseChunked(bytes, seed, optsFor(f)), whole, `${f} seed ${seed}`);
  }
  const f = 'm4-pro-sysctl-hw-zacky1972.txt';
  t.same(parseSysctl(read(f).toString('utf8')), parse(read(f)));
});

t.test('bad input gives typed errors or a sample with what is known, never a throw', async (t) => {
  const typed = (r: Array<SysctlSample | ParseError>): void => {
    for (const x of r) {
      if (x.type === 'error') t.ok(ParseErrorSchema.safeParse(x).success, `typed ${x.kind}`);
      else t.ok(SysctlSchema.safeParse(x).success, 'sample matches schema');
    }
  };
  t.same(kinds(parse('')), ['empty']);
  t.same(kinds(parse('\n \n')), ['empty']);

  // garbage between real lines: errors for the garbage, the rest still read
  const real = read('apple-silicon-24gb-vm.swapusage-inno-pr50.txt').toString('utf8');
  const g = parse(`sysctl: unknown oid 'kern.nope'\n${real}not a pair at all\n`);
  typed(g);
  t.same(kinds(g), ['malformed@1', 'malformed@3', 'sample']);
  t.equal(only(g).swap!.totalBytes, 4096 * MIB);

  // unusable values of known names: invalid_value, field left out, pair still kept
  const bad = parse('hw.memsize: lots\nvm.swapusage: total = 2.00G  used = 1G  free = 1G\nkern.memorystatus_vm_pressure_level: high\nhw.perflevel0.physicalcpu: -3\nhw.perflevel0.name: Performance\n');
  typed(bad);
  t.same(kinds(bad), ['invalid_value', 'invalid_value', 'invalid_value', 'invalid_value', 'sample']);
  const b = only(bad);
  t.equal(b.memsizeBytes, undefined);
  t.equal(b.swap, undefined);
  t.equal(b.memoryPressure, undefined);
  t.same(b.perfLevels, [{ level: 0, name: 'Performance' }]);
  t.equal(b.values['hw.memsize'], 'lots');

  // unknown names are simply kept
  t.same(only(parse('kern.something_new: 42\n')).values, { 'kern.something_new': '42' });

  // -n with fewer or more lines than names
  t.same(kinds(parse('1\n', { names: ['a.b', 'c.d'] })), ['missing_field', 'sample']);
  t.same(kinds(parse('1\n2\n3\n', { names: ['a.b', 'c.d'] })), ['malformed@3', 'sample']);

  // binary junk
  const junk = new Uint8Array(2048);
  const next = rng(11);
  for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(next() * 256);
  const j = parse(junk);
  typed(j);
  t.same(samplesOf(j), []);
  t.ok(j.length > 0);

  t.same(kinds(parse('x'.repeat(1024 * 1024 + 1))), ['malformed']);
});

t.test('the regex-free line split gives exactly what the `name: value` pattern gives', async (t) => {
  // parseSysctl splits ordinary ASCII lines by hand and only asks the documented pattern about the
  // rest. Random lines over the characters that matter (name characters, dots, both separators,
  // spaces, a tab, a prompt character, non-ASCII) must come out as the pattern alone splits them.
  const PAIR = /^([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+)\s*(?::|=)\s?(.*)$/;
  const alphabet = ['a', 'Z', '_', '9', '-', '.', ':', '=', ' ', '\t', '%', 'é'];
  const text = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { maxLength: max }).map((a) => a.join(''));
  const anyLine = text(alphabet, 16);
  // Near-pairs: `seg.seg`, spaces or a tab, a separator, spaces, a value; any part may be odd.
  const goodSeg = fc.tuple(fc.constantFrom('a', 'Z', '_'), text(['a', 'Z', '_', '9', '-'], 3)).map(([c, rest]) => c + rest);
  const seg = fc.oneof({ arbitrary: goodSeg, weight: 6 }, { arbitrary: text(['a', '9', 'é', '.', ' '], 3), weight: 1 });
  const pad = text([' ', ' ', '\t'], 2);
  const pairLike = fc
    .tuple(seg, seg, pad, fc.constantFrom(':', ':', '=', '.', ' '), pad, anyLine)
    .map(([a, b, p1, sep, p2, v]) => `${a}.${b}${p1}${sep}${p2}${v}`);
  let pairs = 0;
  let rejected = 0;
  const differ: string[] = [];
  fc.assert(
    fc.property(fc.oneof({ arbitrary: anyLine, weight: 1 }, { arbitrary: pairLike, weight: 3 }), (line) => {
      if (line.trim() === '' || /^[%$#>]\s+sysctl\b/.test(line)) return;
      const m = PAIR.exec(line.trimEnd());
      const r = parseSysctl(`${line}\n`);
      const got = JSON.stringify(r.map((x) => (x.type === 'sysctl' ? x.values : x.kind)));
      const want = JSON.stringify(m ? [{ [m[1]!]: m[2]! }] : ['malformed']);
      if (m) pairs++;
      else rejected++;
      if (got !== want) differ.push(`${JSON.stringify(line)}: ${got}, pattern: ${want}`);
    }),
    { numRuns: 20_000, seed: 42 },
  );
  t.same(differ.slice(0, 10), [], `${differ.length} of 20,000 lines split differently`);
  t.ok(pairs > 5000, `${pairs} lines were pairs`);
  t.ok(rejected > 5000, `${rejected} lines were not`);
});
