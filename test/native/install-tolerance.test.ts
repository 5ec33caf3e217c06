/**
 * `npm ci` must never fail because of the addon (issue 4): the package's own `install` script, run
 * exactly as npm runs it, exits 0 with one clear line when the build cannot work (here: no Node
 * headers, as on a Mac without Xcode's command-line tools or an offline machine without a nodedir),
 * and the agent then runs without the SMC source (test/robustness/addon-absent.test.ts).
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
  t.match(r.stderr, /native SMC addon not built; the agent runs without the SMC source/, 'one clear line');
  t.notOk(existsSync(join(dir, 'build', 'Release', 'silicon_agent_smc.node')), 'and indeed nothing was built');
});
