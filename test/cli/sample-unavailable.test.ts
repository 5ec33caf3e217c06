/**
 * `sample` live (as on a Mac: platform darwin, the fake tools first on PATH) when some sources give
 * nothing: the SMC without its addon (SILICON_AGENT_NO_NATIVE=1), an iostat that hangs after its
 * since-boot row. Partial data is exit 0 with every missing source and its reason listed (table and
 * JSON `unavailable`); exit 1 only when no source produced anything.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { main, type SampleOutput } from '../../src/commands/sample.ts';
import { BIN_FROM_PATH_ENV } from '../../src/sources/binaries.ts';
import { withEnv } from '../helpers/env.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const FAKES = join(ROOT, 'test/fakes/tools');
const M2 = join(ROOT, 'fixtures/replay/m2-ultra');

async function sample(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), platform: 'darwin', env: {} });
  return { code, stdout, stderr };
}

const liveFakes = {
  PATH: `${FAKES}:${process.env.PATH}`,
  [BIN_FROM_PATH_ENV]: '1',
  SILICON_AGENT_NO_NATIVE: '1',
  FAKE_INTERVAL_MS: '50',
  FAKE_POWERMETRICS_FILE: join(ROOT, 'fixtures/powermetrics/m4-pro-mac16-8-macos15-plist-gpu_power-stream-5samples-nul.plist'),
  FAKE_IOSTAT_FILE: join(M2, 'iostat.txt'),
  FAKE_IOSTAT_MODE: 'hang',
  FAKE_VM_STAT_FILE: join(M2, 'vm_stat.txt'),
  FAKE_SYSCTL_FILE: join(M2, 'sysctl.txt'),
  FAKE_NETSTAT_FILE: join(M2, 'network.txt'),
  FAKE_IOREG_IOACCELERATOR_FILE: join(ROOT, 'fixtures/gpu/m4-t8132-gpu10c-macosUNKNOWN-ioreg-r-d1-c-IOAccelerator.no-IOReportLegend.txt'),
  FAKE_IOREG_IOBLOCKSTORAGEDRIVER_FILE: join(ROOT, 'fixtures/disks/applesilicon-AP1024Z-ioreg-c-IOBlockStorageDriver-r-l-w0.truncated.PARTIAL.txt'),
};

const IOSTAT_REASON = /^(only the since-boot average arrived, no interval row|no output for \d+ s.*)$/;

t.test('some sources give nothing: exit 0, each listed with its reason', async (t) => {
  withEnv(t, liveFakes);
  // 10 s: what the sources that work need on a busy machine; the hanging iostat holds it to the end.
  const r = await sample(['--json', '--timeout', '10']);
  t.equal(r.code, 0, 'powermetrics, vm_stat and sysctl produced samples');
  const out = JSON.parse(r.stdout) as SampleOutput;
  t.equal(out.mode, 'live');
  t.equal(out.sources.powermetrics?.sample?.type, 'powermetrics');
  t.equal(out.sources.vm_stat?.sample?.type, 'vm_stat');
  t.equal(out.sources.sysctl?.sample?.type, 'sysctl');
  t.equal(out.sources.gpu?.sample?.type, 'gpu');
  t.equal(out.sources.disks?.sample?.type, 'disks');
  t.same(out.unavailable.map((u) => u.source), ['iostat', 'smc'], 'in source order');
  // Which reason depends on how long the snapshot waited on a busy machine: the since-boot row alone, or
  // (once iostat's hang detection has fired) the hang itself. Both say what is wrong.
  t.match(out.unavailable[0]!.reason, IOSTAT_REASON);
  t.equal(out.unavailable[1]!.reason, out.sources.smc?.reason, "the SMC source's own reason");
  t.match(out.unavailable[1]!.reason, /SILICON_AGENT_NO_NATIVE=1/, 'which says why');
  t.equal(out.sources.smc?.state, 'unavailable');

  const table = await sample(['--timeout', '10']);
  t.equal(table.code, 0);
  t.match(table.stdout, /\nUnavailable \(2 of \d+ sources\)\n {2}iostat +(only the since-boot average arrived, no interval row|no output for \d+ s[^\n]*)\n {2}smc +.*SILICON_AGENT_NO_NATIVE=1/);
  t.match(table.stdout, /Power \(powermetrics\)\n {2}CPU/, 'the sources that worked are shown');
});

t.test('every source silent or missing: exit 1, all listed', async (t) => {
  // No tool on PATH at all (an empty folder), no addon.
  withEnv(t, { ...liveFakes, PATH: mkdtempSync(join(tmpdir(), 'sa-empty-path-')) });
  // host reads in-process and cannot go missing: switched off here (its own test: test/modules/host/live.test.ts).
  const r = await sample(['--json', '--timeout', '3', '--config', join(t.testdir({ 'c.json': '{"sources":{"host":{"enabled":false}}}' }), 'c.json')]);
  t.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as SampleOutput;
  t.same(out.unavailable.map((u) => u.source), ['powermetrics', 'iostat', 'vm_stat', 'sysctl', 'smc', 'network', 'filesystems', 'gpu', 'disks']);
  t.match(out.unavailable.find((u) => u.source === 'gpu')?.reason, /^no in-process reader \(.*SILICON_AGENT_NO_NATIVE=1\) and no ioreg \(ioreg: command not found\)$/, 'one line, both reasons');
  t.match(out.unavailable.find((u) => u.source === 'powermetrics')?.reason, /powermetrics: command not found/);
  t.match(out.unavailable.find((u) => u.source === 'vm_stat')?.reason, /vm_stat/);
});

t.test('a complete replay: unavailable is []', async (t) => {
  let stdout = '';
  const code = await main(['--json', '--replay', M2], { stdout: (s) => void (stdout += s), stderr: () => {}, platform: 'linux', env: {} });
  t.equal(code, 0);
  t.same((JSON.parse(stdout) as SampleOutput).unavailable, []);
});
