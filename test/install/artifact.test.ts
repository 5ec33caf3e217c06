/**
 * The release artifact, installed the way a node installs it (issue 16, "A production install"):
 * - packed by `npm run release`'s own function (scripts/release.ts);
 * - installed with `npm install --omit=dev <artifact>` into a temporary prefix, with Node 24 first on
 *   PATH (as Homebrew's node@24 on a Mac) and none of the checkout's tools (its node_modules/.bin is
 *   taken off PATH, so node-gyp is npm's own); the SMC addon is built there;
 * - one copy of each OpenTelemetry package (`npm ls`), no development package, and the installed
 *   footprint measured with du and held to 40 MB;
 * - the installed bin replays the bundled capture, and `doctor` checks the installed layout;
 * - then the addon is rebuilt with no working compiler: the rebuild still succeeds, doctor explains,
 *   and the agent still replays.
 * Slow by nature (a pack, an install and a rebuild; npm's cache keeps the registry out of it): on the
 * shared 2-core machine 32 s alone, 65 s alone beside two busy loops, 55 s inside a full `npm test`.
 * A full suite beside two busy loops (issue 13) would leave tap's 120 s per file too little room, so
 * this file sets its own limit, 300 s. Nothing here asserts how long anything takes.
 */
import { devOnlyPackages } from './dev-only.ts';
import t from 'tap';
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SampleOutput } from '../../src/commands/sample.ts';
import type { PowermetricsSample } from '../../src/modules/powermetrics/sample.ts';
import type { SmcSample } from '../../src/modules/smc/sample.ts';
import type { SysctlSample } from '../../src/modules/sysctl/sample.ts';
import type { VmStatSample } from '../../src/modules/vm_stat/sample.ts';
import { plainEnv, REPO } from '../../scripts/build.ts';
import { buildRelease } from '../../scripts/release.ts';

const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const LOCK = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
const MAX_FOOTPRINT_BYTES = 40_000_000;

t.setTimeout(300_000);

/** A node's environment: Node 24's own folder first on PATH, the checkout's tools off it. */
function nodeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = plainEnv();
  const path = (env.PATH ?? '').split(delimiter).filter((p) => p && !p.startsWith(join(REPO, 'node_modules')));
  return {
    ...env,
    PATH: [dirname(process.execPath), ...path].join(delimiter),
    // The headers node-gyp builds against here, as in .ci/run (a Mac uses Node's own download).
    npm_config_nodedir: process.env.npm_config_nodedir || '/usr',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...extra,
  };
}

function rows(out: string): Record<string, [string, string]> {
  const r: Record<string, [string, string]> = {};
  for (const l of out.split('\n')) {
    const m = /^(.+?)\s{2,}(PASS|FAIL|WARN)\s+(.*)$/.exec(l);
    if (m) r[m[1]!.trim()] = [m[2]!, m[3]!];
  }
  return r;
}

/** Every package in `npm ls --json` output, name → versions seen. */
function versions(tree: { dependencies?: Record<string, { version?: string; dependencies?: unknown }> }, into = new Map<string, Set<string>>()) {
  for (const [name, dep] of Object.entries(tree.dependencies ?? {})) {
    if (dep.version) into.set(name, (into.get(name) ?? new Set()).add(dep.version));
    versions(dep as never, into);
  }
  return into;
}

