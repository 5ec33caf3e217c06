/**
 * `doctor`'s check of the installed package's layout: three rows.
 *
 * - `compiled build`: dist/src/cli.js (what the launchd job runs) is present, and dist/build-info.json,
 *   written by every build (`npm run build`, `npm run release`), names the version package.json has.
 *   A dist/ left from an older version would otherwise run old code under a new version number.
 * - `SMC addon build`: the addon was built, or why not (build/ADDON-NOT-BUILT.txt, written by the
 *   install script native/build-addon.js when node-gyp failed; or no record at all, when npm did not
 *   run the script). Absence is a WARN: the agent runs without the SMC source. Whether the addon
 *   loads and opens AppleSMC is the `SMC addon` row.
 * - `launchd templates`: launchd/ holds the job and newsyslog templates `install` fills in.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { templatePath } from '../launchd/job.ts';
import { ownPackage, PACKAGE_NAME, runningCompiled, UNKNOWN_VERSION } from '../package-root.ts';
import type { CheckResult } from './doctor.ts';

/** Written into dist/ by every build (scripts/build.ts). */
export const BUILD_INFO_NAME = 'build-info.json';
export const BUILD_INFO = `dist/${BUILD_INFO_NAME}`;
/** Written by native/build-addon.js when the addon could not be built. */
export const ADDON_NOTE = 'build/ADDON-NOT-BUILT.txt';
const ENTRY = 'dist/src/cli.js';

export interface BuildInfo {
  name: string;
  version: string;
}

export interface LayoutInput {
  /** The package root (src/package-root.ts). */
  root: string;
  /** package.json's version. */
  version: string;
  /** True when doctor itself runs the compiled build. */
  compiled: boolean;
  /** Path of the addon node-gyp-build would load, or undefined (default: node-gyp-build's own lookup). */
  findAddon?: (root: string) => string | undefined;
}

/** dist/build-info.json, or a sentence saying why it cannot be used. */
export function readBuildInfo(root: string): BuildInfo | string {
  const file = join(root, BUILD_INFO);
  if (!existsSync(file)) return `${BUILD_INFO} is missing`;
  try {
    const v: unknown = JSON.parse(readHead(file, 4096));
    const { name, version } = (v ?? {}) as { name?: unknown; version?: unknown };
    if (typeof name !== 'string' || typeof version !== 'string') return `${BUILD_INFO} has no name and version`;
    return { name, version };
  } catch (err) {
    return `${BUILD_INFO} is unreadable: ${(err as Error).message}`;
  }
}

/** At most `max` bytes from the start of a file (a damaged file must not cost memory). */
function readHead(file: string, max: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function nodeGypBuildPath(root: string): string | undefined {
  try {
    const req = createRequire(import.meta.url);
    const ngb = req('node-gyp-build') as { path(dir: string): string };
    return ngb.path(root);
  } catch {
    return undefined;
  }
}

export function checkCompiledBuild(input: LayoutInput): CheckResult {
  const name = 'compiled build';
  const { root, version } = input;
  const fail = (detail: string): CheckResult => ({ name, status: 'FAIL', detail });
  if (!existsSync(join(root, ENTRY))) {
    return fail(`${join(root, ENTRY)} is missing (the launchd job runs it): in a checkout run \`npm run build\`; on a node, install the release artifact`);
  }
  if (version === UNKNOWN_VERSION) return fail(`${join(root, 'package.json')} has no valid version to compare dist/ with`);
  const info = readBuildInfo(root);
  if (typeof info === 'string') {
    return { name, status: 'WARN', detail: `${info}: cannot tell which version dist/ was built from (rebuild: \`npm run build\`)` };
  }
  if (info.name !== PACKAGE_NAME) return fail(`${BUILD_INFO} names ${JSON.stringify(info.name).slice(0, 80)}, not ${PACKAGE_NAME}`);
  if (info.version !== version) {
    return fail(`dist/ was built from ${JSON.stringify(info.version).slice(0, 80)} but package.json says ${version}: the job would run old code (rebuild with \`npm run build\`, or reinstall the artifact)`);
  }
  return { name, status: 'PASS', detail: `dist/ is ${PACKAGE_NAME} ${version}, as package.json says${input.compiled ? '' : ' (doctor itself runs from the sources)'}` };
}

export function checkAddonBuild(input: LayoutInput): CheckResult {
  const name = 'SMC addon build';
  const built = (input.findAddon ?? nodeGypBuildPath)(input.root);
  if (built !== undefined) return { name, status: 'PASS', detail: `built: ${relative(input.root, built)}` };
  const without = 'the agent runs without the SMC source (no temperatures, fans or system power)';
  const note = join(input.root, ADDON_NOTE);
  if (existsSync(note)) {
    let reason = 'see the file';
    try {
      reason = /^reason: (.{1,300})/m.exec(readHead(note, 8192))?.[1] ?? reason;
    } catch {
      // unreadable note: the path below is still the pointer
    }
    return {
      name,
      status: 'WARN',
      detail: `not built at install (${reason}); ${without}. Install the Xcode command-line tools (xcode-select --install), then \`npm rebuild ${PACKAGE_NAME}\` where it was installed. Details: ${note}`,
    };
  }
  return {
    name,
    status: 'WARN',
    detail: `not built, and no failed build recorded: npm did not run the install script (--ignore-scripts, or an npm that blocks unapproved scripts). ${without}. Run \`npm rebuild ${PACKAGE_NAME}\` where it was installed (in a checkout: npm run build:native)`,
  };
}

export function checkTemplates(input: LayoutInput): CheckResult {
  const name = 'launchd templates';
  const problems: string[] = [];
  const files = [templatePath('plist', input.root), templatePath('newsyslog', input.root)];
  for (const f of files) {
    try {
      const text = readFileSync(f, 'utf8');
      if (f.endsWith('.json')) {
        const v: unknown = JSON.parse(text);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) problems.push(`${f} is not a JSON object`);
      } else if (text.trim() === '') problems.push(`${f} is empty`);
    } catch (err) {
      problems.push(`${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return problems.length === 0
    ? { name, status: 'PASS', detail: `${files.map((f) => relative(input.root, f)).join(' and ')} present` }
    : { name, status: 'FAIL', detail: `${problems.join('; ')} (install cannot write the job)` };
}

/** The three layout rows for this running copy of the package (or for `input`, in tests). */
export function checkLayout(input?: LayoutInput): CheckResult[] {
  if (!input) {
    const own = ownPackage();
    if (!own) return [{ name: 'compiled build', status: 'FAIL', detail: `no package.json named ${PACKAGE_NAME} found above this program: the install is damaged` }];
    input = { root: own.root, version: own.version, compiled: runningCompiled() };
  }
  return [checkCompiledBuild(input), checkAddonBuild(input), checkTemplates(input)];
}
