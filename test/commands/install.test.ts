import t from 'tap';
import { install, parseInstallArgs, type InstallOptions } from '../../src/commands/install.ts';
import { parsePlist } from '../../src/parsers/plist.ts';
import type { PlistDict } from '../../src/parsers/plist-model.ts';
import { plistutilRoundTrip } from '../launchd/tools.ts';
import { fakeNode, type FakeNode } from './harness.ts';

function opts(n: FakeNode, argv: string[] = []): InstallOptions {
  const p = parseInstallArgs(['--node', n.node, '--entry', n.entry, ...argv]);
  if (!p.ok) throw new Error(p.error);
  return p.opts;
}

const INSTALLED = [
  '/Library/', '/Library/LaunchDaemons/', '/Library/LaunchDaemons/io.silicon-agent.plist',
  '/etc/', '/etc/newsyslog.d/', '/etc/newsyslog.d/silicon-agent.conf', '/etc/sudoers.d/', '/etc/sudoers.d/silicon-agent',
  '/usr/', '/usr/local/', '/usr/local/etc/', '/usr/local/etc/silicon-agent/', '/usr/local/etc/silicon-agent/config.json',
  '/usr/local/etc/silicon-agent/install.json', '/usr/local/var/', '/usr/local/var/silicon-agent/',
  '/var/', '/var/log/', '/var/log/silicon-agent/',
];

/** launchctl subcommands in call order, `print` polls collapsed. */
function launchctlOrder(n: FakeNode): string[] {
  const seq = n.callsOf('launchctl').map((c) => c[0]!);
  return seq.filter((c, i) => !(c === 'print' && seq[i - 1] === 'print'));
}

t.test('fresh install as the default unprivileged user: files, owners, modes, account, launchctl order', async (t) => {
  const n = fakeNode();
  t.teardown(n.cleanup);
  const rc = await install(opts(n, ['--collector', 'http://collector.lan:4318']), n.ctx);
  t.equal(rc, 0, n.err.join('\n'));
  t.same(n.files(), INSTALLED.sort());

  // The account: hidden, no shell, no home, id from the hidden range avoiding the taken 499.
  const dscl = n.callsOf('dscl').filter((c) => c[1] === '-create').map((c) => c.slice(2).join(' '));
  t.same(dscl, [
    '/Groups/_siliconagent', '/Groups/_siliconagent PrimaryGroupID 498', '/Groups/_siliconagent RealName silicon-agent', '/Groups/_siliconagent Password *',
    '/Users/_siliconagent', '/Users/_siliconagent UniqueID 498', '/Users/_siliconagent PrimaryGroupID 498',
    '/Users/_siliconagent UserShell /usr/bin/false', '/Users/_siliconagent NFSHomeDirectory /var/empty',
    '/Users/_siliconagent RealName silicon-agent', '/Users/_siliconagent Password *', '/Users/_siliconagent IsHidden 1',
  ]);

  // The sudoers rule was checked by visudo -cf on a temp file (skipped by sudo: dot in the name) before it was moved in.
  const visudo = n.callsOf('visudo');
  t.equal(visudo.length, 1);
  t.equal(visudo[0]![0], '-cf');
  t.match(visudo[0]![1], /\/etc\/sudoers\.d\/\.silicon-agent\.tmp$/);
  t.equal(n.read('/etc/sudoers.d/silicon-agent'), (await import('node:fs')).readFileSync(`${n.state}/visudo-checked`, 'utf8'));
  t.match(n.read('/etc/sudoers.d/silicon-agent'), /^_siliconagent ALL = \(root\) NOPASSWD: SILICON_AGENT_POWERMETRICS$/m);
  const { statSync } = await import('node:fs');
  t.equal(statSync(`${n.root}/etc/sudoers.d/silicon-agent`).mode & 0o777, 0o440);
  t.equal(statSync(`${n.root}/Library/LaunchDaemons/io.silicon-agent.plist`).mode & 0o777, 0o644);
  t.equal(statSync(`${n.root}/usr/local/etc/silicon-agent/config.json`).mode & 0o777, 0o640);
  t.equal(statSync(`${n.root}/usr/local/var/silicon-agent`).mode & 0o777, 0o750);

  const chown = n.callsOf('chown').map(([owner, p]) => `${owner} ${p!.slice(n.root.length)}`);
  t.same(chown.sort(), [
    'root:wheel /etc/newsyslog.d/.silicon-agent.conf.tmp',
    'root:wheel /etc/sudoers.d/.silicon-agent.tmp',
    'root:wheel /Library/LaunchDaemons/.io.silicon-agent.plist.tmp',
    'root:wheel /usr/local/etc/silicon-agent',
    'root:wheel /usr/local/etc/silicon-agent/.install.json.tmp',
    'root:_siliconagent /usr/local/etc/silicon-agent/.config.json.tmp',
    '_siliconagent:_siliconagent /var/log/silicon-agent',
    '_siliconagent:_siliconagent /usr/local/var/silicon-agent',
  ].sort());

  // The config: collector set, powermetrics through sudo; nothing else forced.
  t.same(JSON.parse(n.read('/usr/local/etc/silicon-agent/config.json')), {
    exporters: { otlp: { endpoint: 'http://collector.lan:4318' } },
    sources: { powermetrics: { sudo: true } },
  });

  // The plist read back by libplist.
  const r = parsePlist(plistutilRoundTrip(n.read('/Library/LaunchDaemons/io.silicon-agent.plist')));
  t.ok(r.ok);
  const d = (r as { value: PlistDict }).value;
  t.same(d.ProgramArguments, [n.node, '--max-old-space-size=96', '--min-semi-space-size=2', '--max-semi-space-size=2', '--single-threaded', '--no-opt', '--v8-pool-size=1', n.entry, 'run', '--config', '/usr/local/etc/silicon-agent/config.json']);
  t.equal(d.UserName, '_siliconagent');
  t.equal(d.GroupName, '_siliconagent');

  t.same(launchctlOrder(n), ['print', 'bootstrap', 'enable', 'kickstart'], 'nothing loaded: no bootout');
  t.same(n.callsOf('launchctl').find((c) => c[0] === 'bootstrap'), ['bootstrap', 'system', `${n.root}/Library/LaunchDaemons/io.silicon-agent.plist`]);
  t.same(n.callsOf('launchctl').find((c) => c[0] === 'kickstart'), ['kickstart', '-k', 'system/io.silicon-agent']);
  t.same(JSON.parse(n.read('/usr/local/etc/silicon-agent/install.json')).createdUser, true);
  t.match(n.out.join('\n'), /installed io\.silicon-agent: running as _siliconagent/);
});

