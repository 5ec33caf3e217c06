/**
 * The push path end to end, with no fakes: three replaying agents push OTLP/HTTP into a REAL Collector
 * running deploy/otel-collector.yaml itself (merged under a second config that moves only what a test must
 * move: the receiver's port, the pipeline's exporter choice, the Collector's own metrics port), whose
 * Prometheus remote-write exporter writes into Debian's Prometheus 2.42 started with
 * --web.enable-remote-write-receiver. Every dashboard query must return data from that path, as
 * test/dashboard/prometheus.test.ts proves for the scrape path; the one documented push-path gap (`up`,
 * docs/dashboard.md) is proven to be only that.
 *
 * Prometheus 2.42 specifics (docs/collector.md): it accepts Remote-Write 1.0 only (the exporter's default
 * `protobuf_message: prometheus.WriteRequest`; 2.0 needs Prometheus 3), at /api/v1/write, only with
 * --web.enable-remote-write-receiver; remote-written series get no `up` and no staleness markers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { ROOT, startCollector, startPushingAgent, type PushingAgent } from '../helpers/collector.ts';
import { freePort, startPrometheus, waitFor } from '../helpers/prometheus.ts';
import { dashboardQueries, grafanaRegexValue, parsePromQL, substitute } from '../dashboard/queries.ts';

const DEPLOY = join(ROOT, 'deploy', 'otel-collector.yaml');
const REPLAYS = ['fixtures/replay/m2-ultra', 'fixtures/replay/m1-pro', 'fixtures/synthetic/replay/fans-and-pressure'];
/** One host name per agent (resource `host.name`); deploy/otel-collector.yaml makes it `instance`. */
const NODES = ['studio-01', 'studio-02', 'studio-03'] as const;
const ALL_NODES = `(${NODES.map(grafanaRegexValue).join('|')})`;
/**
 * $__rate_interval as Grafana computes it with the provisioned data source (timeInterval 15s,
 * deploy/grafana/provisioning): max(4 × 15 s, interval + 15 s) = 60 s for an instant query.
 */
const RATE_INTERVAL = '60s';

/**
 * Metrics that exist on the scrape path only, and why; a query reading one is proven empty for that reason
 * alone (the metric has no series here, every other selector of the query has data).
 */
const PUSH_PATH_GAPS: Record<string, string> = {
  up: 'Prometheus writes `up` for its own scrapes; remote-written data has none (docs/dashboard.md, "Which label is the node")',
};

/** The exporter key in the shipped file whose type is Prometheus remote write (named either way). */
const shipped = parse(readFileSync(DEPLOY, 'utf8')) as { exporters: Record<string, unknown> };
const prwKey = Object.keys(shipped.exporters).find((k) => /^prometheus_?remote_?write(\/|$)/.test(k));
if (!prwKey) throw new Error('deploy/otel-collector.yaml has no Prometheus remote-write exporter');

const prom = await startPrometheus(() => 'global:\n  evaluation_interval: 15s\n', {}, ['--web.enable-remote-write-receiver']);
t.teardown(() => prom.stop());

const otlpPort = await freePort();
const telemetryPort = await freePort();
const collector = await startCollector({
  otlpPort,
  paths: [DEPLOY],
  configs: [
    `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlpPort}
service:
  pipelines:
    metrics:
      exporters: [${prwKey}]
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: ${telemetryPort}
`,
  ],
  env: {
    // The variables the shipped file names, as loopback URLs (the gateway one is unused by this pipeline).
    GATEWAY_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
    PROMETHEUS_REMOTE_WRITE_ENDPOINT: `${prom.url}/api/v1/write`,
  },
});
t.teardown(() => collector.stop());

const agents: PushingAgent[] = [];
t.teardown(() => Promise.all(agents.map((a) => a.stop())));
for (const [i, dir] of REPLAYS.entries())
  agents.push(
    await startPushingAgent(join(ROOT, dir), {
      exporters: { otlp: { endpoint: collector.otlpUrl, intervalMs: 1000 } },
      resource: { attributes: { 'host.name': NODES[i]! } },
    }),
  );

const queries = dashboardQueries().map((q) => {
  const expr = substitute(q.raw, { node: ALL_NODES, rateInterval: RATE_INTERVAL });
  return { ...q, expr, gaps: parsePromQL(expr).metrics.filter((m) => m in PUSH_PATH_GAPS) };
});

