/**
 * End to end, no fakes in the path: two agents replay, Debian's Prometheus scrapes them through
 * deploy/prometheus.yml and evaluates the generated rules, Debian's Alertmanager (configured by
 * deploy/alertmanager.yml) receives the alerts and notifies a webhook.
 *
 *   127.0.0.2  `run --replay fixtures/synthetic/replay/thermal-heavy-fan-stopped` (SYNTHETIC: thermal
 *              pressure Heavy, fans at 0 RPM on a Mac Studio under 71.8 W of SoC load)
 *   127.0.0.3  `run --replay fixtures/replay/m2-ultra` (the real M2 Ultra capture: Nominal, no fan keys)
 *
 * The rules are the test profile of the same generator: every `for:` ÷ 60 (test/alerts/generate.test.ts
 * proves expressions, labels and annotations are otherwise identical). Swapped in the deploy files: the
 * intervals (1 s), the target file, the Alertmanager address, the two webhook URLs and group_wait (1 s).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { ROOT } from '../../src/alerts/build.ts';
import { GROUPS } from '../../src/alerts/groups.ts';
import { rulesYaml } from '../../src/alerts/render.ts';
import { requireTool, startPrometheus, startReplayAgent, waitFor, type RunningAgent } from '../helpers/prometheus.ts';
import { startAlertmanager, startWebhookReceiver } from './alertmanager.ts';

const SYNTHETIC = '127.0.0.2';
const CONTROL = '127.0.0.3';
const EXPECTED = ['MacStudioFanStopped', 'MacThermalPressureHeavy'];

function swapped(file: string, swaps: [RegExp, string][]): string {
  let text = readFileSync(join(ROOT, file), 'utf8');
  for (const [re, to] of swaps) {
    if (!re.test(text)) throw new Error(`${file} no longer contains ${re}`);
    text = text.replace(re, to);
  }
  return text;
}

const amtool = requireTool('amtool', 'prometheus-alertmanager');
const hook = await startWebhookReceiver();
t.teardown(() => hook.stop());
const am = await startAlertmanager(
  swapped('deploy/alertmanager.yml', [
    [/http:\/\/pager\.example:8080\/silicon-agent/g, `${hook.url}/page`],
    [/http:\/\/tickets\.example:8080\/silicon-agent/g, `${hook.url}/ticket`],
    [/group_wait: 30s/g, 'group_wait: 1s'],
  ]),
);
t.teardown(() => am.stop());

const agents: RunningAgent[] = [];
t.teardown(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});
agents.push(await startReplayAgent(ROOT, join(ROOT, 'fixtures/synthetic/replay/thermal-heavy-fan-stopped'), { host: SYNTHETIC }));
agents.push(await startReplayAgent(ROOT, join(ROOT, 'fixtures/replay/m2-ultra'), { host: CONTROL }));

const prom = await startPrometheus(
  (dir) =>
    swapped('deploy/prometheus.yml', [
      [/scrape_interval: 15s/g, 'scrape_interval: 1s'],
      [/scrape_timeout: 5s/g, 'scrape_timeout: 1s'],
      [/evaluation_interval: 15s/g, 'evaluation_interval: 1s'],
      [/\/etc\/prometheus\/silicon-agent-targets\.yml/g, join(dir, 'targets.yml')],
      [/refresh_interval: 1m/g, 'refresh_interval: 1s'],
      [/targets: \['localhost:9093'\]/g, `targets: ['${am.address}']`],
    ]),
  {
    // rule_files in deploy/prometheus.yml is relative to the configuration file: the scratch directory.
    'prometheus-alerts.yml': rulesYaml(GROUPS, { forDivisor: 60 }),
    'targets.yml': `- targets: [${agents.map((a) => `'${a.address}'`).join(', ')}]\n`,
  },
);
t.teardown(() => prom.stop());

interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status?: { state: string };
}

const firing = (alerts: { labels: Record<string, string> }[], node: string): string[] =>
  [...new Set(alerts.filter((a) => a.labels.instance === node).map((a) => a.labels.alertname!))].filter((n) => EXPECTED.includes(n)).sort();

t.test('Prometheus loaded the generated rules and fires both alerts for the synthetic node', async (t) => {
  const r = (await (await fetch(`${prom.url}/api/v1/rules?type=alert`)).json()) as { data: { groups: { rules: unknown[] }[] } };
  t.equal(r.data.groups.flatMap((g) => g.rules).length, GROUPS.reduce((s, g) => s + g.rules.length, 0), 'every rule loaded');
  const alerts = await waitFor(
    'MacThermalPressureHeavy and MacStudioFanStopped firing in Prometheus for the synthetic node',
    async () => {
      const body = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as { data: { alerts: (ApiAlert & { state: string })[] } };
      const on = body.data.alerts.filter((a) => a.state === 'firing');
      return firing(on, SYNTHETIC).length === EXPECTED.length ? on : undefined;
    },
    undefined,
    500,
  );
  t.same(firing(alerts, CONTROL), [], 'neither fires for the real M2 Ultra control node');
  // The control node is scraped and evaluated: its real capture says Nominal (0); the synthetic one Heavy (2).
  const pressure = await prom.query('silicon_agent_thermal_pressure');
  t.same(Object.fromEntries(pressure.map((s) => [s.metric.instance, s.value[1]])), { [SYNTHETIC]: '2', [CONTROL]: '0' });
  const thermal = alerts.find((a) => a.labels.alertname === 'MacThermalPressureHeavy' && a.labels.instance === SYNTHETIC)!;
  t.match(thermal.labels, { severity: 'critical', job: 'silicon-agent' });
  t.equal(thermal.annotations.summary, `Thermal pressure is heavy or worse on ${SYNTHETIC} (level 2)`);
  const fans = alerts.filter((a) => a.labels.alertname === 'MacStudioFanStopped' && a.labels.instance === SYNTHETIC);
  t.same(fans.map((a) => a.labels.hw_id).sort(), ['fan0', 'fan1'], 'both fans of the M2 Max dump (F0Ac, F1Ac = 0 RPM)');
  // combined_power 71759.8 mW in the plist: 71.8 W.
  t.equal(fans[0]!.annotations.summary, `Fan ${fans[0]!.labels.hw_id} reads no speed on ${SYNTHETIC} while the SoC draws 71.8 W`);
  t.equal(fans[0]!.annotations.runbook_url, '../docs/runbook.md#macstudiofanstopped');
});

t.test('Alertmanager has them: /api/v2/alerts and amtool alert query', async (t) => {
  const alerts = await waitFor(
    'both alerts in Alertmanager',
    async () => {
      const list = (await (await fetch(`${am.url}/api/v2/alerts?active=true`)).json()) as ApiAlert[];
      return firing(list, SYNTHETIC).length === EXPECTED.length ? list : undefined;
    },
    undefined,
    500,
  );
  t.same(firing(alerts, CONTROL), [], 'nothing of the two for the control node');
  const thermal = alerts.find((a) => a.labels.alertname === 'MacThermalPressureHeavy')!;
  t.equal(thermal.status?.state, 'active');
  t.equal(thermal.annotations.runbook_url, '../docs/runbook.md#macthermalpressureheavy');

  const q = await execa(amtool, ['alert', 'query', `--alertmanager.url=${am.url}`, '-o', 'json', `instance=${SYNTHETIC}`], { reject: false });
  t.equal(q.exitCode, 0, q.stderr);
  const viaAmtool = JSON.parse(q.stdout) as ApiAlert[];
  t.same(firing(viaAmtool, SYNTHETIC), EXPECTED, 'amtool alert query shows both');
});

t.test('the webhook receiver gets the page', async (t) => {
  const pages = await waitFor(
    'page notifications for both alerts',
    async () => {
      const got = hook.messages.filter((m) => m.path === '/page' && m.status === 'firing');
      const names = firing(got.flatMap((m) => m.alerts), SYNTHETIC);
      return names.length === EXPECTED.length ? got : undefined;
    },
    undefined,
    500,
  );
  t.ok(pages.every((m) => m.receiver === 'page'), 'critical alerts go to the page receiver');
  t.notOk(
    hook.messages.some((m) => m.path === '/ticket' && m.alerts.some((a) => EXPECTED.includes(a.labels.alertname!))),
    'not to the ticket receiver',
  );
  t.comment(`notifications: ${hook.messages.map((m) => `${m.path} ${m.alerts.map((a) => `${a.labels.alertname}@${a.labels.instance}`).join(',')}`).join('; ')}`);
});
