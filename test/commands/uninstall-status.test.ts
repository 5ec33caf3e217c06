import t from 'tap';
import { Health } from '../../src/health.ts';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { install, parseInstallArgs } from '../../src/commands/install.ts';
import { uninstall } from '../../src/commands/uninstall.ts';
import { status } from '../../src/commands/status.ts';
import { doctor } from '../../src/commands/doctor.ts';
import { parseLaunchctlPrint } from '../../src/launchd/launchctl.ts';
import { createStatusWriter, readStatusFile } from '../../src/status-file.ts';
import { fakeNode, type FakeNode } from './harness.ts';

async function installed(n: FakeNode, extra: string[] = []) {
  const p = parseInstallArgs(['--node', n.node, '--entry', n.entry, ...extra]);
  if (!p.ok) throw new Error(p.error);
  if ((await install(p.opts, n.ctx)) !== 0) throw new Error(n.err.join('\n'));
  n.clearCalls();
  n.out.length = 0;
}

t.test('uninstall removes everything install wrote, the created account too, after the job is really gone', async (t) => {
  const n = fakeNode({ drain: 2 });
  t.teardown(n.cleanup);
  await installed(n);
  t.equal(await uninstall({ dryRun: false, keepLogs: false }, n.ctx), 0, n.err.join('\n'));
  // Only the empty parents install did not own are left.
  t.same(n.files().filter((f) => !f.endsWith('/')), []);
  for (const d of ['/usr/local/etc/silicon-agent/', '/usr/local/var/silicon-agent/', '/var/log/silicon-agent/']) t.notOk(n.files().includes(d), d);
  const lc = n.callsOf('launchctl').map((c) => c[0]);
  t.same(lc, ['print', 'bootout', 'print', 'print', 'print'], 'bootout, then poll until print fails');
  t.same(n.callsOf('dscl'), [['.', '-delete', '/Users/_siliconagent'], ['.', '-delete', '/Groups/_siliconagent']], 'user before group');
  t.notOk(existsSync(`${n.state}/Users/_siliconagent`));
  t.match(n.out.join('\n'), /silicon-agent is uninstalled/);

  n.clearCalls();
  n.out.length = 0;
  t.equal(await uninstall({ dryRun: false, keepLogs: false }, n.ctx), 0, 'a second uninstall is harmless');
  t.match(n.out.join('\n'), /nothing was installed/);
  t.same(n.callsOf('dscl'), []);
});

t.test('uninstall --keep-logs keeps the logs; an account that existed before install is left alone', async (t) => {
  const n = fakeNode();
  t.teardown(n.cleanup);
  // Pre-existing service account.
  mkdirSync(`${n.state}/Users/_metrics`, { recursive: true });
  writeFileSync(`${n.state}/Users/_metrics/UniqueID`, '410');
  writeFileSync(`${n.state}/Users/_metrics/PrimaryGroupID`, '20');
  mkdirSync(`${n.state}/Groups/staff`, { recursive: true });
  writeFileSync(`${n.state}/Groups/staff/PrimaryGroupID`, '20');
  await installed(n, ['--user', '_metrics']);
  t.match(n.read('/Library/LaunchDaemons/io.silicon-agent.plist'), /<key>GroupName<\/key>\n\t<string>staff<\/string>/);
  writeFileSync(`${n.root}/var/log/silicon-agent/agent.log`, '{"msg":"hello"}\n');
  t.equal(await uninstall({ dryRun: false, keepLogs: true }, n.ctx), 0);
  t.same(n.files().filter((f) => !f.endsWith('/')), ['/var/log/silicon-agent/agent.log']);
  t.same(n.callsOf('dscl'), [], 'account not ours: not deleted');
  t.match(n.out.join('\n'), /existed before install: left in place/);
});

t.test('uninstall refuses off macOS / as non-root, and stops if the job will not go away', async (t) => {
  const linux = fakeNode({ platform: 'linux' });
  t.teardown(linux.cleanup);
  t.equal(await uninstall({ dryRun: false, keepLogs: false }, linux.ctx), 1);
  t.match(linux.err.join('\n'), /not macOS/);

  const n = fakeNode({ drain: 1_000_000 });
  t.teardown(n.cleanup);
  await installed(n);
  const before = n.files();
  t.equal(await uninstall({ dryRun: false, keepLogs: false }, n.ctx), 1);
  t.match(n.err.join('\n'), /still loaded .* after bootout/);
  t.match(n.err.join('\n'), /nothing was removed/);
  t.same(n.files(), before);
});

