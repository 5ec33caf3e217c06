/**
 * deploy/: every file parses as YAML (strictly: duplicate keys and bad syntax are errors), holds the
 * pieces the issue asks for, agrees with the agent's defaults and the dashboard, and explains itself
 * in comments. deploy/prometheus.yml is also checked by promtool (promtool.test.ts) and run for real
 * (prometheus.test.ts); deploy/otel-collector.yaml is validated and run by a real Collector
 * (test/collector/); no Grafana binary exists here, so its files get this check only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseDocument } from 'yaml';
import { defaultConfig } from '../../src/config.ts';
import { ROOT } from './queries.ts';

type Obj = Record<string, unknown>;

function load(rel: string): { doc: Obj; text: string } {
  const text = readFileSync(join(ROOT, rel), 'utf8');
  const d = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (d.errors.length) throw new Error(`${rel}: ${d.errors.map((e) => e.message).join('; ')}`);
  return { doc: d.toJS() as Obj, text };
}

const commentLines = (text: string) => text.split('\n').filter((l) => /^\s*#/.test(l) || /\s#\s/.test(l)).length;
const at = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), o);

const FILES = [
  'deploy/otel-collector.yaml',
  'deploy/prometheus.yml',
  'deploy/grafana/provisioning/datasources/prometheus.yaml',
  'deploy/grafana/provisioning/dashboards/silicon-agent.yaml',
];

t.test('every deploy file is valid YAML and explains its choices in comments', async (t) => {
  for (const f of FILES) {
    const { text } = load(f);
    t.ok(commentLines(text) >= 5, `${f}: ${commentLines(text)} comment lines`);
  }
  t.not(parseDocument('a: 1\na: 2\n', { uniqueKeys: true }).errors.length, 0, 'the loader rejects duplicate keys');
});

t.test('node Collector: otlp on 4318, memory_limiter first, resource, batch, and an exporter', async (t) => {
  const { doc } = load('deploy/otel-collector.yaml');
  const endpoint = String(at(doc, 'receivers', 'otlp', 'protocols', 'http', 'endpoint'));
  t.match(endpoint, /:4318$/, 'OTLP/HTTP receiver on 4318');
  t.equal(new URL(defaultConfig().exporters.otlp.endpoint).port, '4318', "the agent's default OTLP endpoint is that port");
  for (const p of ['memory_limiter', 'batch', 'resource']) t.ok(at(doc, 'processors', p), `processor ${p} is configured`);
  t.ok(at(doc, 'exporters', 'otlp_http/gateway'), 'gateway exporter');
  t.ok(at(doc, 'exporters', 'prometheus_remote_write'), 'Prometheus remote-write exporter');

  const pipe = at(doc, 'service', 'pipelines', 'metrics') as Obj;
  const processors = pipe.processors as string[];
  t.equal(processors[0], 'memory_limiter', 'memory_limiter runs first');
  t.equal(processors.at(-1), 'batch', 'batch runs last');
  t.same(pipe.receivers, ['otlp']);
  for (const kind of ['receivers', 'processors', 'exporters'])
    for (const name of pipe[kind] as string[]) t.ok(at(doc, kind, name), `${kind}: ${name} is defined`);
  t.equal((pipe.exporters as string[]).length, 1, 'exactly one exporter (both would store each point twice)');

  const attrs = at(doc, 'processors', 'resource', 'attributes') as Obj[];
  t.ok(
    attrs.some((a) => a.key === 'service.instance.id' && a.from_attribute === 'host.name' && a.action === 'upsert'),
    'instance (from service.instance.id) becomes the host name: the dashboard node label',
  );
  // Resource attributes stay on target_info: neither the deprecated nor the current copying option is set
  // (test/collector/remote-write.test.ts proves no series but target_info carries them).
  t.equal(at(doc, 'exporters', 'prometheus_remote_write', 'resource_to_telemetry_conversion'), undefined);
  t.equal(at(doc, 'exporters', 'prometheus_remote_write', 'resource_constant_labels'), undefined);
});

t.test('Prometheus scrape config: a silicon-agent job whose instance is the host', async (t) => {
  const { doc } = load('deploy/prometheus.yml');
  const job = (doc.scrape_configs as Obj[]).find((j) => j.job_name === 'silicon-agent');
  t.ok(job, 'silicon-agent job');
  t.equal(job?.metrics_path, defaultConfig().exporters.prometheus.path, "the agent's /metrics path");
  const relabel = (job?.relabel_configs as Obj[])[0];
  t.match(relabel, { source_labels: ['__address__'], target_label: 'instance' }, 'instance is rewritten from the address');
  // The same regex Prometheus applies (anchored at both ends).
  const re = new RegExp(`^(?:${String(relabel?.regex)})$`);
  t.equal('studio-07.rack.example:9464'.replace(re, String(relabel?.replacement)), 'studio-07.rack.example');
});

t.test('Grafana provisioning: the data source and the dashboard file', async (t) => {
  const ds = load('deploy/grafana/provisioning/datasources/prometheus.yaml').doc;
  t.equal(ds.apiVersion, 1);
  const [source] = ds.datasources as Obj[];
  t.match(source, { type: 'prometheus', access: 'proxy' });
  const prom = load('deploy/prometheus.yml').doc;
  t.equal(
    at(source, 'jsonData', 'timeInterval'),
    at(prom, 'global', 'scrape_interval'),
    "Grafana's minimum interval equals the scrape interval ($__rate_interval depends on it)",
  );
  t.equal(
    Number.parseInt(String(at(source, 'jsonData', 'timeInterval')), 10) * 1000,
    defaultConfig().exporters.otlp.intervalMs,
    "and the agent's OTLP export interval",
  );

  const dash = load('deploy/grafana/provisioning/dashboards/silicon-agent.yaml').doc;
  t.equal(dash.apiVersion, 1);
  const [provider] = dash.providers as Obj[];
  t.match(provider, { type: 'file', options: { path: String } });
});
