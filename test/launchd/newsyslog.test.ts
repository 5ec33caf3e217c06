import t from 'tap';
import { closeSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderNewsyslog, renderPlist } from '../../src/launchd/job.ts';
import { checkRotated, watchLogRotation } from '../../src/launchd/log-rotation.ts';

const JOB = { node: '/usr/bin/node', entry: '/opt/sa/dist/src/cli.js', user: '_siliconagent', group: '_siliconagent' };

/** newsyslog.conf(5): logfile [owner:group] mode count size when flags [pid_file] [sig_num]. */
function entries(text: string): string[][] {
  return text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.trim().split(/\s+/));
}

t.test('newsyslog entry: the log directory glob, owner, mode, count, size, flags', async (t) => {
  const e = entries(renderNewsyslog({ ...JOB, privilege: 'user' }));
  t.same(e, [['/var/log/silicon-agent/*.log', '_siliconagent:_siliconagent', '640', '5', '10240', '*', 'GN']]);
  const flags = e[0]![6]!;
  t.match(flags, /G/, 'G: the name is a glob');
  t.match(flags, /N/, 'N: no process to signal (without it newsyslog would SIGHUP syslogd)');
  t.notMatch(flags, /[JZX]/, 'no compression: the agent may still be appending to .0 until it notices');
  t.equal(e[0]!.length, 7, 'no pid file: newsyslog (root) never signals a pid read from a file the agent user can write');
  // The glob covers both files the plist points at.
  const plist = renderPlist({ ...JOB, privilege: 'user' });
  for (const f of ['/var/log/silicon-agent/agent.log', '/var/log/silicon-agent/stdout.log']) t.ok(plist.includes(`<string>${f}</string>`), f);
});

t.test('--root: logs owned by root:wheel', async (t) => {
  t.same(entries(renderNewsyslog({ ...JOB, privilege: 'root' }))[0]!.slice(0, 2), ['/var/log/silicon-agent/*.log', 'root:wheel']);
});

t.test('rotation is noticed from the descriptor launchd opened (rename, then missing)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-rot-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'agent.log');
  writeFileSync(log, 'first\n');
  const fd = openSync(log, 'a');
  t.teardown(() => closeSync(fd));
  t.equal(checkRotated(log, fd), undefined, 'same file: no rotation');
  renameSync(log, log + '.0');
  t.equal(checkRotated(log, fd), 'missing', 'renamed away, nothing new yet');
  writeFileSync(log, ''); // newsyslog creates the fresh file
  t.equal(checkRotated(log, fd), 'renamed');

  const seen: string[] = [];
  await new Promise<void>((resolve) => {
    const keep = setTimeout(resolve, 2000); // the watcher's timer is unref'd; hold the loop open
    t.teardown(() => clearTimeout(keep));
    const w = watchLogRotation({ path: log, fd, intervalMs: 5, onRotated: (why) => { seen.push(why); setTimeout(resolve, 30); } });
    t.teardown(() => w.stop());
  });
  t.same(seen, ['renamed'], 'fires once');
});
