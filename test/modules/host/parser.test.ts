/**
 * host: the capture parser and the facts → sample function, on the synthetic readings in
 * fixtures/synthetic/host/ (no real `os.cpus()` capture from a Mac exists; fixtures/synthetic/README.md),
 * the physical-core count on the real `sysctl hw` captures, and typed errors for bad readings.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { hostCheck } from '../../../src/modules/host/check.ts';
import type { HostFacts } from '../../../src/modules/host/facts.ts';
import { factsToSample } from '../../../src/modules/host/facts.ts';
import { physicalCores } from '../../../src/modules/host/metrics.ts';
import { createHostParser, lineUnits, MAX_LINE_CHARS, parseHost } from '../../../src/modules/host/parser.ts';
import { HostSample } from '../../../src/modules/host/sample.ts';
import { createIostatParser } from '../../../src/modules/iostat/parser.ts';
import type { IostatSample } from '../../../src/modules/iostat/sample.ts';
import { parseSysctl, sysctlAsAsked } from '../../../src/modules/sysctl/parser.ts';
import type { SysctlSample } from '../../../src/modules/sysctl/sample.ts';
import { SYSCTL_NAMES } from '../../../src/modules/sysctl/source.ts';
import { parseAll } from '../../../src/parsers/parser.ts';
import type { ParseError } from '../../../src/samples.ts';

const M3 = 'fixtures/synthetic/host/m3-ultra-32cpu-darwin-two-readings.jsonl';
const LINUX = 'fixtures/synthetic/host/linux-2cpu-build-machine-two-readings.jsonl';
const text = (f: string) => readFileSync(f, 'utf8');
const samples = (rs: Array<HostSample | ParseError>) => rs.filter((r): r is HostSample => r.type === 'host');
const errors = (rs: Array<HostSample | ParseError>) => rs.filter((r): r is ParseError => r.type === 'error');

t.test('M3 Ultra readings (darwin): summed by mode, seconds, no interrupt', async (t) => {
  const rs = parseHost(text(M3));
  t.same(errors(rs), []);
  const [a, b] = samples(rs);
  t.ok(a && b);
  for (const s of [a!, b!]) t.ok(HostSample.safeParse(s).success);
  t.equal(a!.logicalCount, 32);
  t.equal(a!.cpuTimes.length, 1, 'one summed entry by default');
  // Sums of the 32 CPUs' ms in the file's first line: user 35696000, nice 0, sys 12248000, idle 2704056000.
  t.same(a!.cpuTimes[0], { userS: 35696, niceS: 0, systemS: 12248, idleS: 2704056 }, 'no interruptS: libuv reports 0 on macOS');
  t.same(a!.loadAverage, { m1: 4.52, m5: 3.98, m15: 3.61 });
  t.equal(a!.uptimeS, 86400);
  t.same(b!.cpuTimes[0], { userS: 35720, niceS: 0, systemS: 12260, idleS: 2704116 });
  t.equal(b!.uptimeS, 86403);
});

t.test('perCpu: one entry per logical CPU, numbered by its index', async (t) => {
  const [a] = samples(parseHost(text(M3), { perCpu: true }));
  t.equal(a!.cpuTimes.length, 32);
  t.same(a!.cpuTimes[0], { cpu: 0, userS: 1200, niceS: 0, systemS: 400, idleS: 84400 });
  t.same(a!.cpuTimes[31], { cpu: 31, userS: 831, niceS: 0, systemS: 315.5, idleS: 84853.5 });
});

t.test('Linux readings: interrupt is a counted mode there', async (t) => {
  const [a, b] = samples(parseHost(text(LINUX)));
  t.equal(a!.logicalCount, 2);
  // user 7038020 + 7150140 ms, sys 1196110 + 1287600, idle 26471760 + 26168800, irq 0 + 0.
  t.same(a!.cpuTimes[0], { userS: 14188.16, niceS: 0, systemS: 2483.71, idleS: 52640.56, interruptS: 0 });
  t.same(a!.loadAverage, { m1: 9.13, m5: 7.16, m15: 4.17 });
  t.equal(b!.uptimeS, 34928.65);
});

t.test('physical cores: the sum of hw.perflevelN.physicalcpu equals hw.physicalcpu in every real `sysctl hw` capture', async (t) => {
  // hw.physicalcpu as the captures print it.
  const cases: Array<[string, number]> = [
    ['fixtures/sysctl/m1-sysctl-hw-zacky1972.txt', 8],
    ['fixtures/sysctl/m2-sysctl-hw-zacky1972.txt', 8],
    ['fixtures/sysctl/m3-max-16core-128gb-sysctl-hw-zacky1972.txt', 16],
    ['fixtures/sysctl/m4-pro-sysctl-hw-zacky1972.txt', 14],
  ];
  for (const [file, physical] of cases) {
    const raw = readFileSync(file);
    t.match(raw.toString('utf8'), new RegExp(`^hw\\.physicalcpu: ${physical}$`, 'm'), `${file} says ${physical}`);
    // What the live sysctl source reads: the names it asks for.
    const s = parseSysctl(sysctlAsAsked(raw, SYSCTL_NAMES).toString('utf8')).find((x): x is SysctlSample => x.type === 'sysctl');
    t.equal(physicalCores(s), physical, file);
  }
  // A capture without hw.nperflevels (a `grep cpu` selection): no point rather than a guess.
  const partial = parseSysctl(text('fixtures/sysctl/m1-pro-or-max-10core-sysctl-hw-grep-cpu-aimpugn.txt')).find((x): x is SysctlSample => x.type === 'sysctl');
  t.ok(partial?.perfLevels?.length === 2);
  t.equal(physicalCores(partial), undefined, 'hw.nperflevels unknown: no point');
  const fewer = parseSysctl('hw.nperflevels: 2\nhw.perflevel0.physicalcpu: 8\n').find((x): x is SysctlSample => x.type === 'sysctl');
  t.equal(physicalCores(fewer), undefined, 'fewer levels than hw.nperflevels: no point');
  t.equal(physicalCores(undefined), undefined, 'sysctl stale or absent: no point');
});

t.test('the unit check: wall-time ratio and shares beside iostat', async (t) => {
  const [a, b] = text(M3).trim().split('\n').map((l) => JSON.parse(l) as HostFacts);
  // A real iostat capture with cpu columns (rows 2–5 are interval rows).
  const io = parseAll(createIostatParser({ intervalS: 1 }), readFileSync('fixtures/iostat/apple-silicon-iostat-w1-c5-disk0-cpu-load-inno-pr878.txt')).filter(
    (r): r is IostatSample => r.type === 'iostat',
  );
  const c = hostCheck(a!, b!, 3, io.slice(0, 4));
  // 96 s of CPU time counted (24 + 12 + 60) over 3 s × 32 CPUs.
  t.equal(c.cpuSecondsCounted, 96);
  t.equal(c.wallRatio, 1);
  t.same(c.host, { userPct: 25, systemPct: 12.5, idlePct: 62.5 });
  // Rows 2–4 of the capture: us 7 7 9, sy 3 3 4, id 90 89 86.
  t.same(c.iostat, { userPct: 7.67, systemPct: 3.33, idlePct: 88.33, rows: 3 });
  t.equal(c.note, undefined);
  const none = hostCheck(a!, b!, 3, []);
  t.equal(none.iostat, undefined);
  t.match(none.note, /no CPU columns/);
});

t.test('typed errors: malformed, truncated, oversized and hostile readings', async (t) => {
  const good = JSON.parse(text(M3).split('\n')[0]!) as Record<string, unknown>;
  const kinds = (input: string) => errors(parseHost(input)).map((e) => e.kind);
  t.same(kinds('not json\n'), ['malformed']);
  t.same(kinds(text(M3).slice(0, 100)), ['truncated'], 'a last line cut off');
  t.same(kinds(`${JSON.stringify(good)}\n${JSON.stringify(good).slice(0, 50)}`), ['truncated']);
  t.same(kinds('[1,2,3]\n'), ['malformed']);
  t.same(kinds('{"format":"other/1"}\n'), ['unknown_layout']);
  const edit = (f: (g: Record<string, unknown>) => void) => {
    const g = structuredClone(good);
    f(g);
    return `${JSON.stringify(g)}\n`;
  };
  t.same(kinds(edit((g) => delete g.loadavg)), ['missing_field']);
  t.same(kinds(edit((g) => delete (g.cpus as Array<Record<string, unknown>>)[3]!.idle)), ['missing_field']);
  t.same(kinds(edit((g) => ((g.cpus as Array<Record<string, unknown>>)[3]!.user = -1))), ['invalid_value'], 'a negative time');
  t.same(kinds(edit((g) => ((g.cpus as Array<Record<string, unknown>>)[3]!.user = '12'))), ['invalid_value'], 'a string time');
  t.same(kinds(edit((g) => (g.loadavg = [1, 2]))), ['invalid_value']);
  t.same(kinds(edit((g) => (g.uptimeS = -5))), ['invalid_value']);
  t.same(kinds(edit((g) => (g.cpus = []))), ['invalid_value']);
  t.same(kinds(edit((g) => (g.cpus = Array.from({ length: 1025 }, () => ({ user: 0, nice: 0, sys: 0, idle: 0, irq: 0 }))))), ['too_large']);
  t.same(kinds(JSON.stringify(good).replace('"uptimeS":86400', '"uptimeS":1e309') + '\n'), ['invalid_value'], '1e309 parses as Infinity: refused');
  t.same(kinds(JSON.stringify(good).replace('{"format"', '{"__proto__":{"cpus":[]},"format"') + '\n'), [], '__proto__ is just a key');
  t.same(kinds(`${'x'.repeat(MAX_LINE_CHARS + 1)}\n${JSON.stringify(good)}\n`), ['too_large'], 'an oversized line is skipped; the next reading stands');
  t.equal(samples(parseHost(`${'x'.repeat(MAX_LINE_CHARS + 1)}\n${JSON.stringify(good)}\n`)).length, 1);
  t.same(kinds('\u0000\u0001\uFFFD\n'), ['malformed'], 'binary junk');
  t.same(kinds(''), [], 'nothing: no reading, no error');
  t.same(factsToSample(null).map((e) => e.type === 'error' && e.kind), ['malformed']);
  // An oversized line fed byte by byte is never buffered beyond the limit.
  const p = createHostParser();
  const big = 'y'.repeat(64 * 1024);
  const out = [];
  for (let i = 0; i < 10; i++) out.push(...p.push(big));
  out.push(...p.push(`\n${JSON.stringify(good)}\n`), ...p.end());
  t.same(out.map((r) => r.type === 'error' ? r.kind : r.type), ['too_large', 'host']);
});

t.test('replay units: one reading per unit, every byte kept', async (t) => {
  const buf = Buffer.from(`\n${text(M3)}\n  \n${text(LINUX).trimEnd()}`);
  const units = lineUnits(buf);
  t.equal(units.length, 4);
  t.same(Buffer.concat(units), buf);
  for (const u of units) t.equal(samples(parseHost(u.toString())).length, 1);
});