t.test('re-install is idempotent: bootout, wait until gone, bootstrap, enable, kickstart; same files; edits kept; user not re-created', async (t) => {
  const n = fakeNode({ drain: 3 });
  t.teardown(n.cleanup);
  t.equal(await install(opts(n, ['--collector', 'http://a:4318']), n.ctx), 0);
  const before = Object.fromEntries(n.files().filter((f) => !f.endsWith('/')).map((f) => [f, n.read(f)]));
  // The operator edits the config between installs.
  const cfg = JSON.parse(n.read('/usr/local/etc/silicon-agent/config.json'));
  cfg.log = { level: 'debug' };
  (await import('node:fs')).writeFileSync(`${n.root}/usr/local/etc/silicon-agent/config.json`, JSON.stringify(cfg));
  n.clearCalls();

  t.equal(await install(opts(n), n.ctx), 0, n.err.join('\n'));
  const lc = n.callsOf('launchctl').map((c) => c.join(' '));
  // bootout, then `print` until it fails: the fake keeps answering for 3 polls after bootout (draining).
  t.same(lc, [
    'print system/io.silicon-agent',
    'bootout system/io.silicon-agent',
    'print system/io.silicon-agent', 'print system/io.silicon-agent', 'print system/io.silicon-agent', 'print system/io.silicon-agent',
    `bootstrap system ${n.root}/Library/LaunchDaemons/io.silicon-agent.plist`,
    'enable system/io.silicon-agent',
    'kickstart -k system/io.silicon-agent',
  ]);
  t.same(n.callsOf('dscl').filter((c) => c[1] === '-create'), [], 'the user exists now: not created again');
  const after = Object.fromEntries(n.files().filter((f) => !f.endsWith('/')).map((f) => [f, n.read(f)]));
  t.same(Object.keys(after).sort(), Object.keys(before).sort());
  for (const f of Object.keys(before)) if (!f.endsWith('config.json')) t.equal(after[f], before[f], `${f} unchanged`);
  t.same(JSON.parse(after['/usr/local/etc/silicon-agent/config.json']!), {
    exporters: { otlp: { endpoint: 'http://a:4318' } }, sources: { powermetrics: { sudo: true } }, log: { level: 'debug' },
  }, 'operator edits and the earlier --collector are kept');
  t.equal(JSON.parse(after['/usr/local/etc/silicon-agent/install.json']!).createdUser, true, 'still ours to delete on uninstall');
});

