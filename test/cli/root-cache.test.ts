/**
 * Running as root writes nothing into a shared directory (issue 12): bin/silicon-agent.js enables
 * Node's compile cache, whose default is <tmpdir>/node-compile-cache. As root it is used only in a
 * root-owned directory nobody else can write (bin/compile-cache.js); a symlink planted in a
 * world-writable temp dir is never followed.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, type Stats } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { chooseCompileCache, safeForRoot } from '../../bin/compile-cache.js';
import { cleanEnv } from '../robustness/agent-process.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/silicon-agent.js');

/** A fake lstat over a table of paths: uid, mode, kind. */
function fakeFs(table: Record<string, { uid: number; mode: number; kind?: 'dir' | 'link' | 'file' }>) {
  return (p: string): Stats => {
    const e = table[p];
    if (!e) throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
    return {
      uid: e.uid,
      mode: e.mode,
      isDirectory: () => (e.kind ?? 'dir') === 'dir',
      isSymbolicLink: () => e.kind === 'link',
    } as unknown as Stats;
  };
}

t.test('the decision: root only in a root-owned directory nobody else can write', async (t) => {
  const safe = fakeFs({ '/': { uid: 0, mode: 0o755 }, '/usr': { uid: 0, mode: 0o755 }, '/usr/local': { uid: 0, mode: 0o755 }, '/usr/local/var': { uid: 0, mode: 0o755 }, '/usr/local/var/sa': { uid: 0, mode: 0o700 } });
  t.same(chooseCompileCache({ uid: 0, env: { SILICON_AGENT_COMPILE_CACHE: '/usr/local/var/sa/compile-cache' }, lstat: safe }), { dir: '/usr/local/var/sa/compile-cache' }, 'not yet created under a safe parent: used');
  t.equal(chooseCompileCache({ uid: 0, env: {}, lstat: safe }), undefined, 'root without SILICON_AGENT_COMPILE_CACHE: no cache (never the shared tmpdir default)');
  const tmp = fakeFs({ '/': { uid: 0, mode: 0o755 }, '/tmp': { uid: 0, mode: 0o1777 } });
  t.equal(chooseCompileCache({ uid: 0, env: { SILICON_AGENT_COMPILE_CACHE: '/tmp/cache' }, lstat: tmp }), undefined, 'a world-writable ancestor: refused');
  const link = fakeFs({ '/': { uid: 0, mode: 0o755 }, '/var': { uid: 0, mode: 0o755, kind: 'link' } });
  t.equal(safeForRoot('/var/cache', link), false, 'a symlink on the way: refused');
  const other = fakeFs({ '/': { uid: 0, mode: 0o755 }, '/home': { uid: 0, mode: 0o755 }, '/home/u': { uid: 1000, mode: 0o755 } });
  t.equal(safeForRoot('/home/u/cache', other), false, 'owned by another user: refused');
  const groupw = fakeFs({ '/': { uid: 0, mode: 0o775 } });
  t.equal(safeForRoot('/c', groupw), false, 'group-writable: refused');
  t.equal(safeForRoot('relative/dir', safe), false, 'a relative path: refused');
  t.equal(safeForRoot('/usr/local/var/sa/x\ny', safe), false, 'a control character: refused');
  t.same(chooseCompileCache({ uid: 501, env: {}, lstat: tmp }), { dir: undefined }, 'another user: Node\'s default, in its own temp dir');
  t.equal(chooseCompileCache({ uid: 0, env: { NODE_DISABLE_COMPILE_CACHE: '1', SILICON_AGENT_COMPILE_CACHE: '/usr/local/var/sa/c' }, lstat: safe }), undefined);
});

t.test('live: a planted symlink in a world-writable temp dir is never followed', async (t) => {
  const uid = process.getuid!();
  const shared = mkdtempSync(join(tmpdir(), 'sa-shared-tmp-'));
  chmodSync(shared, 0o1777); // like /tmp
  const victim = mkdtempSync(join(tmpdir(), 'sa-victim-'));
  symlinkSync(victim, join(shared, 'node-compile-cache'));
  // A root-owned directory nobody else can write, on a path without a world-writable ancestor (not
  // /tmp): the checkout's node_modules when the checkout is such a path, else root's home or /var/lib
  // (a CI checkout under /tmp has /tmp, world-writable, among its ancestors).
  const parent = [join(ROOT, 'node_modules'), homedir(), '/var/lib', '/opt'].find((d) => safeForRoot(d));
  t.ok(parent, 'a root-owned parent without a world-writable ancestor exists on this machine');
  const safe = mkdtempSync(join(parent!, '.sa-state-'));
  chmodSync(safe, 0o700);
  t.teardown(() => rmSync(safe, { recursive: true, force: true }));
  const run = (env: Record<string, string>) =>
    execa(process.execPath, [BIN, 'sample', '--replay', join(ROOT, 'fixtures/replay/m2-ultra'), '--json'], {
      env: { ...cleanEnv(), TMPDIR: shared, SILICON_AGENT_COMPILE_CACHE: '', ...env },
      extendEnv: false,
      reject: false,
    });
  const r = await run({});
  t.equal(r.exitCode, 0, r.stderr);
  if (uid === 0) {
    t.same(readdirSync(victim), [], 'root: nothing written through the planted symlink');
    t.same(readdirSync(shared), ['node-compile-cache'], 'root: nothing new in the shared temp dir');
    t.ok(lstatSync(join(shared, 'node-compile-cache')).isSymbolicLink(), 'the symlink is untouched');
    const inShared = await run({ SILICON_AGENT_COMPILE_CACHE: join(shared, 'cache') });
    t.equal(inShared.exitCode, 0);
    t.same(readdirSync(shared), ['node-compile-cache'], 'root: SILICON_AGENT_COMPILE_CACHE under a world-writable dir is refused too');
    // The launchd job's case: a root-owned state directory.
    mkdirSync(join(safe, 'state'), { mode: 0o700 });
    const ok = await run({ SILICON_AGENT_COMPILE_CACHE: join(safe, 'state', 'compile-cache') });
    t.equal(ok.exitCode, 0);
    t.ok(readdirSync(join(safe, 'state', 'compile-cache')).length > 0, 'root: the cache is used in a root-owned directory');
  } else {
    // Not root (a developer's machine): Node's default applies, in this user's own temp dir.
    t.ok(readdirSync(victim).length > 0 || readdirSync(shared).length >= 1, 'a non-root user gets Node\'s default cache');
  }
});