t.test('uninstall --dry-run prints the plan and changes nothing', async (t) => {
  const n = fakeNode({ platform: 'linux', uid: 1000 });
  t.teardown(n.cleanup);
  t.equal(await uninstall({ dryRun: true, keepLogs: false }, n.ctx), 0);
  const out = n.out.join('\n');
  for (const p of ['/Library/LaunchDaemons/io.silicon-agent.plist', '/etc/sudoers.d/silicon-agent', '/etc/newsyslog.d/silicon-agent.conf', '/usr/local/etc/silicon-agent', '/usr/local/var/silicon-agent', '/var/log/silicon-agent'])
    t.match(out, `$ rm -rf ${p}`);
  t.same(n.calls(), []);
});

t.test('launchctl print is read leniently: top-level keys only, nested blocks skipped, unknown layout harmless', async (t) => {
  const text = [
    'system/io.silicon-agent = {',
    '\tactive count = 1',
    '\tpath = /Library/LaunchDaemons/io.silicon-agent.plist',
    '\tstate = running',
    '\tenvironment = {',
    '\t\tstate = nested',
    '\t\tpid = 1',
    '\t}',
    '\truns = 12',
    '\tpid = 812',
    '\tlast exit code = 75: EX_TEMPFAIL',
    '}',
  ].join('\n');
  t.same(parseLaunchctlPrint(text), { state: 'running', pid: 812, runs: 12, lastExit: '75: EX_TEMPFAIL', path: '/Library/LaunchDaemons/io.silicon-agent.plist' });
  t.same(parseLaunchctlPrint('something else entirely\n'), {});
  t.same(parseLaunchctlPrint(''), {});
});

t.test('status: job state, install mode, last export and each source, from the agent\'s status file', async (t) => {
  const n = fakeNode();
  t.teardown(n.cleanup);
  await installed(n);
  let clock = new Date('2026-11-22T11:59:00Z');
  const health = new Health({ now: () => clock.getTime() });
  const w = createStatusWriter(`${n.root}/usr/local/var/silicon-agent/status.json`, health, { now: () => clock });
  health.sourceStatus('powermetrics', { state: 'running' });
  health.sample('powermetrics');
  health.sourceStatus('smc', { state: 'unavailable', reason: 'SMC addon not built' });
  clock = new Date('2026-11-22T11:59:45Z');
  health.exported('success');
  clock = new Date('2026-11-22T11:59:50Z');
  health.exported('failure', 'connect ECONNREFUSED 10.0.0.5:4318', 'unavailable');
  health.scraped();
  w.close();
  const r = readStatusFile(`${n.root}/usr/local/var/silicon-agent/status.json`);
  t.ok(r.ok);

  t.equal(await status([], n.ctx), 0);
  const out = n.out.join('\n');
  t.match(out, 'job          system/io.silicon-agent: running (pid 4242, runs 3, last exit 75: EX_TEMPFAIL)');
  t.match(out, 'installed    2026-11-22T12:00:00.000Z as _siliconagent (powermetrics through a sudoers rule)');
  t.match(out, 'last export  2026-11-22T11:59:45.000Z (15 s ago)');
  t.match(out, 'last failure 2026-11-22T11:59:50.000Z (10 s ago): connect ECONNREFUSED 10.0.0.5:4318 (unavailable)');
  t.match(out, /\n {2}powermetrics +running +last sample 2026-11-22T11:59:00\.000Z \(60 s ago\)/);
  t.match(out, /\n {2}smc +unavailable +last sample never {2}— SMC addon not built/);
  t.same(n.callsOf('launchctl'), [['print', 'system/io.silicon-agent']]);

  n.out.length = 0;
  t.equal(await status(['--json'], n.ctx), 0);
  const j = JSON.parse(n.out.join('\n'));
  t.equal(j.job.pid, 4242);
  t.equal(j.agent.status.export.lastSuccessAt, '2026-11-22T11:59:45.000Z');
  t.equal(j.install.privilege, 'user');
});

t.test('status when nothing is installed: not loaded, exit 3, says how to install', async (t) => {
  const n = fakeNode({ platform: 'linux', uid: 1000 });
  t.teardown(n.cleanup);
  t.equal(await status([], n.ctx), 3);
  const out = n.out.join('\n');
  t.match(out, /not loaded \(not installed: `sudo silicon-agent install`\)/);
  t.match(out, /no status file at .*status\.json \(the agent has not run yet\)/);
});

t.test('status and doctor share the admin commands\' usage handling: --help exits 0, a bad option 64', async (t) => {
  for (const [name, run] of [['status', status], ['doctor', doctor]] as const) {
    const n = fakeNode();
    t.teardown(n.cleanup);
    t.equal(await run(['--help'], n.ctx), 0, `${name} --help`);
    t.match(n.out.join('\n'), new RegExp(`usage: silicon-agent ${name}`), `${name} --help prints its usage on stdout`);
    t.equal(await run(['--bogus'], n.ctx), 64, `${name} --bogus`);
    t.match(n.err.join('\n'), /Unknown option '--bogus'[\s\S]*usage:/, `${name} --bogus: the error, then the usage, on stderr`);
    t.same(n.calls(), [], `${name}: usage errors run no system command`);
  }
});