t.test('"Bootstrap failed: 5" once: wait, enable, retry once, succeed', async (t) => {
  const n = fakeNode();
  t.teardown(n.cleanup);
  n.failNext('bootstrap', 1);
  t.equal(await install(opts(n), n.ctx), 0, n.err.join('\n'));
  t.same(launchctlOrder(n), ['print', 'bootstrap', 'print', 'enable', 'bootstrap', 'enable', 'kickstart']);
});

t.test('--root: no account, no sudoers rule, no UserName; switching from user mode removes the old rule', async (t) => {
  const n = fakeNode();
  t.teardown(n.cleanup);
  t.equal(await install(opts(n), n.ctx), 0);
  t.ok(n.exists('/etc/sudoers.d/silicon-agent'));
  n.clearCalls();
  t.equal(await install(opts(n, ['--root']), n.ctx), 0, n.err.join('\n'));
  t.notOk(n.exists('/etc/sudoers.d/silicon-agent'), 'rule removed');
  t.same(n.callsOf('dscl'), []);
  t.same(n.callsOf('visudo'), []);
  t.notMatch(n.read('/Library/LaunchDaemons/io.silicon-agent.plist'), /UserName/);
  t.same(JSON.parse(n.read('/usr/local/etc/silicon-agent/config.json')).sources, { powermetrics: { sudo: false } });
  t.match(n.read('/etc/newsyslog.d/silicon-agent.conf'), /root:wheel/);
});

t.test('refusals: not macOS, not root — clear message, nothing touched', async (t) => {
  for (const [o, msg] of [[{ platform: 'linux' }, /this is linux, not macOS/], [{ uid: 501 }, /must run as root.*sudo silicon-agent install/]] as const) {
    const n = fakeNode(o);
    t.teardown(n.cleanup);
    t.equal(await install(opts(n), n.ctx), 1);
    t.match(n.err.join('\n'), msg);
    t.same(n.files(), []);
    t.same(n.calls(), [], 'no command ran');
  }
});

t.test('argument errors', async (t) => {
  t.match(parseInstallArgs(['--root', '--user', 'x']), { ok: false, error: /exclude each other/ });
  t.match(parseInstallArgs(['--user', 'Bad Name']), { ok: false, error: /not a valid account name/ });
  t.match(parseInstallArgs(['--user', 'root']), { ok: false, error: /use --root/ });
  t.match(parseInstallArgs(['--node', 'node']), { ok: false, error: /absolute path/ });
  t.match(parseInstallArgs(['--bogus']), { ok: false, error: /Unknown option/ });
  t.match(parseInstallArgs([]), { ok: true, opts: { privilege: 'user', user: '_siliconagent', dryRun: false } });
});

/** Every failure leaves the fake root exactly as it was and unloads the job. */
for (const [what, setup, message] of [
  ['visudo rejects the rule', (n: FakeNode) => n.failNext('visudo'), /sudoers.*failed validation, nothing was put in place.*syntax error/],
  ['dscl cannot create the user', (n: FakeNode) => n.failNext('dscl'), /dscl.*-create.*eDSPermissionError/],
  ['bootstrap fails twice', (n: FakeNode) => n.failNext('bootstrap', 2), /launchctl bootstrap system .* failed \(exit 5\): Bootstrap failed: 5/],
  ['enable fails', (n: FakeNode) => n.failNext('enable', 1), /launchctl enable system\/io.silicon-agent. failed/],
  ['kickstart fails', (n: FakeNode) => n.failNext('kickstart', 1), /kickstart -k system\/io.silicon-agent. failed.*Operation not permitted/],
  ['chown fails', (n: FakeNode) => n.failNext('chown', 1), /chown.*Operation not permitted/],
] as const) {
  t.test(`fresh install, ${what}: clear message, everything undone`, async (t) => {
    const n = fakeNode();
    t.teardown(n.cleanup);
    setup(n);
    t.equal(await install(opts(n), n.ctx), 1);
    const err = n.err.join('\n');
    t.match(err, message);
    t.match(err, /every change of this run was undone; nothing is installed/);
    t.same(n.files().filter((f) => !f.endsWith('/')), [], 'no file left');
    t.notOk(n.exists('/usr/local/etc/silicon-agent'), 'no directory we created is left');
    t.notOk(n.exists('/Users/_siliconagent'));
    const { existsSync } = await import('node:fs');
    t.notOk(existsSync(`${n.state}/Users/_siliconagent`), 'created user deleted');
    t.notOk(existsSync(`${n.state}/Groups/_siliconagent`), 'created group deleted');
    t.notOk(existsSync(`${n.state}/loaded`), 'job not loaded');
  });
}

