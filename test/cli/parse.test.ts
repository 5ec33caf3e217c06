import t from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/commands/parse.ts';
import { moduleOf, SOURCE_NAMES } from '../../src/registry.ts';
import { ParseError } from '../../src/samples.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const FIX = join(ROOT, 'fixtures');

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

t.test('powermetrics: the M1 Pro stream gives 29 samples, exit 0', async (t) => {
  const r = await run(['powermetrics', join(FIX, 'powermetrics/m1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist'), '--json']);
  t.equal(r.code, 0);
  const arr = JSON.parse(r.stdout) as Array<{ type: string; timestamp?: string; elapsedS?: number }>;
  t.equal(arr.length, 29);
  t.ok(arr.every((x) => x.type === 'powermetrics'));
  // first and last <date> of the capture, first elapsed_ns 132882041
  t.equal(arr[0]!.timestamp, '2024-12-26T13:33:44Z');
  t.equal(arr[28]!.timestamp, '2024-12-26T13:33:48Z');
  t.equal(arr[0]!.elapsedS, 0.132882041);
  t.equal(r.stdout.split('\n').length, 29 + 3, 'one result per line between [ and ]');
  for (const x of arr) t.ok(moduleOf((x as { type: string }).type)!.sample.safeParse(x).success, 'matches the Sample schema');
});

t.test('every real fixture of each tool parses with exit 0 and schema-valid samples', async (t) => {
  const dirs: Record<string, string> = { iostat: 'iostat', vm_stat: 'vm_stat', smc: 'smc', filesystems: 'df' };
  for (const [source, dir] of Object.entries(dirs)) {
    for (const f of readdirSync(join(FIX, dir))) {
      const r = await run([source, join(FIX, dir, f), '--json']);
      t.equal(r.code, 0, `${source} ${f}`);
      const arr = JSON.parse(r.stdout) as unknown[];
      t.ok(arr.length > 0 && arr.every((x) => moduleOf((x as { type: string }).type)!.sample.safeParse(x).success), `${f}: samples valid`);
    }
  }
  for (const f of ['m2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist', 'm4-pro-mac16-8-macos15-plist-gpu_power-stream-5samples-nul.plist']) {
    const r = await run(['powermetrics', join(FIX, 'powermetrics', f), '--json']);
    t.equal(r.code, 0, f);
  }
});

t.test('iostat rows in order with --interval-s', async (t) => {
  const r = await run(['iostat', join(FIX, 'iostat/apple-silicon-iostat-d-w2-c5-disk0-inno-pr110.txt'), '--json', '--interval-s', '2']);
  t.equal(r.code, 0);
  const arr = JSON.parse(r.stdout) as Array<{ sinceBoot: boolean; intervalS?: number; disks: Array<{ device: string; transfersPerS: number }> }>;
  // rows: 101, 1, 194, 22, 57 tps on disk0
  t.same(arr.map((x) => x.disks[0]!.transfersPerS), [101, 1, 194, 22, 57]);
  t.same(arr.map((x) => x.sinceBoot), [true, false, false, false, false]);
  t.equal(arr[1]!.intervalS, 2);
  t.equal(arr[0]!.intervalS, undefined, 'never on the since-boot row');
});

t.test('sysctl with --names (sysctl -n capture)', async (t) => {
  const r = await run(['sysctl', join(FIX, 'sysctl/apple-silicon-24gb-sysctl-n-hw.memsize-inno-pr50.txt'), '--names', 'hw.memsize', '--json']);
  t.equal(r.code, 0);
  const [s] = JSON.parse(r.stdout) as Array<{ memsizeBytes: number }>;
  t.equal(s!.memsizeBytes, Number(readFileSync(join(FIX, 'sysctl/apple-silicon-24gb-sysctl-n-hw.memsize-inno-pr50.txt'), 'utf8').trim()));
});

