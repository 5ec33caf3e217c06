/**
 * The alert rules under Debian's promtool (Prometheus 2.42) and amtool (Alertmanager 0.25):
 * `promtool check rules`, `promtool check config` (deploy/prometheus.yml loads the rules),
 * `amtool check-config` (deploy/alertmanager.yml), and `promtool test rules` on the hand-written
 * unit tests (test/alerts/prometheus-alerts.test.yml). Then the unit tests are shown to bite: each
 * threshold comparison made one step stricter (`>=` → `>`, `== N` → `< N`) and each `for:` made one
 * evaluation interval (1m) shorter must make them fail.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { parse } from 'yaml';
import { ROOT } from '../../src/alerts/build.ts';
import { GROUPS } from '../../src/alerts/groups.ts';
import { RULES_FILE, rulesYaml } from '../../src/alerts/render.ts';
import { PENDING, STILL_PENDING } from '../../src/alerts/rules/pending.ts';
import { requireTool } from '../helpers/prometheus.ts';
import { mutants, promtool, unitTests } from './harness.ts';

const amtool = requireTool('amtool', 'prometheus-alertmanager');
const TESTS = join(ROOT, 'test/alerts/prometheus-alerts.test.yml');
/** The unit tests of the pending rules that are generated (test/alerts/pending/<alert>.test.yml). */
const PENDING_TESTS = PENDING.filter((p) => !STILL_PENDING.includes(p)).map((p) => join(ROOT, 'test/alerts/pending', `${p.alert}.test.yml`));
const ALL_TESTS = [TESTS, ...PENDING_TESTS];

const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-alert-rules-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('promtool check rules: the generated file', async (t) => {
  const r = await execa(promtool, ['check', 'rules', join(ROOT, RULES_FILE)], { reject: false });
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  const n = GROUPS.reduce((s, g) => s + g.rules.length, 0);
  t.match(r.stdout, `SUCCESS: ${n} rules found`);
});

t.test('promtool check config: deploy/prometheus.yml loads the rules and names an Alertmanager', async (t) => {
  const r = await execa(promtool, ['check', 'config', join(ROOT, 'deploy/prometheus.yml')], { reject: false });
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  t.match(r.stdout, 'SUCCESS: 1 rule files found');
  t.match(r.stdout, /Checking .*prometheus-alerts\.yml\n\s+SUCCESS: \d+ rules found/);
  const doc = parse(readFileSync(join(ROOT, 'deploy/prometheus.yml'), 'utf8')) as { alerting?: { alertmanagers?: unknown[] } };
  t.equal(doc.alerting?.alertmanagers?.length, 1, 'one Alertmanager');
});

t.test('amtool check-config: deploy/alertmanager.yml', async (t) => {
  const r = await execa(amtool, ['check-config', join(ROOT, 'deploy/alertmanager.yml')], { reject: false });
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  t.match(r.stdout, /2 inhibit rules/);
  t.match(r.stdout, /2 receivers/);
});

t.test('promtool test rules: every alert fires in a unit test', async (t) => {
  const cases = ALL_TESTS.flatMap((f) => {
    const doc = parse(readFileSync(f, 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] };
    return doc.tests.flatMap((x) => x.alert_rule_test ?? []);
  });
  for (const r of GROUPS.flatMap((g) => g.rules)) {
    t.ok(cases.some((c) => c.alertname === r.alert && c.exp_alerts.length > 0), `${r.alert}: a case where it fires`);
    t.ok(cases.some((c) => c.alertname === r.alert && c.exp_alerts.length === 0), `${r.alert}: a case where it does not (yet)`);
  }
  const r = await execa(promtool, ['test', 'rules', ...ALL_TESTS], { reject: false });
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  t.match(r.stdout, 'SUCCESS');
  const same = await unitTests(dir, ALL_TESTS, readFileSync(join(ROOT, RULES_FILE), 'utf8'));
  t.equal(same.exitCode, 0, `the mutation harness passes the unmutated rules: ${same.stdout}`);
});

t.test('the unit tests bite: a stricter comparison or a shorter for: fails them', async (t) => {
  const all = mutants(GROUPS, rulesYaml);
  for (const m of all) {
    const r = await unitTests(dir, ALL_TESTS, m.rules);
    t.not(r.exitCode, 0, `${m.alert}: ${m.what} fails the unit tests`);
    t.match(r.stdout + r.stderr, m.alert, `${m.alert}: named in the failure`);
  }
  t.comment(`${all.length} mutants, all caught`);
});