t.test('a failing re-install restores the previous files and says how to start them again', async (t) => {
  const n = fakeNode();
  t.teardown(n.cleanup);
  t.equal(await install(opts(n, ['--collector', 'http://old:4318']), n.ctx), 0);
  const before = Object.fromEntries(n.files().filter((f) => !f.endsWith('/')).map((f) => [f, n.read(f)]));
  n.failNext('kickstart', 1);
  t.equal(await install(opts(n, ['--collector', 'http://new:4318', '--root']), n.ctx), 1);
  const after = Object.fromEntries(n.files().filter((f) => !f.endsWith('/')).map((f) => [f, n.read(f)]));
  t.same(after, before, 'byte-identical previous installation');
  t.match(n.err.join('\n'), /previous files were restored; the job is not loaded/);
});

t.test('a broken existing config is refused before anything changes', async (t) => {
  const n = fakeNode();
  t.teardown(n.cleanup);
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(`${n.root}/usr/local/etc/silicon-agent`, { recursive: true });
  writeFileSync(`${n.root}/usr/local/etc/silicon-agent/config.json`, '{"exporters": {"otlp": {"endpoint": "ftp://x"}}}');
  t.equal(await install(opts(n), n.ctx), 78);
  t.match(n.err.join('\n'), /exporters\.otlp\.endpoint/);
  t.same(n.files(), ['/usr/', '/usr/local/', '/usr/local/etc/', '/usr/local/etc/silicon-agent/', '/usr/local/etc/silicon-agent/config.json']);
  t.same(n.callsOf('dscl').filter((c) => c[1] !== '-list'), []);
});

t.test('--dry-run works on Linux as any user: prints every file and command, changes nothing', async (t) => {
  const n = fakeNode({ platform: 'linux', uid: 1000 });
  t.teardown(n.cleanup);
  t.equal(await install(opts(n, ['--dry-run', '--collector', 'http://c:4318']), n.ctx), 0, n.err.join('\n'));
  const out = n.out.join('\n');
  t.same(n.files(), []);
  t.same(n.callsOf('launchctl'), [], 'no launchctl call at all');
  t.same(n.callsOf('dscl').filter((c) => c[1] !== '-list'), [], 'only read-only dscl queries');
  for (const f of ['/etc/sudoers.d/silicon-agent', '/usr/local/etc/silicon-agent/config.json', '/etc/newsyslog.d/silicon-agent.conf', '/Library/LaunchDaemons/io.silicon-agent.plist', '/usr/local/etc/silicon-agent/install.json'])
    t.match(out, `--- end of ${f} ---`, f);
  t.match(out, '<key>ProgramArguments</key>');
  t.match(out, 'Cmnd_Alias SILICON_AGENT_POWERMETRICS = /usr/bin/powermetrics');
  t.match(out, /\$ visudo -cf \/etc\/sudoers\.d\/\.silicon-agent\.tmp/);
  t.match(out, /\$ dscl \. -create \/Users\/_siliconagent UniqueID 498/);
  const lc = out.split('\n').filter((l) => l.startsWith('$ launchctl')).map((l) => l.split(/\s+/)[2]);
  t.same(lc, ['bootout', 'bootstrap', 'enable', 'kickstart']);
});

t.test('the sudoers rule follows the configured samplers: tasks on gives the tasks line and its shed variants', async (t) => {
  const n = fakeNode();
  t.teardown(n.cleanup);
  t.equal(await install(opts(n, ['--collector', 'http://a:4318']), n.ctx), 0, n.err.join('\n'));
  t.notMatch(n.read('/etc/sudoers.d/silicon-agent'), /tasks/, 'default samplers: no tasks');
  const cfg = JSON.parse(n.read('/usr/local/etc/silicon-agent/config.json'));
  cfg.sources.powermetrics.samplers = ['cpu_power', 'gpu_power', 'thermal', 'tasks'];
  (await import('node:fs')).writeFileSync(`${n.root}/usr/local/etc/silicon-agent/config.json`, JSON.stringify(cfg));
  t.equal(await install(opts(n), n.ctx), 0, n.err.join('\n'));
  const rule = n.read('/etc/sudoers.d/silicon-agent').replace(/\\\n\s*/g, '');
  t.match(rule, '/usr/bin/powermetrics -f plist -b 0 -i 5000 --samplers cpu_power\\,gpu_power\\,thermal\\,tasks --show-process-coalition --show-process-gpu --show-process-energy --show-process-io --show-process-netstats');
  t.match(rule, '/usr/bin/powermetrics -f plist -b 0 -i 10000 --samplers cpu_power\\,gpu_power\\,thermal,', 'level 1: tasks shed');
});
