/**
 * The alert rules under Debian's promtool (Prometheus 2.42) and amtool (Alertmanager 0.25):
 * `promtool check rules`, `promtool check config` (deploy/prometheus.yml loads the rules),
 * `amtool check-config` (deploy/alertmanager.yml), and `promtool test rules` on the hand-written
 * unit tests (test/alerts/prometheus-alerts.test.yml). Then the unit tests are shown to bite: each
 * threshold comparison made one step stricter (`>=` → `>`, `== N` → `< N`) and each `for:` made one
 * evaluation interval (1m) shorter must make them fail.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { parse } from 'yaml';
import { ROOT } from '../../src/alerts/build.ts';
import { GROUPS } from '../../src/alerts/groups.ts';
import type { AlertRule, RuleGroup } from '../../src/alerts/model.ts';
import { RULES_FILE, rulesYaml } from '../../src/alerts/render.ts';
import { requireTool } from '../helpers/prometheus.ts';

const promtool = requireTool('promtool');
const amtool = requireTool('amtool', 'prometheus-alertmanager');
const TESTS = join(ROOT, 'test/alerts/prometheus-alerts.test.yml');
const RULE_REF = '  - ../../deploy/prometheus-alerts.yml';

const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-alert-rules-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** `promtool test rules` on the unit tests against a rules text (the committed file when omitted). */
async function unitTests(rulesText?: string) {
  let tests = TESTS;
  if (rulesText !== undefined) {
    writeFileSync(join(dir, 'rules.yml'), rulesText);
    const text = readFileSync(TESTS, 'utf8');
    if (!text.includes(RULE_REF)) throw new Error(`${TESTS} no longer loads ${RULE_REF.trim()}`);
    tests = join(dir, 'tests.yml');
    writeFileSync(tests, text.replace(RULE_REF, '  - rules.yml'));
  }
  return execa(promtool, ['test', 'rules', tests], { reject: false });
}

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
  const doc = parse(readFileSync(TESTS, 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] };
  const cases = doc.tests.flatMap((x) => x.alert_rule_test ?? []);
  for (const r of GROUPS.flatMap((g) => g.rules)) {
    t.ok(cases.some((c) => c.alertname === r.alert && c.exp_alerts.length > 0), `${r.alert}: a case where it fires`);
    t.ok(cases.some((c) => c.alertname === r.alert && c.exp_alerts.length === 0), `${r.alert}: a case where it does not (yet)`);
  }
  const r = await unitTests();
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  t.match(r.stdout, 'SUCCESS');
  const same = await unitTests(readFileSync(join(ROOT, RULES_FILE), 'utf8'));
  t.equal(same.exitCode, 0, 'the mutation harness passes the unmutated rules');
});

const COMPARISON = /(>=|==) (-?[0-9][0-9.e+]*)/g;
const stricter = (op: string, n: string): string => (op === '>=' ? `> ${n}` : `< ${n}`);

/** The groups with one rule replaced. */
const withRule = (alert: string, change: (r: AlertRule) => AlertRule): RuleGroup[] =>
  GROUPS.map((g) => ({ ...g, rules: g.rules.map((r) => (r.alert === alert ? change(r) : r)) }));

t.test('the unit tests bite: a stricter comparison or a shorter for: fails them', async (t) => {
  let mutants = 0;
  for (const rule of GROUPS.flatMap((g) => g.rules)) {
    const found = [...rule.expr.matchAll(COMPARISON)];
    t.ok(found.length > 0, `${rule.alert}: has a threshold comparison`);
    for (const m of found) {
      const expr = rule.expr.slice(0, m.index) + stricter(m[1]!, m[2]!) + rule.expr.slice(m.index + m[0].length);
      const r = await unitTests(rulesYaml(withRule(rule.alert, (x) => ({ ...x, expr }))));
      t.not(r.exitCode, 0, `${rule.alert}: \`${m[0]}\` → \`${stricter(m[1]!, m[2]!)}\` fails the unit tests`);
      t.match(r.stdout + r.stderr, rule.alert, `${rule.alert}: named in the failure`);
      mutants++;
    }
    const r = await unitTests(rulesYaml(withRule(rule.alert, (x) => ({ ...x, forSeconds: x.forSeconds - 60 }))));
    t.not(r.exitCode, 0, `${rule.alert}: for ${rule.forSeconds}s → ${rule.forSeconds - 60}s fails the unit tests`);
    t.match(r.stdout + r.stderr, rule.alert, `${rule.alert}: named in the failure`);
    mutants++;
  }
  t.comment(`${mutants} mutants, all caught`);
});
