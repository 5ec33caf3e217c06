/**
 * Semantic checks with Debian's promtool (Prometheus 2.42's own parser and type checker): every
 * dashboard expression as a recording rule, and deploy/prometheus.yml as a configuration.
 * Missing promtool fails under CI=true (the CI script installs it) and elsewhere says how to get it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { ROOT, dashboardQueries, grafanaRegexValue, substitute } from './queries.ts';
import { requireTool } from '../helpers/prometheus.ts';

const promtool = requireTool('promtool');

const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-promtool-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** A rules file with one `record:` rule per expression. JSON strings are valid YAML double-quoted scalars. */
function rulesFile(exprs: string[]): string {
  const rules = exprs.map((e, i) => `      - record: dashboard:query_${String(i).padStart(3, '0')}\n        expr: ${JSON.stringify(e)}`);
  return `groups:\n  - name: silicon-agent-dashboard\n    rules:\n${rules.join('\n')}\n`;
}

async function checkRules(name: string, exprs: string[]) {
  const file = join(dir, name);
  writeFileSync(file, rulesFile(exprs));
  return execa(promtool, ['check', 'rules', file], { reject: false });
}

t.test('every dashboard expression passes `promtool check rules`', async (t) => {
  const queries = dashboardQueries();
  const exprs = queries.map((q) => substitute(q.raw, { node: grafanaRegexValue('studio-07.rack.example'), rateInterval: '1m' }));
  const r = await checkRules('dashboard.rules.yml', exprs);
  t.equal(r.exitCode, 0, `promtool: ${r.stdout}\n${r.stderr}`);
  t.match(r.stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`), `all ${exprs.length} expressions checked`);
});

t.test('promtool rejects what lezer-promql lets through (the check is real)', async (t) => {
  // Syntactically fine, semantically wrong: rate() of an instant vector.
  const r = await checkRules('bad.rules.yml', ['rate(hw_power_watts{instance=~"x"})']);
  t.not(r.exitCode, 0);
  t.match(r.stderr + r.stdout, /expected type range vector/);
});

t.test('deploy/prometheus.yml passes `promtool check config`', async (t) => {
  const r = await execa(promtool, ['check', 'config', join(ROOT, 'deploy', 'prometheus.yml')], { reject: false });
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  t.match(r.stdout, /SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/);
});
