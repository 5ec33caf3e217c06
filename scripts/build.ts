/**
 * `npm run build`: compile src/ into dist/src/ (what the launchd job and an installed package run)
 * and write dist/build-info.json, which `doctor` compares with package.json's version.
 *
 *   node scripts/build.ts [--out DIR] [--no-source-maps]
 *
 * DIR (default: dist) is the compiled tree's own root, so its entry is DIR/src/cli.js. The release
 * (scripts/release.ts) builds into its staging folder with this same function.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { BUILD_INFO_NAME, type BuildInfo } from '../src/commands/doctor-layout.ts';
import { findPackage, PACKAGE_NAME, UNKNOWN_VERSION } from '../src/package-root.ts';

export const REPO = fileURLToPath(new URL('..', import.meta.url));

/**
 * The environment without a test runner's instrumentation (tap's NODE_OPTIONS loaders and the
 * variables its spawn hook reads to add them back), so tools run as they would from a shell.
 */
export function plainEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!/^(NODE_OPTIONS|NODE_V8_COVERAGE|TAP|_TAPJS)/.test(k)) out[k] = v;
  return out;
}

/** Compile src/ into `outDir` (emptied first) and stamp it; returns the version it was built from. */
export async function buildInto(outDir: string, opts: { sourceMaps?: boolean } = {}): Promise<string> {
  const pkg = findPackage(REPO);
  if (!pkg || pkg.version === UNKNOWN_VERSION) throw new Error(`${REPO}package.json: no ${PACKAGE_NAME} package with a valid version`);
  const out = resolve(outDir);
  if (REPO.startsWith(out.endsWith(sep) ? out : out + sep) || out === resolve(REPO)) throw new Error(`refusing to empty ${out}: it holds the checkout`);
  rmSync(out, { recursive: true, force: true });
  // typescript 7's bin/tsc is one line, `import "../lib/tsc.js"`, in an extensionless file; run
  // the module itself, which a test runner's require hook cannot turn into a require(esm) cycle.
  const tsc = join(REPO, 'node_modules', 'typescript', 'lib', 'tsc.js');
  const args = [tsc, '-p', join(REPO, 'tsconfig.build.json'), '--outDir', out];
  if (opts.sourceMaps === false) args.push('--sourceMap', 'false');
  const r = await execa(process.execPath, args, { cwd: REPO, reject: false, all: true, env: plainEnv(), extendEnv: false });
  if (r.exitCode !== 0) throw new Error(`tsc failed (exit ${r.exitCode}):\n${r.all}`);
  const info: BuildInfo = { name: PACKAGE_NAME, version: pkg.version };
  writeFileSync(join(out, BUILD_INFO_NAME), `${JSON.stringify(info, null, 2)}\n`);
  return pkg.version;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, 'no-source-maps': { type: 'boolean', default: false } } });
  const out = resolve(values.out ?? join(REPO, 'dist'));
  try {
    const version = await buildInto(out, { sourceMaps: !values['no-source-maps'] });
    process.stdout.write(`built ${PACKAGE_NAME} ${version} into ${out}\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
