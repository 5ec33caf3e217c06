/**
 * `npm ci` must never fail because of the addon (issue 4): the package's own `install` script, run
 * exactly as npm runs it, exits 0 with one clear line when the build cannot work (here: no Node
 * headers, as on a Mac without Xcode's command-line tools or an offline machine without a nodedir),
 * records why in build/ADDON-NOT-BUILT.txt for `doctor`, and the agent then runs without the SMC
 * source (test/robustness/addon-absent.test.ts; the installed artifact: test/install/artifact.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

const root = new URL('../..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

t.test('the install script tolerates a failing addon build', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-install-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A copy of what the build reads (no build/ folder, so node-gyp-build has to compile).
  cpSync(join(root, 'binding.gyp'), join(dir, 'binding.gyp'));
  cpSync(join(root, 'native'), join(dir, 'native'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  const env = {
    ...process.env,
    PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}`,
    NODE_PATH: join(root, 'node_modules'),
    npm_config_nodedir: join(dir, 'no-such-node-headers'),
  };
  const r = spawnSync('sh', ['-c', pkg.scripts.install!], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, 'install script exits 0');
  t.match(r.stderr, /gyp: .*no-such-node-headers\/common\.gypi not found/, 'the build was really attempted and failed');
  const line = `silicon-agent: SMC addon not built (${join(dir, 'no-such-node-headers', 'common.gypi')} not found`;
  t.equal(r.stderr.split('\n').filter((l) => l.startsWith('silicon-agent:')).length, 1, 'one line of its own');
  t.match(r.stderr, `${line}`, 'naming the cause gyp gave');
  t.match(r.stderr, /; the agent runs without the SMC source\. `silicon-agent doctor` says more\.\n$/, 'and what it means, as the last line');
  t.notOk(existsSync(join(dir, 'build', 'Release', 'silicon_agent_smc.node')), 'and indeed nothing was built');
  const note = readFileSync(join(dir, 'build', 'ADDON-NOT-BUILT.txt'), 'utf8');
  t.match(note, `reason: ${join(dir, 'no-such-node-headers', 'common.gypi')} not found`, 'the note for doctor says why');
  t.match(note, /gyp ERR! not ok/, 'and keeps the end of the build output');
});

t.test('a later successful build removes the note', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-install-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(root, 'binding.gyp'), join(dir, 'binding.gyp'));
  cpSync(join(root, 'native'), join(dir, 'native'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  const env = { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}`, NODE_PATH: join(root, 'node_modules') };
  const failing = spawnSync('sh', ['-c', pkg.scripts.install!], { cwd: dir, env: { ...env, npm_config_nodedir: join(dir, 'none') }, encoding: 'utf8', timeout: 120_000 });
  t.equal(failing.status, 0);
  t.ok(existsSync(join(dir, 'build', 'ADDON-NOT-BUILT.txt')), 'a failed build leaves the note');
  // The headers node-gyp builds against here (.ci/run and the README use the same nodedir).
  const nodedir = process.env.npm_config_nodedir || '/usr';
  const ok = spawnSync('sh', ['-c', pkg.scripts.install!], { cwd: dir, env: { ...env, npm_config_nodedir: nodedir }, encoding: 'utf8', timeout: 120_000 });
  t.equal(ok.status, 0, ok.stderr);
  t.ok(existsSync(join(dir, 'build', 'Release', 'silicon_agent_smc.node')), 'the addon was built');
  t.notOk(existsSync(join(dir, 'build', 'ADDON-NOT-BUILT.txt')), 'and the note is gone');
  t.notMatch(ok.stderr, /silicon-agent: SMC addon not built/);
});
