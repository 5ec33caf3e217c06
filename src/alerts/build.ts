/**
 * `npm run alerts`: writes deploy/prometheus-alerts.yml and docs/runbook.md from src/alerts/rules/.
 * `--check` writes nothing and exits 1 when either committed file is stale (like `npm run dashboard`).
 * `--runbook-base URL --out FILE` writes only the rules file, to FILE, with absolute runbook links
 * (`URL#alertname`), for a Prometheus that cannot resolve the repository-relative link.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeOutputs } from '../generate/outputs.ts';
import { GROUPS } from './groups.ts';
import { RULES_FILE, RUNBOOK_FILE, runbookDoc, rulesYaml } from './render.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUTPUTS: Readonly<Record<string, () => string>> = {
  [RULES_FILE]: () => rulesYaml(GROUPS),
  [RUNBOOK_FILE]: () => runbookDoc(GROUPS),
};


function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

export function main(args: readonly string[]): number {
  const base = option(args, '--runbook-base');
  const out = option(args, '--out');
  if (base !== undefined || out !== undefined) {
    if (base === undefined || out === undefined) throw new Error('--runbook-base and --out go together');
    if (!/^https?:\/\/\S+$/.test(base)) throw new Error(`--runbook-base: not an http(s) URL: ${base}`);
    writeFileSync(resolve(out), rulesYaml(GROUPS, { runbookBase: base }));
    console.log(`wrote ${out}`);
    return 0;
  }
  const check = args.includes('--check');
  const stale = writeOutputs(ROOT, OUTPUTS, { check, command: 'npm run alerts' });
  return stale ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`alerts: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