// rate() and increase() need two points in their window, and some series start late (system energy needs
// two SMC readings, 5 s apart): wait until every agent has pushed several times and every query that can
// have data has it. Past the ceiling the tests below say which query is empty.
await waitFor(
  'at least 5 points of silicon_agent_source_up from every agent in Prometheus',
  async () => {
    const r = await prom.query('count by (instance) (count_over_time(silicon_agent_source_up[1m]) >= 5)');
    return r.length === NODES.length ? r : undefined;
  },
  90_000,
  500,
);
await waitFor(
  'every dashboard query outside the push-path gaps to return data',
  async () => {
    for (const q of queries) if (q.gaps.length === 0 && (await prom.query(q.expr)).length === 0) return undefined;
    return true;
  },
  90_000,
  1000,
).catch((e: unknown) => t.comment(String(e)));

t.test('instance is the host name (resource processor), job is service.name', async (t) => {
  const r = await prom.query('count by (job, instance) (silicon_agent_source_up)');
  t.same(r.map((s) => s.metric.instance).sort(), [...NODES], 'one instance per agent, named by its host.name');
  for (const s of r) t.equal(s.metric.job, 'silicon-agent', `${s.metric.instance}: job`);
});

t.test('resource attributes stay on target_info (no copy onto every series)', async (t) => {
  const r = await prom.query('count by (__name__) ({host_name!=""})');
  t.same(r.map((s) => s.metric.__name__), ['target_info'], 'only target_info carries host_name');
  const info = await prom.query('target_info');
  t.same(info.map((s) => s.metric.instance).sort(), [...NODES], 'one target_info per node');
  for (const s of info) {
    t.equal(s.metric.host_name, s.metric.instance, `${s.metric.instance}: host_name on target_info`);
    t.equal(s.metric.silicon_agent_replay, 'true', `${s.metric.instance}: replay marked`);
  }
});

t.test('with every node selected, every dashboard query returns data from the push path', async (t) => {
  for (const q of queries) {
    const r = await prom.query(q.expr);
    if (q.gaps.length === 0) {
      t.ok(r.length > 0, `${q.row} / ${q.panel} / ${q.refId}: ${r.length} series`, { expr: q.expr });
      for (const s of r) t.ok(Number.isFinite(Number(s.value[1])), `${q.panel}/${q.refId}: finite value`, { s });
      continue;
    }
    t.equal(r.length, 0, `${q.panel}/${q.refId} reads ${q.gaps.join(', ')}: empty on the push path (${q.gaps.map((g) => PUSH_PATH_GAPS[g]).join('; ')})`);
    for (const sel of parsePromQL(q.expr).selectors) {
      const m = parsePromQL(sel).metrics[0] ?? '';
      if (m in PUSH_PATH_GAPS) t.same(await prom.query(`count(${m})`), [], `${m} has no series at all`);
      else t.ok((await prom.query(`last_over_time(${sel}[5m])`)).length > 0, `${q.panel}/${q.refId}: its other selector ${sel} has data`);
    }
  }
});

t.test('fleet table: one line per node (each column is keyed by instance alone)', async (t) => {
  for (const q of dashboardQueries().filter((x) => x.panelType === 'table')) {
    const r = await prom.query(substitute(q.raw, { node: ALL_NODES, rateInterval: RATE_INTERVAL }));
    for (const s of r) t.same(Object.keys(s.metric), ['instance'], `${q.refId}: labels`);
    t.equal(new Set(r.map((s) => s.metric.instance)).size, r.length, `${q.refId}: at most one value per node`);
  }
});

t.test("the Collector's own counters: points sent to Prometheus, none failed", async (t) => {
  const text = await (await fetch(`http://127.0.0.1:${telemetryPort}/metrics`)).text();
  // The Collector's own Prometheus reader writes counters without `_total` (otelconf default); accept both.
  const value = (re: RegExp) => text.split('\n').filter((l) => re.test(l)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  const sent = value(/^otelcol_exporter_sent_metric_points(_total)?\{/);
  const failed = value(/^otelcol_exporter_send_failed_metric_points(_total)?\{/);
  t.ok(sent > 0, `otelcol_exporter_sent_metric_points = ${sent}`);
  t.equal(failed, 0, 'otelcol_exporter_send_failed_metric_points (absent or 0)');
  t.notMatch(collector.log(), /\t(error)\t/, 'no error in the Collector log');
  t.notMatch(collector.log(), /deprecated/i, 'and no deprecation warning (the shipped exporter names are current)');
});
