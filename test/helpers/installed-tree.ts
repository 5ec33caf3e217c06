/**
 * A package folder laid out like an installed silicon-agent, for doctor's layout rows: package.json,
 * dist/src/cli.js, dist/build-info.json, build/Release/silicon_agent_smc.node and the real launchd/
 * templates, each of which a test can leave out or change. Not a test file (tap runs only *.test.ts).
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LayoutInput } from '../../src/commands/doctor-layout.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface TreeOptions {
  version?: string;
  /** dist/build-info.json: a version, `null` to leave it out, or raw text. */
  built?: string | null | { raw: string };
  entry?: boolean;
  addon?: boolean;
  templates?: boolean;
}

export function installedTree(dir: string, o: TreeOptions = {}): LayoutInput {
  const version = o.version ?? '1.4.2';
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'silicon-agent', version }));
  mkdirSync(join(dir, 'dist', 'src'), { recursive: true });
  if (o.entry !== false) writeFileSync(join(dir, 'dist', 'src', 'cli.js'), '');
  const built = o.built === undefined ? version : o.built;
  if (typeof built === 'string') writeFileSync(join(dir, 'dist', 'build-info.json'), JSON.stringify({ name: 'silicon-agent', version: built }));
  else if (built !== null) writeFileSync(join(dir, 'dist', 'build-info.json'), built.raw);
  if (o.addon !== false) {
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    writeFileSync(join(dir, 'build', 'Release', 'silicon_agent_smc.node'), '');
  }
  if (o.templates !== false) cpSync(join(REPO, 'launchd'), join(dir, 'launchd'), { recursive: true });
  return { root: dir, version, compiled: true };
}
