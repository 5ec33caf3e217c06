/**
 * `npm run dashboard`: writes dashboards/silicon-agent.json and docs/dashboard.md from the panel
 * list. `--check` writes nothing and exits 1 when either committed file is stale.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardDoc } from './docs.ts';
import { dashboardJson } from './grafana.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUTPUTS: Readonly<Record<string, () => string>> = {
  'dashboards/silicon-agent.json': dashboardJson,
  'docs/dashboard.md': dashboardDoc,
};

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [rel, render] of Object.entries(OUTPUTS)) {
    const path = join(ROOT, rel);
    const text = render();
    if (read(path) === text) continue;
    if (check) {
      console.error(`${rel} is stale: run npm run dashboard`);
      stale++;
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      console.log(`wrote ${rel}`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}
