/**
 * `npm run dashboard`: writes dashboards/silicon-agent.json and docs/dashboard.md from the panel
 * list. `--check` writes nothing and exits 1 when either committed file is stale.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeOutputs } from '../generate/outputs.ts';
import { dashboardDoc } from './docs.ts';
import { dashboardJson } from './grafana.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUTPUTS: Readonly<Record<string, () => string>> = {
  'dashboards/silicon-agent.json': dashboardJson,
  'docs/dashboard.md': dashboardDoc,
};


if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  const stale = writeOutputs(ROOT, OUTPUTS, { check, command: 'npm run dashboard' });
  process.exitCode = stale ? 1 : 0;
}
