import t from 'tap';
import type { IostatSample } from '../../src/modules/iostat/sample.ts';
import type { PowermetricsSample } from '../../src/modules/powermetrics/sample.ts';
import type { SysctlSample } from '../../src/modules/sysctl/sample.ts';
import type { VmStatSample } from '../../src/modules/vm_stat/sample.ts';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../src/commands/sample.ts';
import type { SampleOutput } from '../../src/commands/sample.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/silicon-agent.js');
const run = promisify(execFile);

async function sample(argv: string[], platform: NodeJS.Platform = 'linux') {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    platform,
    env: {},
  });
  return { code, stdout, stderr };
}

t.test('sample --json --replay fixtures/replay/m2-ultra', async (t) => {
  const r = await sample(['--json', '--replay', join(ROOT, 'fixtures/replay/m2-ultra')]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /^REPLAY of .*fixtures\/replay\/m2-ultra, not live data \(--replay was given\); composite/);
  const out = JSON.parse(r.stdout) as SampleOutput;
  t.equal(out.mode, 'replay');
  t.match(out.replay, { reason: 'flag', composite: true, chip: 'Apple M2 Ultra', model: 'Mac14,14', macos: { build: '23E224' } });
  t.equal(out.timedOut, false);
  t.same(Object.keys(out.sources).sort(), ['filesystems', 'iostat', 'network', 'powermetrics', 'smc', 'sysctl', 'vm_stat']);
  const pm = out.sources.powermetrics!.sample as PowermetricsSample | null;
  if (pm?.type !== 'powermetrics') throw new Error('no powermetrics');
  t.equal(pm.cpu?.reportedPowerW, 0.835188, 'cpu_power 835.188 mW');
  t.equal(pm.dies, 2);
  const io = out.sources.iostat!.sample as IostatSample | null;
  if (io?.type !== 'iostat') throw new Error('no iostat');
  t.equal(io.sinceBoot, false, 'an interval row, not the since-boot one');
  t.same(io.disks.map((d) => [d.device, d.transfersPerS]), [['disk0', 2], ['disk4', 0]]);
  const vm = out.sources.vm_stat!.sample as VmStatSample | null;
  if (vm?.type !== 'vm_stat') throw new Error('no vm_stat');
  t.equal(vm.counters['Pages wired down'], 212530);
  const sc = out.sources.sysctl!.sample as SysctlSample | null;
  if (sc?.type !== 'sysctl') throw new Error('no sysctl');
  t.equal(sc.memsizeBytes, 137438953472);
  t.equal(out.sources.smc!.sample?.type, 'smc');
  t.same(out.errors, []);
});

t.test('not macOS and no --replay: the bundled replay, and it says so', async (t) => {
  const r = await sample([]);
  t.equal(r.code, 0);
  t.match(r.stderr, /REPLAY of .*fixtures\/replay\/m2-ultra, not live data \(this is linux, not macOS\)/);
  t.match(r.stdout, /^REPLAY of .*fixtures\/replay\/m2-ultra, not live data \(not macOS\)\n/);
  t.match(r.stdout, /COMPOSITE/);
  // the table: power, clusters by die, memory, disks, temperatures
  t.match(r.stdout, /CPU\s+0\.84 W\s+GPU\s+70\.92 W/);
  t.match(r.stdout, /\n\s+1\s+E1-Cluster\s+912 MHz/);
  t.match(r.stdout, /disk0\s+0\.01 MiB\/s\s+2\s+4\.00/);
  t.match(r.stdout, /swap used\s+2\.63 GiB\s+of\s+4\.00 GiB/);
  t.match(r.stdout, /cpu_die\s+3\s+/);
  const j = await sample(['--json']);
  t.equal((JSON.parse(j.stdout) as SampleOutput).replay?.reason, 'not-macos');
});

t.test('m1-pro replay: fans and SMC system power in the table', async (t) => {
  const r = await sample(['--replay', join(ROOT, 'fixtures/replay/m1-pro')]);
  t.equal(r.code, 0);
  t.match(r.stdout, /system \(SMC PSTR\)\s+8\.55 W/);
  t.match(r.stdout, /fan 0\s+0 rpm/);
});

t.test('usage errors', async (t) => {
  t.equal((await sample(['--replay', '/nonexistent/dir'])).code, 66);
  t.equal((await sample(['--bogus'])).code, 64);
  t.equal((await sample(['--timeout', '-1'])).code, 64);
});

t.test('the bin: sample --json through the real entry point', async (t) => {
  const { stdout, stderr } = await run(process.execPath, [BIN, 'sample', '--json', '--replay', 'fixtures/replay/m2-ultra'], { cwd: ROOT });
  const out = JSON.parse(stdout) as SampleOutput;
  t.equal(out.replay?.dir, 'fixtures/replay/m2-ultra');
  t.match(stderr, /^REPLAY of fixtures\/replay\/m2-ultra, not live data/);
});
