/**
 * `npm ci --omit=dev` works in a checkout (issue 16): `prepare` rebuilds tap only where tap is
 * installed, and the addon's install script needs no development package (npm brings node-gyp).
 * A copy of what a checkout's production install reads (package.json, the lockfile, the addon's
 * sources, bin/, src/, the bundled replay) is installed with --omit=dev, with Node 24 first on PATH
 * and the checkout's own tools off it; the bin (not under node_modules) then runs
 * the TypeScript sources on Node 24.
 * The development install (`npm ci`, then `npm test`) is what .ci/run and every other test prove.
 */
import { devOnlyPackages } from './dev-only.ts';
import t from 'tap';
import { execa } from 'execa';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { SampleOutput } from '../../src/commands/sample.ts';
import type { PowermetricsSample } from '../../src/modules/powermetrics/sample.ts';
import { plainEnv, REPO } from '../../scripts/build.ts';

const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };

t.test('npm ci --omit=dev in a checkout: no tap build, no dev packages, the addon built, the agent runs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-omit-dev-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const p of ['package.json', 'package-lock.json', 'binding.gyp', 'native', 'bin', 'src', 'fixtures/replay/m2-ultra']) {
    cpSync(join(REPO, p), join(dir, p), { recursive: true });
  }
  const base = plainEnv();
  const env = {
    ...base,
    PATH: [dirname(process.execPath), ...(base.PATH ?? '').split(delimiter).filter((p) => p && !p.startsWith(join(REPO, 'node_modules')))].join(delimiter),
    npm_config_nodedir: process.env.npm_config_nodedir || '/usr',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  const ci = await execa('npm', ['ci', '--omit=dev', '--prefer-offline'], { cwd: dir, env, extendEnv: false, reject: false, all: true });
  if (ci.exitCode !== 0) t.comment(ci.all);
  t.equal(ci.exitCode, 0, 'npm ci --omit=dev exits 0');
  t.notMatch(ci.all, /tap: not found|sh: 1: tap/, 'prepare did not try to run tap');
  const devOnly = devOnlyPackages(REPO);
  t.ok(devOnly.includes('tap') && devOnly.includes('typescript'), 'the development-only packages are known');
  for (const dev of devOnly) t.notOk(existsSync(join(dir, 'node_modules', dev)), `no ${dev}`);
  t.ok(existsSync(join(dir, 'build', 'Release', 'silicon_agent_smc.node')), 'the SMC addon was built');

  const r = await execa(process.execPath, [join(dir, 'bin', 'silicon-agent.js'), 'sample', '--replay', join(dir, 'fixtures/replay/m2-ultra'), '--json'], {
    cwd: dir,
    env,
    extendEnv: false,
    reject: false,
  });
  t.equal(r.exitCode, 0, r.stderr);
  const out = JSON.parse(r.stdout) as SampleOutput;
  const pm = out.sources.powermetrics?.sample as PowermetricsSample | null | undefined;
  if (pm?.type !== 'powermetrics') throw new Error('no powermetrics sample');
  t.equal(pm.clusters.find((c) => c.name === 'P0-Cluster')?.freqHz, 2775020000, 'powermetrics.plist: P0-Cluster freq_hz 2.77502e+09');
});