t.test('a truncated stream: typed error entries in place, good samples kept, exit 1', async (t) => {
  // Synthetic, made here: the first two documents of the real M1 Pro stream, then half of the third.
  const real = readFileSync(join(FIX, 'powermetrics/m1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist'));
  const ends: number[] = [];
  let i = 0;
  while ((i = real.indexOf('</plist>', i)) >= 0) ends.push((i += 8));
  const cut = ends[1]! + Math.floor((ends[2]! - ends[1]!) / 2);
  const dir = t.testdir({});
  const file = join(dir, 'truncated.plist');
  writeFileSync(file, real.subarray(0, cut));
  const r = await run(['powermetrics', file, '--json']);
  t.equal(r.code, 1);
  const arr = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  t.same(arr.map((x) => x.type), ['powermetrics', 'powermetrics', 'error']);
  const e = arr[2]!;
  t.ok(ParseError.safeParse(e).success, 'typed error entry');
  t.equal(e.source, 'powermetrics');
  t.equal(e.kind, 'truncated');
  t.type(e.message, 'string');

  // garbage between two good documents: the error stands in its place
  const doc1 = real.subarray(0, ends[0]!);
  const doc2 = real.subarray(ends[0]!, ends[1]!);
  writeFileSync(file, Buffer.concat([doc1, Buffer.from('\0<?xml version="1.0"?><plist><dict><key>x</key></plist>\n'), doc2]));
  const g = await run(['powermetrics', file, '--json']);
  t.equal(g.code, 1);
  const ga = JSON.parse(g.stdout) as Array<{ type: string }>;
  t.same(ga.map((x) => x.type), ['powermetrics', 'error', 'powermetrics']);
});

t.test('usage and input errors', async (t) => {
  t.equal((await run([])).code, 64);
  t.equal((await run(['nosuch', 'x'])).code, 64);
  t.match((await run(['nosuch', 'x'])).stderr, /unknown source/);
  t.equal((await run(['vm_stat', '/nonexistent/file'])).code, 66);
  t.equal((await run(['vm_stat', join(FIX, 'vm_stat/apple-silicon-16k-oneshot-aimpugn.txt'), '--interval-s', 'x'])).code, 64);
  const empty = join(t.testdir({ 'e.txt': '' }), 'e.txt');
  const r = await run(['vm_stat', empty, '--json']);
  t.equal(r.code, 1);
  t.same(JSON.parse(r.stdout).map((x: { kind: string }) => x.kind), ['empty']);
  t.same([...SOURCE_NAMES].sort(), ['disks', 'filesystems', 'gpu', 'host', 'iostat', 'network', 'powermetrics', 'smc', 'sysctl', 'vm_stat']);
});

t.test('stdin with -', async (t) => {
  let out = '';
  const code = await main(['vm_stat', '-'], {
    stdout: (s) => void (out += s),
    stderr: () => {},
    readStdin: () => readFileSync(join(FIX, 'vm_stat/apple-silicon-16k-oneshot-aimpugn.txt')),
  });
  t.equal(code, 0);
  t.match(out, /^#1 vm_stat page 16384 B, 22 counters/);
  t.match(out, /1 samples, 0 errors\n$/);
});

t.test('host: a dump\'s readings, summed or per CPU (synthetic M3 Ultra readings, fixtures/synthetic/README.md)', async (t) => {
  const file = join(ROOT, 'fixtures/synthetic/host/m3-ultra-32cpu-darwin-two-readings.jsonl');
  const r = await run(['host', file, '--json']);
  t.equal(r.code, 0, r.stderr);
  const arr = JSON.parse(r.stdout) as Array<{ cpuTimes: unknown[]; logicalCount: number }>;
  t.same(arr.map((s) => [s.cpuTimes.length, s.logicalCount]), [[1, 32], [1, 32]]);
  const per = JSON.parse((await run(['host', file, '--json', '--per-cpu'])).stdout) as Array<{ cpuTimes: unknown[] }>;
  t.same(per.map((s) => s.cpuTimes.length), [32, 32]);
  t.match((await run(['host', file])).stdout, /^#1 host 32 CPUs, user 35696\.0 s system 12248\.0 s idle 2704056\.0 s, load 4\.52 3\.98 3\.61, up 1d 0h 0m$/m);
});