t.test('the release artifact installs with --omit=dev, runs from its bin, and stays under 40 MB', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'sa-artifact-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));

  // 1. The artifact.
  const tgz = await buildRelease(join(work, 'out'));
  t.equal(basename(tgz), `silicon-agent-${PKG.version}.tgz`);
  t.comment(`artifact: ${basename(tgz)}, ${(statSync(tgz).size / 1e6).toFixed(2)} MB`);
  const listing = (await execa('tar', ['-tzf', tgz])).stdout.split('\n');
  for (const f of [
    'package/dist/src/cli.js', 'package/dist/build-info.json', 'package/bin/silicon-agent.js', 'package/native/addon.cc',
    'package/native/build-addon.js', 'package/binding.gyp', 'package/launchd/io.silicon-agent.plist.json',
    'package/launchd/silicon-agent.newsyslog.conf', 'package/deploy/otel-collector.yaml', 'package/dashboards/silicon-agent.json',
    'package/docs/metrics.md', 'package/README.md', 'package/fixtures/replay/m2-ultra/manifest.json', 'package/npm-shrinkwrap.json',
  ]) t.ok(listing.includes(f), `holds ${f}`);
  t.same(listing.filter((f) => /^package\/(src|test|bench|scripts|node_modules|build)\//.test(f) || f.endsWith('.map')), [], 'no sources, tests, source maps or build output');
  const packed = JSON.parse((await execa('tar', ['-xzOf', tgz, 'package/package.json'])).stdout) as Record<string, unknown>;
  t.same(packed.dependencies, PKG.dependencies, 'the runtime dependencies, as pinned');
  t.equal(packed.devDependencies, undefined, 'no development dependencies');
  t.same(packed.scripts, { install: 'node native/build-addon.js' }, 'one script: the addon build at install');

  // 2. The install, as on a node.
  const prefix = join(work, 'prefix');
  mkdirSync(prefix);
  const inst = await execa('npm', ['install', '--omit=dev', '--prefer-offline', tgz], { cwd: prefix, env: nodeEnv(), extendEnv: false, reject: false, all: true });
  if (inst.exitCode !== 0) t.comment(inst.all);
  t.equal(inst.exitCode, 0, 'npm install --omit=dev <artifact> exits 0');
  const pkgDir = join(prefix, 'node_modules', 'silicon-agent');
  t.ok(existsSync(join(pkgDir, 'build', 'Release', 'silicon_agent_smc.node')), 'the SMC addon was built on the node');
  t.notOk(existsSync(join(pkgDir, 'build', 'ADDON-NOT-BUILT.txt')));
  t.notOk(existsSync(join(pkgDir, 'src')), 'no TypeScript sources: the bin can only run dist/');
  const devOnly = devOnlyPackages(REPO);
  t.ok(devOnly.includes('tap') && devOnly.includes('typescript'), 'the development-only packages are known');
  for (const dev of devOnly) t.notOk(existsSync(join(prefix, 'node_modules', dev)), `no ${dev}`);

  const ls = await execa('npm', ['ls', '--all', '--json'], { cwd: prefix, env: nodeEnv(), extendEnv: false, reject: false });
  t.equal(ls.exitCode, 0, `npm ls finds nothing missing or invalid: ${ls.stderr}`);
  const seen = versions(JSON.parse(ls.stdout));
  const otel = [...seen].filter(([name]) => name.startsWith('@opentelemetry/'));
  t.ok(otel.length >= 5, `${otel.length} OpenTelemetry packages`);
  for (const [name, v] of otel) t.same([...v], [LOCK.packages[`node_modules/${name}`]?.version], `one copy of ${name}, at the locked version`);

  const du = await execa('du', ['-sk', join(prefix, 'node_modules')]);
  const bytes = Number(du.stdout.split('\t')[0]) * 1024;
  const biggest = (await execa('sh', ['-c', 'du -sk node_modules/* node_modules/@*/* | sort -rn | head -5'], { cwd: prefix })).stdout;
  t.comment(`installed footprint: ${(bytes / 1e6).toFixed(1)} MB (${(bytes / 2 ** 20).toFixed(1)} MiB), du -sk of the prefix's node_modules`);
  t.comment(`largest (KiB): ${biggest.split('\n').map((l) => l.replace(/\tnode_modules\//, ' ')).join(', ')}`);
  t.ok(bytes <= MAX_FOOTPRINT_BYTES, `installed footprint ${(bytes / 1e6).toFixed(1)} MB <= 40 MB`);

  // 3. The installed bin, with Node 24, replaying the bundled capture.
  const bin = join(prefix, 'node_modules', '.bin', 'silicon-agent');
  const replay = join(pkgDir, 'fixtures', 'replay', 'm2-ultra');
  const sampleArgs = [bin, 'sample', '--replay', replay, '--json'];
  const sample = await execa(process.execPath, sampleArgs, { cwd: prefix, env: nodeEnv(), extendEnv: false, reject: false });
  t.equal(sample.exitCode, 0, sample.stderr);
  t.match(sample.stderr, /^REPLAY of .*fixtures\/replay\/m2-ultra, not live data/);
  const out = JSON.parse(sample.stdout) as SampleOutput;
  t.match(out.replay, { chip: 'Apple M2 Ultra', model: 'Mac14,14' });
  t.same(out.unavailable, []);
  const pm = out.sources.powermetrics?.sample as PowermetricsSample | null | undefined;
  if (pm?.type !== 'powermetrics') throw new Error('no powermetrics sample');
  t.equal(pm.clusters.find((c) => c.name === 'E0-Cluster')?.freqHz, 990818000, 'powermetrics.plist line 19: E0-Cluster freq_hz 9.90818e+08');
  const vm = out.sources.vm_stat?.sample as VmStatSample | null | undefined;
  if (vm?.type !== 'vm_stat') throw new Error('no vm_stat sample');
  t.equal(vm.pageSizeBytes, 16384, 'vm_stat.txt: "(page size of 16384 bytes)"');
  t.equal(vm.counters['Pages free'], 39656, 'vm_stat.txt: "Pages free: 39656."');
  const sc = out.sources.sysctl?.sample as SysctlSample | null | undefined;
  if (sc?.type !== 'sysctl') throw new Error('no sysctl sample');
  t.equal(sc.values['hw.memsize'], '137438953472', 'sysctl.txt: hw.memsize (128 GiB)');
  const smc = out.sources.smc?.sample as SmcSample | null | undefined;
  if (smc?.type !== 'smc') throw new Error('no smc sample');
  t.equal(smc.temperatures.find((x) => x.id === 'TB0p')?.celsius, Buffer.from([0x68, 0xa1, 0x24, 0x42]).readFloatLE(0), 'smc.txt: TB0p [flt ] bytes 68 a1 24 42');

  // 4. The version, from the installed compiled code.
  t.equal((await execa(process.execPath, [bin, '--version'], { env: nodeEnv(), extendEnv: false })).stdout, `silicon-agent ${PKG.version}`);
  const resource = (await import(pathToFileURL(join(pkgDir, 'dist', 'src', 'export', 'resource.js')).href)) as typeof import('../../src/export/resource.ts');
  t.equal(resource.resourceAttributes({ resource: { serviceName: 's', attributes: {} }, facts: {} })['service.version'], PKG.version, 'service.version of the installed build');

  // 5. doctor on the installed layout (the live sources and exporters are off: this is not a Mac).
  const config = join(work, 'config.json');
  writeFileSync(config, JSON.stringify({
    sources: { powermetrics: { enabled: false }, iostat: { enabled: false }, vm_stat: { enabled: false }, sysctl: { enabled: false } },
    exporters: { otlp: { enabled: false }, prometheus: { enabled: false } },
  }));
  const doctor = async () => {
    const r = await execa(process.execPath, [bin, 'doctor', '--config', config], { cwd: prefix, env: nodeEnv(), extendEnv: false, reject: false });
    return { code: r.exitCode, rows: rows(r.stdout) };
  };
  const d1 = await doctor();
  t.equal(d1.code, 1, 'exit 1: this is not a Mac (the macOS row fails)');
  t.same(d1.rows['compiled build'], ['PASS', `dist/ is silicon-agent ${PKG.version}, as package.json says`], 'doctor: the compiled build matches package.json');
  t.same(d1.rows['SMC addon build'], ['PASS', 'built: build/Release/silicon_agent_smc.node']);
  t.same(d1.rows['launchd templates'], ['PASS', 'launchd/io.silicon-agent.plist.json and launchd/silicon-agent.newsyslog.conf present']);
  t.same(d1.rows['SMC addon'], ['FAIL', 'loaded, but built without IOKit (not a macOS build): temperatures and fans are unavailable'], 'the installed addon loads (a Linux build has no IOKit)');

  // 6. No working compiler: the rebuild succeeds anyway, doctor says why, the agent still replays.
  rmSync(join(pkgDir, 'build'), { recursive: true, force: true });
  const rebuild = await execa('npm', ['rebuild', 'silicon-agent'], { cwd: prefix, env: nodeEnv({ CC: '/bin/false', CXX: '/bin/false' }), extendEnv: false, reject: false, all: true });
  if (rebuild.exitCode !== 0) t.comment(rebuild.all);
  t.equal(rebuild.exitCode, 0, 'npm rebuild exits 0 without a compiler');
  t.notOk(existsSync(join(pkgDir, 'build', 'Release', 'silicon_agent_smc.node')), 'nothing was built');
  t.match(readFileSync(join(pkgDir, 'build', 'ADDON-NOT-BUILT.txt'), 'utf8'), /^reason: `make` failed with exit code: 2$/m, 'the note says why');
  const d2 = await doctor();
  t.match(d2.rows['SMC addon build'], ['WARN', /^not built at install \(`make` failed with exit code: 2\); the agent runs without the SMC source/], 'doctor explains the missing addon');
  t.match(d2.rows['SMC addon'], ['FAIL', /^not loaded: native addon not available: No native build was found/]);
  t.equal(d2.rows['compiled build']![0], 'PASS');
  const again = await execa(process.execPath, sampleArgs, { cwd: prefix, env: nodeEnv(), extendEnv: false, reject: false });
  t.equal(again.exitCode, 0, again.stderr);
  const out2 = JSON.parse(again.stdout) as SampleOutput;
  t.equal((out2.sources.vm_stat?.sample as VmStatSample | null | undefined)?.counters['Pages free'], 39656, 'every replayed source, still');
});
