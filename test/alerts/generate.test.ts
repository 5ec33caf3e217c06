/**
 * The generated alert rules: the committed files are current (like the dashboard), every name they use
 * is the catalog's, a renamed metric, label or value makes generation throw, every rule is complete,
 * the runbook has a section per rule, and the end-to-end test's fast profile differs only in `for:`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { parse } from 'yaml';
import { OUTPUTS, ROOT } from '../../src/alerts/build.ts';
import { GROUPS } from '../../src/alerts/groups.ts';
import { anchorOf, duration, labelOf, match, sel } from '../../src/alerts/model.ts';
import { RULES_FILE, rulesYaml } from '../../src/alerts/render.ts';
import { PENDING, STILL_PENDING } from '../../src/alerts/rules/pending.ts';
import { prometheusMetricName } from '../../src/export/prometheus-names.ts';
import { CATALOG } from '../../src/registry.ts';

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
const rulesOf = (text: string): Rule[] => (parse(text) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const committed = readFileSync(join(ROOT, RULES_FILE), 'utf8');
const runbook = readFileSync(join(ROOT, 'docs/runbook.md'), 'utf8');
const rules = rulesOf(committed);

t.test('committed rules file and runbook are what `npm run alerts` generates', async (t) => {
  for (const [rel, render] of Object.entries(OUTPUTS)) t.equal(readFileSync(join(ROOT, rel), 'utf8'), render(), `${rel} is up to date (run npm run alerts)`);
  const r = await execa(process.execPath, [join(ROOT, 'src/alerts/build.ts'), '--check'], { reject: false, cwd: ROOT });
  t.equal(r.exitCode, 0, `--check passes on the committed files: ${r.stderr}`);
});

t.test('the rules the issue asks for, each complete', async (t) => {
  t.same(
    rules.map((r) => r.alert),
    [
      'SiliconAgentAbsent',
      'SiliconAgentScrapeFailing',
      'SiliconAgentSourceDown',
      'SiliconAgentExportFailing',
      'SiliconAgentOverBudget',
      'MacThermalPressureHeavy',
      'MacMemoryPressureCritical',
      'MacSwapGrowingUnderPressure',
      'MacSiliconTemperatureNearLimit',
      'MacMemoryTemperatureNearLimit',
      'MacStorageTemperatureNearLimit',
      'MacStudioFanStopped',
      ...PENDING.filter((p) => !STILL_PENDING.includes(p)).map((p) => p.alert),
    ],
  );
  for (const r of rules) {
    t.match(r.labels.severity, /^(critical|warning)$/, `${r.alert}: severity`);
    t.match(r.for, /^\d+[smh]$/, `${r.alert}: for`);
    t.match(r.annotations.summary, /\{\{ \$labels\.instance \}\}/, `${r.alert}: summary names the node`);
    t.match(r.annotations.description, /\{\{ \$labels\.instance \}\}/, `${r.alert}: description names the node`);
    t.match(r.annotations.description, /\{\{ \$value/, `${r.alert}: description gives the value`);
    t.equal(r.annotations.runbook_url, `../docs/runbook.md#${anchorOf(r.alert)}`, `${r.alert}: runbook link`);
    t.ok(runbook.includes(`\n## ${r.alert}\n`), `${r.alert}: runbook section`);
    for (const m of `${r.annotations.summary} ${r.annotations.description}`.matchAll(/\bfor (\d+) minutes\b/g))
      t.equal(`${m[1]}m`, r.for, `${r.alert}: the text's "for ${m[1]} minutes" is its for:`);
  }
});

t.test('every metric name in the rules is the catalog\'s Prometheus name (or `up`)', async (t) => {
  const names = new Set(['up', ...CATALOG.map((m) => prometheusMetricName(m.name, m.unit, m.instrument))]);
  const FUNCS = /^(time|max|sum|by|on|unless|and|or|group_left|max_over_time|timestamp|increase|offset)$/;
  for (const r of rules) {
    const used = [...r.expr.replace(/"[^"]*"/g, '""').replace(/\([^()]*\)\s*(?=\()/g, '').matchAll(/\b([a-z_][a-z0-9_]*)\s*(?=\{|\[|\s|$|\))/g)]
      .map((m) => m[1]!)
      .filter((n) => !FUNCS.test(n) && !/^(job|instance|hw_id)$/.test(n));
    t.ok(used.length > 0, `${r.alert}: reads a metric`);
    for (const n of used) t.ok(names.has(n), `${r.alert}: ${n} is a catalog metric`);
  }
});

t.test('a renamed metric, label or value makes generation throw', async (t) => {
  t.throws(() => sel('silicon_agent.thermal.pressur'), /not in the metric catalog/);
  t.throws(() => labelOf('silicon_agent.temperature.max', 'hw.id'), /carries no attribute "hw\.id"/);
  t.throws(() => match('silicon_agent.temperature.max', 'hw.sensor_location', 'cpu'), /"cpu" is not a value of "hw\.sensor_location"/);
  t.throws(() => match('hw.fan.speed', 'hw.id', 'fan0'), /no closed value set/);
  t.equal(match('silicon_agent.temperature.max', 'hw.sensor_location', 'cpu_die', 'gpu'), 'hw_sensor_location=~"cpu_die|gpu"');
});

t.test('pending rules: named in the rules file header and the runbook until their metric exists', async (t) => {
  for (const p of STILL_PENDING) {
    t.match(committed, new RegExp(`^#   ${p.alert}: .*needs ${p.needs.replace(/\./g, '\\.')}$`, 'm'), `${p.alert} pending in the rules file`);
    t.match(runbook, `- ${p.alert}: `, `${p.alert} pending in the runbook`);
    t.notOk(rules.some((r) => r.alert === p.alert), `${p.alert} not generated yet`);
  }
  for (const p of PENDING.filter((p) => !STILL_PENDING.includes(p))) t.ok(rules.some((r) => r.alert === p.alert), `${p.alert} generated`);
});

t.test('the fast profile (every `for:` ÷ 60) changes nothing else', async (t) => {
  const fast = rulesOf(rulesYaml(GROUPS, { forDivisor: 60 }));
  t.equal(fast.length, rules.length);
  for (const [i, r] of rules.entries()) {
    const f = fast[i]!;
    t.same({ ...f, for: undefined }, { ...r, for: undefined }, `${r.alert}: expression, labels and annotations identical`);
    const seconds = GROUPS.flatMap((g) => g.rules)[i]!.forSeconds;
    t.equal(r.for, duration(seconds));
    t.equal(f.for, duration(seconds / 60), `${r.alert}: for ${r.for} → ${f.for}`);
  }
});

t.test('--runbook-base URL --out FILE writes absolute runbook links', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-alerts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'alerts.yml');
  const base = 'https://git.example/ops/silicon-agent/blob/main/docs/runbook.md';
  const r = await execa(process.execPath, [join(ROOT, 'src/alerts/build.ts'), '--runbook-base', base, '--out', out], { reject: false, cwd: ROOT });
  t.equal(r.exitCode, 0, r.stderr);
  const abs = rulesOf(readFileSync(out, 'utf8'));
  for (const [i, a] of abs.entries()) {
    t.equal(a.annotations.runbook_url, `${base}#${anchorOf(a.alert)}`);
    t.same({ ...a, annotations: { ...a.annotations, runbook_url: '' } }, { ...rules[i], annotations: { ...rules[i]!.annotations, runbook_url: '' } });
  }
  const bad = await execa(process.execPath, [join(ROOT, 'src/alerts/build.ts'), '--runbook-base', 'runbook.md', '--out', out], { reject: false, cwd: ROOT });
  t.equal(bad.exitCode, 2, 'a base that is not an http(s) URL is refused');
  t.match(bad.stderr, /not an http\(s\) URL/);
});
