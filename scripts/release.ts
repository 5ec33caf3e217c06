/**
 * `npm run release`: the artifact a node installs, one .tgz.
 *
 *   node scripts/release.ts [--out DIR]          (default DIR: release/)
 *
 * It stages a package folder and packs it with `npm pack`:
 * - dist/: the compiled agent (no source maps: there are no sources to map to) and build-info.json;
 * - bin/, the SMC addon's sources (native/, binding.gyp) and its install script, so it is built on
 *   the node by `npm install` (node-gyp; without a compiler the agent runs without the SMC source);
 * - launchd/ (the templates `install` fills in), deploy/, dashboards/, docs/, README.md;
 * - fixtures/replay/m2-ultra (the bundled capture `sample`/`run` replay off macOS) and its provenance;
 * - package.json with the runtime dependencies only and no script but `install`, and an
 *   npm-shrinkwrap.json holding exactly the runtime part of package-lock.json, so a node installs the
 *   tree that was tested: one copy of each OpenTelemetry package, at the locked versions.
 * Prints the artifact's path.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { buildInto, REPO } from './build.ts';

/** Copied as they are, relative to the checkout. */
export const SHIPPED = [
  'bin/silicon-agent.js',
  'bin/compile-cache.js',
  'native',
  'binding.gyp',
  'launchd',
  'deploy',
  'dashboards',
  'docs',
  'README.md',
  'fixtures/replay/m2-ultra',
  'fixtures/PROVENANCE.md',
] as const;

/** package.json fields the installed package keeps (everything else is development only). */
const KEPT_FIELDS = ['name', 'version', 'description', 'license', 'type', 'engines', 'bin', 'dependencies'] as const;

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  [k: string]: unknown;
}
interface Lock {
  name: string;
  version: string;
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
  [k: string]: unknown;
}

/** package.json for the artifact: runtime fields only, and the one script npm runs at install. */
export function releasePackageJson(pkg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of KEPT_FIELDS) if (pkg[k] !== undefined) out[k] = pkg[k];
  const scripts = pkg.scripts as Record<string, string> | undefined;
  if (!scripts?.install) throw new Error('package.json has no install script (it builds the SMC addon)');
  out.scripts = { install: scripts.install };
  return out;
}

/** npm-shrinkwrap.json for the artifact: package-lock.json without the development tree. */
export function releaseShrinkwrap(lock: Lock, pkg: Record<string, unknown>): Lock {
  if (lock.lockfileVersion < 2 || typeof lock.packages !== 'object') throw new Error('package-lock.json: lockfileVersion 2 or later expected');
  const packages: Record<string, LockEntry> = {};
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '') {
      const root: LockEntry = { ...entry };
      delete root.devDependencies;
      root.dependencies = pkg.dependencies;
      packages[path] = root;
    } else if (!entry.dev && !entry.devOptional) {
      packages[path] = entry;
    }
  }
  return { name: lock.name, version: lock.version, lockfileVersion: lock.lockfileVersion, requires: true, packages };
}

/** Build and pack the artifact into `outDir`; returns the .tgz's absolute path. */
export async function buildRelease(outDir: string): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'silicon-agent-release-'));
  try {
    const stage = join(work, 'package');
    mkdirSync(stage);
    await buildInto(join(stage, 'dist'), { sourceMaps: false });
    for (const p of SHIPPED) cpSync(join(REPO, p), join(stage, p), { recursive: true });
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as Lock;
    if (lock.version !== pkg.version) throw new Error(`package-lock.json is for ${lock.version}, package.json says ${String(pkg.version)}: run npm install`);
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(releasePackageJson(pkg), null, 2)}\n`);
    writeFileSync(join(stage, 'npm-shrinkwrap.json'), `${JSON.stringify(releaseShrinkwrap(lock, pkg), null, 2)}\n`);
    mkdirSync(outDir, { recursive: true });
    const r = await execa('npm', ['pack', '--json', '--pack-destination', resolve(outDir)], {
      cwd: stage,
      reject: false,
      // npm pack would otherwise print notices about the package (size, files) on stderr
      env: { npm_config_loglevel: 'error', npm_config_update_notifier: 'false', npm_config_fund: 'false' },
    });
    if (r.exitCode !== 0) throw new Error(`npm pack failed (exit ${r.exitCode}): ${r.stderr}`);
    const packed = (JSON.parse(r.stdout) as Array<{ filename: string }>)[0];
    if (!packed) throw new Error(`npm pack printed no file name: ${r.stdout}`);
    return join(resolve(outDir), packed.filename);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  try {
    const file = await buildRelease(resolve(values.out ?? join(REPO, 'release')));
    process.stdout.write(`${file} (${(statSync(file).size / 1e6).toFixed(2)} MB)\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
