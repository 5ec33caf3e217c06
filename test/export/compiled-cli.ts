/**
 * Test helper (not a test): the agent as production runs it, compiled with `npm run build`'s own
 * function (scripts/build.ts) into a scratch folder laid out like the package (package.json copied;
 * node_modules, fixtures and launchd linked, as bench/agent.bench.ts does), once per test file.
 * Returns the compiled entry, <folder>/src/cli.js.
 */
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInto, REPO } from '../../scripts/build.ts';

export async function compiledCli(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'silicon-agent-dist-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  await buildInto(out, { sourceMaps: false });
  copyFileSync(join(REPO, 'package.json'), join(out, 'package.json'));
  for (const d of ['node_modules', 'fixtures', 'launchd']) symlinkSync(join(REPO, d), join(out, d));
  return join(out, 'src', 'cli.js');
}
