/**
 * OTLP → Prometheus naming, against the rules of the OTel spec's Prometheus compatibility
 * section and the Collector's translator (reference §6.2), and the /metrics text the agent serves:
 * escaping, target_info, scope labels, and Debian's promtool linting the whole exposition.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import t from 'tap';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { createAgent } from '../../src/agent.ts';
import type { Instrument } from '../../src/catalog/types.ts';
import { CATALOG } from '../../src/registry.ts';
import { ConfigSchema } from '../../src/config.ts';
import { prometheusLabelName, prometheusMetricName, unitWords } from '../../src/export/prometheus-names.ts';
import { PullMetricReader, serialize, escapeLabelValue } from '../../src/export/prometheus.ts';
import { memoryLogger } from '../../src/log.ts';
import { captureSources, M2_ULTRA, readCapture } from './capture.ts';

t.test('the Collector names of reference §6.2', async (t) => {
  const table: Array<[string, string, Instrument, string]> = [
    ['hw.temperature', 'Cel', 'gauge', 'hw_temperature_celsius'],
    ['hw.power', 'W', 'gauge', 'hw_power_watts'],
    ['hw.host.power', 'W', 'gauge', 'hw_host_power_watts'],
    ['hw.energy', 'J', 'counter', 'hw_energy_joules_total'],
    ['hw.fan.speed', 'rpm', 'gauge', 'hw_fan_speed_rpm'],
    ['hw.fan.speed_ratio', '1', 'gauge', 'hw_fan_speed_ratio'],
    ['hw.status', '1', 'updowncounter', 'hw_status'],
    ['system.cpu.time', 's', 'counter', 'system_cpu_time_seconds_total'],
    ['system.cpu.utilization', '1', 'gauge', 'system_cpu_utilization_ratio'],
    ['system.cpu.frequency', 'Hz', 'gauge', 'system_cpu_frequency_hertz'],
    ['system.memory.usage', 'By', 'updowncounter', 'system_memory_usage_bytes'],
    ['system.memory.utilization', '1', 'gauge', 'system_memory_utilization_ratio'],
    ['system.paging.usage', 'By', 'updowncounter', 'system_paging_usage_bytes'],
    ['system.paging.operations', '{operation}', 'counter', 'system_paging_operations_total'],
    ['system.disk.io', 'By', 'counter', 'system_disk_io_bytes_total'],
    ['system.disk.operation_time', 's', 'counter', 'system_disk_operation_time_seconds_total'],
    ['system.network.io', 'By', 'counter', 'system_network_io_bytes_total'],
    ['silicon_agent.memory.pressure', '{level}', 'gauge', 'silicon_agent_memory_pressure'],
  ];
  for (const [name, unit, inst, want] of table) t.equal(prometheusMetricName(name, unit, inst), want, `${name} (${unit}, ${inst})`);
});

t.test('translation rules', async (t) => {
  // unit words, annotations dropped, per-units
  t.same(unitWords('Cel'), ['celsius', '']);
  t.same(unitWords('{level}'), ['', '']);
  t.same(unitWords('By/s'), ['bytes', 'per_second']);
  t.same(unitWords('1'), ['', '']);
  t.equal(prometheusMetricName('net.rate', 'By/s', 'gauge'), 'net_rate_bytes_per_second');
  // a unit word already in the name is not appended again; `total` moves to the end once
  t.equal(prometheusMetricName('disk.bytes', 'By', 'gauge'), 'disk_bytes');
  t.equal(prometheusMetricName('requests.total', '{request}', 'counter'), 'requests_total');
  t.equal(prometheusMetricName('energy.total', 'J', 'counter'), 'energy_joules_total');
  // ratio only for gauges
  t.equal(prometheusMetricName('x.share', '1', 'counter'), 'x_share_total');
  t.equal(prometheusMetricName('x.share_ratio', '1', 'gauge'), 'x_share_ratio');
  // characters outside [A-Za-z0-9:] become one underscore; a leading digit gets `_`
  t.equal(prometheusMetricName('a..b-c/d', '', 'gauge'), 'a_b_c_d');
  t.equal(prometheusMetricName('2xx.count', '', 'gauge'), '_2xx_count');
  // label names
  t.equal(prometheusLabelName('hw.id'), 'hw_id');
  t.equal(prometheusLabelName('silicon_agent.cpu.cluster'), 'silicon_agent_cpu_cluster');
  t.equal(prometheusLabelName('0day'), 'key_0day');
  t.equal(prometheusLabelName('_x'), 'key_x');
  t.equal(prometheusLabelName('__x'), '__x');
});

t.test('every catalog metric gets a unique, valid, suffixed Prometheus name', async (t) => {
  const names = new Map<string, string>();
  const SUFFIX: Record<string, string> = { Cel: '_celsius', W: '_watts', J: '_joules', By: '_bytes', Hz: '_hertz', s: '_seconds', rpm: '_rpm' };
  for (const m of CATALOG) {
    const p = prometheusMetricName(m.name, m.unit, m.instrument);
    t.match(p, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/, `${p} is a valid name`);
    t.notOk(names.has(p), `${p} is unique (${m.name}${names.has(p) ? ' vs ' + names.get(p) : ''})`);
    names.set(p, m.name);
    const base = m.instrument === 'counter' ? p.replace(/_total$/, '') : p;
    if (m.instrument === 'counter') t.match(p, /_total$/, `${p}: counters end in _total`);
    else t.notMatch(p, /_total$/, `${p}: only counters end in _total`);
    if (SUFFIX[m.unit]) t.ok(base.endsWith(SUFFIX[m.unit]!), `${p} carries ${SUFFIX[m.unit]}`);
    if (m.unit === '1' && m.instrument === 'gauge') t.match(p, /_ratio$/, `${p}: unit-1 gauges end in _ratio`);
    if (m.unit.startsWith('{')) t.equal(base, m.name.replace(/[^A-Za-z0-9:]+/g, '_'), `${p}: annotations add nothing`);
    for (const a of m.attributes) t.match(prometheusLabelName(a), /^[a-zA-Z_][a-zA-Z0-9_]*$/, `${a} label`);
  }
});

t.test('serializer: escaping, scope labels, target_info, updowncounter as gauge', async (t) => {
  t.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  const reader = new PullMetricReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'svc', 'host.name': 'mac "1"' }),
    readers: [reader],
  });
  const meter = provider.getMeter('scope-a', '1.2.3');
  meter.createObservableGauge('hw.temperature', { unit: 'Cel', description: 'line1\nline2 \\' }).addCallback((r) => {
    r.observe(41.5, { 'hw.id': 'TCMb', 'hw.name': 'quote " and \\ and\nnewline' });
  });
  meter.createObservableUpDownCounter('system.memory.usage', { unit: 'By' }).addCallback((r) => r.observe(1024, { 'system.memory.state': 'used' }));
  meter.createObservableCounter('hw.energy', { unit: 'J' }).addCallback((r) => r.observe(12.5, { 'hw.id': 'cpu' }));
  const text = serialize((await reader.collect()).resourceMetrics);
  t.match(text, '# TYPE target_info gauge\n');
  t.match(text, 'target_info{host_name="mac \\"1\\"",service_name="svc"} 1\n');
  t.match(text, '# HELP hw_temperature_celsius line1\\nline2 \\\\\n# TYPE hw_temperature_celsius gauge\n');
  t.match(text, 'hw_temperature_celsius{hw_id="TCMb",hw_name="quote \\" and \\\\ and\\nnewline",otel_scope_name="scope-a",otel_scope_version="1.2.3"} 41.5\n');
  t.match(text, '# TYPE system_memory_usage_bytes gauge\nsystem_memory_usage_bytes{system_memory_state="used",otel_scope_name="scope-a",otel_scope_version="1.2.3"} 1024\n');
  t.match(text, '# TYPE hw_energy_joules_total counter\nhw_energy_joules_total{hw_id="cpu",otel_scope_name="scope-a",otel_scope_version="1.2.3"} 12.5\n');
  await provider.shutdown();
});

t.test("promtool lints the agent's whole exposition for the M2 Ultra capture", async (t) => {
  let promtool: string | undefined;
  try {
    promtool = execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    promtool = undefined;
  }
  if (!promtool) {
    t.fail('promtool is not installed: `apt-get install -y --no-install-recommends prometheus` (.ci/run does this)');
    return;
  }
  const config = ConfigSchema.parse({ exporters: { otlp: { enabled: false }, prometheus: { port: 0 } } });
  const agent = createAgent(config, { log: memoryLogger('warn'), sources: captureSources(readCapture(M2_ULTRA)) });
  await agent.start();
  const res = await fetch(`http://127.0.0.1:${agent.prometheus!.address()!.port}/metrics`);
  t.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  await agent.stop();
  const lint = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  t.equal(lint.status, 0, `promtool check metrics: ${lint.stdout}${lint.stderr}`);
  t.equal(lint.stdout + lint.stderr, '', 'no lint findings');
  t.ok(text.split('\n').filter((l) => l && !l.startsWith('#')).length > 200, 'a full exposition was linted');
});
