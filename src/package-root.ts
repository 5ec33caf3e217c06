/**
 * The one place that finds silicon-agent's own package: its root directory (package.json,
 * launchd/, fixtures/replay/, the SMC addon's build/) and its version.
 *
 * This file is `<root>/src/package-root.ts` in a checkout and `<root>/dist/src/package-root.js` in
 * the compiled build, which is also what an installed package (`node_modules/silicon-agent/`) runs.
 * The root is the nearest of this module's directory and its three parents that holds a
 * package.json named `silicon-agent`: one rule for both layouts, whatever the folder is called.
 * The package.json is read once per process.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = 'silicon-agent';

/** Printed where the version cannot be read (a damaged install); never a plausible version. */
export const UNKNOWN_VERSION = 'unknown';

export interface PackageInfo {
  /** Absolute path of the directory holding package.json. */
  root: string;
  /** package.json's `version`, or UNKNOWN_VERSION when it is missing or not a version. */
  version: string;
}

/** How many parents of the starting directory are searched (dist/src/ needs two). */
const MAX_UP = 3;
/** A package.json larger than this is not ours (ours is about 2 KB). */
const MAX_PACKAGE_JSON_BYTES = 256 * 1024;
const VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}(?:[-+][0-9A-Za-z.+-]{1,64})?$/;

function readOwnPackageJson(file: string): { version: unknown } | undefined {
  try {
    if (statSync(file).size > MAX_PACKAGE_JSON_BYTES) return undefined;
    const pkg: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof pkg !== 'object' || pkg === null || (pkg as { name?: unknown }).name !== PACKAGE_NAME) return undefined;
    return { version: (pkg as { version?: unknown }).version };
  } catch {
    // absent, unreadable or not JSON: not the package root
    return undefined;
  }
}

/** The package found from `from` (a directory) upwards, or undefined. Pure apart from reading files. */
export function findPackage(from: string): PackageInfo | undefined {
  let dir = from;
  for (let i = 0; i <= MAX_UP; i++) {
    const pkg = readOwnPackageJson(join(dir, 'package.json'));
    if (pkg) {
      const v = pkg.version;
      return { root: dir, version: typeof v === 'string' && VERSION.test(v) ? v : UNKNOWN_VERSION };
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

let cached: PackageInfo | null | undefined;

/** This running copy's package, or undefined when its package.json cannot be found or read. */
export function ownPackage(): PackageInfo | undefined {
  if (cached === undefined) cached = findPackage(dirname(fileURLToPath(import.meta.url))) ?? null;
  return cached ?? undefined;
}

/** The package root; throws when the install is damaged (no package.json named silicon-agent). */
export function packageRoot(): string {
  const p = ownPackage();
  if (!p) throw new Error(`${PACKAGE_NAME}: cannot find the package root (no package.json named ${PACKAGE_NAME} above ${dirname(fileURLToPath(import.meta.url))})`);
  return p.root;
}

/** package.json's version, or UNKNOWN_VERSION. */
export function packageVersion(): string {
  return ownPackage()?.version ?? UNKNOWN_VERSION;
}

/** True when this process runs the compiled JavaScript (dist/), false when it runs the .ts sources. */
export function runningCompiled(): boolean {
  return import.meta.url.endsWith('.js');
}
