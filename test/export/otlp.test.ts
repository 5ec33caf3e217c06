/**
 * OTLP/HTTP push, end to end: the agent replays the M2 Ultra capture and pushes to a receiver
 * running in this test, which decodes http/protobuf with the OTLP schema (test/otlp-proto) and
 * http/json with JSON.parse. Asserted: metric names, units, instrument types, attributes, the
 * resource, and values — against the catalog and, independently, against numbers read straight
 * from the capture files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createAgent } from '../../src/agent.ts';
import { attributesKey } from '../../src/catalog/accumulate.ts';
import type { CatalogEntry } from '../../src/catalog/types.ts';
import { ConfigSchema } from '../../src/config.ts';
import { buildResource } from '../../src/export/resource.ts';
import { replayFacts } from '../../src/commands/run.ts';
import { memoryLogger } from '../../src/log.ts';
import { CATALOG } from '../../src/registry.ts';
import { captureSources, freePort, M2_ULTRA, readCapture } from './capture.ts';
import { jsonSchemaErrors, loadOtlpSchema, startReceiver, type NMetric, type NRequest } from './otlp-receiver.ts';

const SECRET = 's3cret-token-value';
const pkgVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function pushOnce(protocol: 'http/protobuf' | 'http/json') {
  const receiver = await startReceiver();
  const config = ConfigSchema.parse({
    exporters: {
      otlp: { endpoint: receiver.url, protocol, intervalMs: 60_000, headers: { Authorization: `Bearer ${SECRET}` } },
      prometheus: { enabled: false },
    },
  });
  const log = memoryLogger();
  const { facts, platform } = replayFacts(M2_ULTRA);
  const resource = buildResource({ resource: config.resource, facts, ...(platform ? { platform } : {}), replayDir: M2_ULTRA });
  const agent = createAgent(config, { log, resource, sources: captureSources(readCapture(M2_ULTRA)) });
  await agent.start();
  // What the catalog says now, before the first (and only) export: the sources are done, so only
  // the export counters can change, and they change after the request is built.
  const expected = agent.points();
  await agent.flush();
  const req = await receiver.next();
  await agent.stop();
  await receiver.close();
  return { req, expected, log, health: agent.health };
}

function byName(req: NRequest): Map<string, NMetric> {
  return new Map(req.scopes.flatMap((s) => s.metrics).map((m) => [m.name, m]));
}

function kindOf(m: CatalogEntry) {
  if (m.instrument === 'gauge') return { kind: 'gauge' };
  return { kind: 'sum', monotonic: m.instrument === 'counter', temporality: 'cumulative' };
}

// Numbers read straight from the capture files, not through the parsers.
const plist = readFileSync(join(M2_ULTRA, 'powermetrics.plist'), 'utf8');
const num = (re: RegExp, text: string) => Number(re.exec(text)![1]);
const cpuEnergyJ = num(/<key>cpu_energy<\/key>\s*<integer>(\d+)<\/integer>/, plist) / 1000;
const elapsedS = num(/<key>elapsed_ns<\/key>\s*<integer>(\d+)<\/integer>/, plist) / 1e9;
const cpuCount = plist.match(/<key>cpu<\/key>/g)!.length;
const vmstat = readFileSync(join(M2_ULTRA, 'vm_stat.txt'), 'utf8');
const pageSize = num(/page size of (\d+) bytes/, vmstat);
const pagesFree = num(/Pages free:\s+(\d+)\./, vmstat);
const memsize = num(/hw\.memsize: (\d+)/, readFileSync(join(M2_ULTRA, 'sysctl.txt'), 'utf8'));

for (const protocol of ['http/protobuf', 'http/json'] as const) {
  t.test(`OTLP ${protocol}: replayed M2 Ultra capture arrives intact`, async (t) => {
    const { req, expected, log, health } = await pushOnce(protocol);
    t.match(req.contentType, protocol === 'http/json' ? /^application\/json/ : /^application\/x-protobuf/);
    t.same(req.schemaErrors, [], 'every field of the body is one the official proto defines, with a fitting JSON type');

    // auth header reaches the collector, and never a log line
    t.equal(req.headers.authorization, `Bearer ${SECRET}`);
    t.notOk(JSON.stringify(log.lines).includes(SECRET), 'header value absent from logs');
    t.ok(health.exports.success >= 1, 'export counted as success');
    t.equal(health.exports.failure, 0);

    // resource
    t.match(req.resource, {
      'service.name': 'silicon-agent',
      'service.version': pkgVersion,
      'host.type': 'Mac14,14',
      'host.cpu.model.name': 'Apple M2 Ultra',
      'os.type': 'darwin',
      'os.version': '14.4',
      'os.build_id': '23E224',
      'silicon_agent.replay': true,
      'silicon_agent.replay.capture': 'm2-ultra',
    });
    t.match(req.resource['service.instance.id'], /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    t.type(req.resource['host.name'], 'string');

    // scope
    t.equal(req.scopes.length, 1);
    t.same({ name: req.scopes[0]!.name, version: req.scopes[0]!.version }, { name: 'silicon-agent', version: pkgVersion });

    // every catalog metric with data: name, unit, description, instrument, attributes, values
    const got = byName(req);
    let withData = 0;
    for (const m of CATALOG) {
      const want = expected.get(m.name)!;
      const g = got.get(m.name);
      if (want.length === 0) {
        t.ok(!g || g.points.length === 0, `${m.name}: no points when the capture has no data`);
        continue;
      }
      withData++;
      t.ok(g, `${m.name} present`);
      if (!g) continue;
      t.equal(g.unit, m.unit, `${m.name} unit`);
      t.equal(g.description, m.description, `${m.name} description`);
      t.match(g, kindOf(m), `${m.name} instrument`);
      for (const p of g.points)
        t.ok(Object.keys(p.attributes).every((k) => (m.attributes as readonly string[]).includes(k)), `${m.name} attributes declared`);
      const gotValues = new Map(g.points.map((p) => [attributesKey(p.attributes as Record<string, string | number>), p.value]));
      const wantValues = new Map(want.map((p) => [attributesKey(p.attributes), p.value]));
      t.same(gotValues, wantValues, `${m.name} values per attribute set`);
    }
    t.ok(withData >= 30, `most of the catalog has data in this capture (${withData})`);
    t.equal(got.size, withData, 'nothing outside the catalog');

    // independent checks against the capture files
    const point = (name: string, a: Record<string, string | number>) =>
      got.get(name)?.points.find((p) => Object.entries(a).every(([k, v]) => p.attributes[k] === v))?.value;
    t.equal(point('hw.energy', { 'hw.id': 'cpu' }), cpuEnergyJ, 'CPU energy = plist cpu_energy mJ / 1000');
    t.ok(Math.abs(point('hw.power', { 'hw.id': 'cpu' })! - cpuEnergyJ / elapsedS) < 1e-9, 'CPU power = energy / elapsed_ns');
    t.equal(got.get('system.cpu.frequency')!.points.length, cpuCount, 'one frequency series per CPU in the plist');
    t.equal(point('silicon_agent.thermal.pressure', {}), 0, 'Nominal → 0');
    t.ok(plist.includes('<key>thermal_pressure</key><string>Nominal</string>'));
    t.equal(point('system.memory.limit', {}), memsize, 'hw.memsize');
    t.equal(point('silicon_agent.memory.pages', { 'silicon_agent.memory.page_state': 'free' }), pagesFree * pageSize, 'Pages free × page size');
    t.ok(got.get('hw.temperature')!.points.length <= 128, 'per-sensor temperatures capped');
    t.equal(point('silicon_agent.samples', { 'silicon_agent.source': 'powermetrics' }), 1);

    // counters carry a start time before their timestamp (cumulative)
    const energy = got.get('hw.energy')!.points[0]!;
    t.ok(BigInt(energy.startTimeUnixNano) > 0n && BigInt(energy.startTimeUnixNano) <= BigInt(energy.timeUnixNano));
  });
}

t.test('a failing collector is counted, never fatal, and the pull endpoint keeps serving', async (t) => {
  const port = await freePort(); // nothing listens there
  const promPort = await freePort();
  const config = ConfigSchema.parse({
    exporters: {
      otlp: { endpoint: `https://user:pw@127.0.0.1:${port}`, intervalMs: 60_000, timeoutMs: 2000, headers: { 'x-api-key': SECRET } },
      prometheus: { port: promPort },
    },
  });
  const log = memoryLogger();
  const agent = createAgent(config, { log, sources: captureSources(readCapture(M2_ULTRA)) });
  await agent.start();
  await agent.flush().catch(() => undefined);
  t.ok(agent.health.exports.failure >= 1, 'failure counted');
  const res = await fetch(`http://127.0.0.1:${promPort}/metrics`);
  t.equal(res.status, 200);
  const text = await res.text();
  t.match(text, /silicon_agent_exports_total\{error_type="unavailable",[^}]*silicon_agent_outcome="failure"[^}]*\} [1-9]/, 'refused: unavailable');
  t.match(text, /^hw_energy_joules_total\{hw_id="cpu"/m);
  await agent.stop();
  const logged = JSON.stringify(log.lines);
  t.notOk(logged.includes(SECRET), 'header value never logged');
  t.notOk(logged.includes('user:pw'), 'URL credentials never logged');
  t.ok(log.lines.some((l) => l.msg === 'OTLP export failed; will retry at the next interval'));
});

t.test('https with a private CA (OTEL_EXPORTER_OTLP_CERTIFICATE) and an auth header', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const receiver = await startReceiver({ key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') });
  const prev = process.env.OTEL_EXPORTER_OTLP_CERTIFICATE;
  process.env.OTEL_EXPORTER_OTLP_CERTIFICATE = cert;
  t.teardown(() => {
    if (prev === undefined) delete process.env.OTEL_EXPORTER_OTLP_CERTIFICATE;
    else process.env.OTEL_EXPORTER_OTLP_CERTIFICATE = prev;
  });
  t.match(receiver.url, /^https:/);
  const config = ConfigSchema.parse({
    exporters: { otlp: { endpoint: receiver.url, intervalMs: 60_000, headers: { authorization: `Bearer ${SECRET}` } }, prometheus: { enabled: false } },
  });
  const log = memoryLogger();
  const agent = createAgent(config, { log, sources: captureSources(readCapture(M2_ULTRA)) });
  await agent.start();
  await agent.flush();
  const req = await receiver.next();
  await agent.stop();
  await receiver.close();
  t.equal(req.headers.authorization, `Bearer ${SECRET}`);
  t.ok(req.scopes[0]!.metrics.some((m) => m.name === 'hw.energy'), 'metrics arrived over TLS');
  t.equal(agent.health.exports.failure, 0);
  t.notOk(JSON.stringify(log.lines).includes(SECRET));
});

t.test('the OTLP/JSON schema check rejects what the official proto does not define', async (t) => {
  const { request } = loadOtlpSchema();
  const ok = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'hw.power', unit: 'W', gauge: { dataPoints: [{ asDouble: 1.5, timeUnixNano: '1795368403432000000' }] } }] }] }] };
  t.same(jsonSchemaErrors(request, ok), []);
  const bad = {
    resourceMetrics: [
      { scopeMetrics: [{ metrics: [{ name: 'hw.power', units: 'W', sum: { aggregationTemporality: 7, isMonotonic: 'yes', dataPoints: [{ asDouble: '1.5', timeUnixNano: 17.5 }] } }] }] },
    ],
  };
  t.same(jsonSchemaErrors(request, bad).map((e) => e.replace(/^.*?\.metrics\[0\]\./, '')).sort(), [
    'sum.aggregationTemporality: not a AggregationTemporality value',
    'sum.dataPoints[0].asDouble: not a number',
    'sum.dataPoints[0].timeUnixNano: not a fixed64',
    'sum.isMonotonic: not a bool',
    'units: no such field in .opentelemetry.proto.metrics.v1.Metric',
  ]);
});
