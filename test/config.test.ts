/**
 * Configuration: defaults, file < environment precedence, the standard OTEL_* variables, errors
 * that name the field (and the variable), secrets never in messages, and `silicon-agent run`
 * exiting 78 (EX_CONFIG) on a bad file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import {
  ConfigError,
  EX_CONFIG,
  defaultConfig,
  loadConfig,
  otlpMetricsUrl,
  parseKeyValueList,
  type ConfigInput,
} from '../src/config.ts';
import { resourceAttributes } from '../src/export/resource.ts';

const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-config-'));
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};
const root = new URL('..', import.meta.url).pathname;

t.test('defaults', async (t) => {
  const c = defaultConfig();
  t.equal(otlpMetricsUrl(c), 'http://localhost:4318/v1/metrics');
  t.match(c.exporters.prometheus, { enabled: true, host: '127.0.0.1', port: 9464, path: '/metrics' });
  t.match(c.exporters.otlp, { enabled: true, protocol: 'http/protobuf', timeoutMs: 10000, headers: {} });
  t.same(c.budget, { cpuPercent: 1, rssMiB: 128 });
  t.equal(c.resource.serviceName, 'silicon-agent');
  t.same(Object.fromEntries(Object.entries(c.sources).map(([n, x]) => [n, x.enabled])), { powermetrics: true, iostat: true, vm_stat: true, sysctl: true, smc: true, host: true, network: true, filesystems: true, gpu: true, disks: true });
  t.same(Object.fromEntries(Object.entries(c.sources).map(([n, x]) => [n, x.intervalMs])), { powermetrics: 5000, iostat: 5000, vm_stat: 10000, sysctl: 30000, smc: 5000, host: 5000, network: 10000, filesystems: 30000, gpu: 5000, disks: 5000 });
  t.same(c.sources.powermetrics, { enabled: true, intervalMs: 5000, samplers: ['cpu_power', 'gpu_power', 'ane_power', 'thermal'], topApps: 10, sudo: false });
});

t.test('file values, then environment over the file', async (t) => {
  const input: ConfigInput = {
    sources: { smc: { enabled: false }, iostat: { intervalMs: 2000 } },
    exporters: {
      otlp: { endpoint: 'https://collector.example:4318/', headers: { 'x-tenant': 'a', authorization: 'Basic file' }, intervalMs: 30000 },
      prometheus: { port: 9999 },
    },
    budget: { cpuPercent: 2 },
  };
  const p = file('good.json', input);
  const fromFile = loadConfig({ file: p, env: {} }).config;
  t.equal(otlpMetricsUrl(fromFile), 'https://collector.example:4318/v1/metrics');
  t.equal(fromFile.exporters.prometheus.port, 9999);
  t.equal(fromFile.budget.cpuPercent, 2);
  t.equal(fromFile.budget.rssMiB, 128);
  t.same(fromFile.sources.smc.enabled, false);
  t.equal(fromFile.sources.iostat.intervalMs, 2000);

  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://node-collector:4318',
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-extra=1',
    OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-extra=2',
    OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
    OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
    OTEL_METRIC_EXPORT_INTERVAL: '10000',
    OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0',
    OTEL_EXPORTER_PROMETHEUS_PORT: '9100',
  };
  const c = loadConfig({ file: p, env }).config;
  t.equal(otlpMetricsUrl(c), 'http://node-collector:4318/v1/metrics');
  t.same(c.exporters.otlp.headers, { 'x-tenant': 'a', authorization: 'Bearer abc', 'x-extra': '2' });
  t.equal(c.exporters.otlp.timeoutMs, 5000);
  t.equal(c.exporters.otlp.protocol, 'http/json');
  t.equal(c.exporters.otlp.intervalMs, 10000);
  t.match(c.exporters.prometheus, { host: '0.0.0.0', port: 9100 });

  // the metrics-specific endpoint is used as is
  t.equal(otlpMetricsUrl(loadConfig({ env: { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://c:4318/custom/path' } }).config), 'http://c:4318/custom/path');
  // SILICON_AGENT_CONFIG names the file when --config is absent
  t.equal(loadConfig({ env: { SILICON_AGENT_CONFIG: p } }).config.exporters.prometheus.port, 9999);
  // exporter selection
  const sel = loadConfig({ env: { OTEL_METRICS_EXPORTER: 'prometheus' } }).config;
  t.same([sel.exporters.otlp.enabled, sel.exporters.prometheus.enabled], [false, true]);
  const none = loadConfig({ env: { OTEL_METRICS_EXPORTER: 'none' } }).config;
  t.same([none.exporters.otlp.enabled, none.exporters.prometheus.enabled], [false, false]);
});

t.test('bad configuration: a ConfigError naming the field', async (t) => {
  const cases: Array<[string, unknown, Record<string, string>, string, RegExp]> = [
    ['wrong type', { exporters: { prometheus: { port: 'x' } } }, {}, 'exporters.prometheus.port', /expected number/],
    ['out of range', { exporters: { prometheus: { port: 70000 } } }, {}, 'exporters.prometheus.port', /65535/],
    ['unknown key (typo)', { exporters: { otlp: { endpiont: 'http://x' } } }, {}, 'exporters.otlp', /unknown field.*"endpiont"/],
    ['bad enum', { exporters: { otlp: { protocol: 'grpc' } } }, {}, 'exporters.otlp.protocol', /http\/protobuf/],
    ['bad url', { exporters: { otlp: { endpoint: 'ftp://x' } } }, {}, 'exporters.otlp.endpoint', /URL/],
    ['budget', { budget: { cpuPercent: -1 } }, {}, 'budget.cpuPercent', /./],
    ['sampler', { sources: { powermetrics: { samplers: ['network'] } } }, {}, 'sources.powermetrics.samplers.0', /./],
    ['interval', { sources: { vm_stat: { intervalMs: 5 } } }, {}, 'sources.vm_stat.intervalMs', /100/],
    ['env protocol', {}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'exporters.otlp.protocol', /from OTEL_EXPORTER_OTLP_PROTOCOL/],
    ['env number', {}, { OTEL_EXPORTER_PROMETHEUS_PORT: 'abc' }, 'OTEL_EXPORTER_PROMETHEUS_PORT', /integer/],
    ['env exporter', {}, { OTEL_METRICS_EXPORTER: 'zipkin' }, 'OTEL_METRICS_EXPORTER', /zipkin/],
  ];
  for (const [what, content, env, field, msg] of cases) {
    const err = t.throws(() => loadConfig({ file: file(`bad-${field}.json`, content), env })) as ConfigError;
    t.ok(err instanceof ConfigError, `${what}: ConfigError`);
    t.equal(err.field, field, `${what}: names ${field}`);
    t.match(err.message, msg, `${what}: says why`);
    t.match(err.message, field, `${what}: message names the field`);
  }
  t.match((t.throws(() => loadConfig({ file: file('syntax.json', '{"a": ') })) as ConfigError).field, '(file)');
  t.match((t.throws(() => loadConfig({ file: join(dir, 'missing.json') })) as ConfigError).message, /ENOENT/);
});

t.test('header values never appear in an error', async (t) => {
  const secret = 'Sup3rS3cret';
  const e1 = t.throws(() => parseKeyValueList(`Authorization Bearer ${secret}`, 'OTEL_EXPORTER_OTLP_HEADERS')) as Error;
  t.notMatch(e1.message, secret);
  const e2 = t.throws(() => loadConfig({ file: file('hdr.json', { exporters: { otlp: { headers: { authorization: 5, x: secret } } } }) })) as ConfigError;
  t.equal(e2.field, 'exporters.otlp.headers', 'a headers entry is never named: its key may hold the secret');
  t.notMatch(e2.message, secret);
});

t.test('resource: env wins, os.version is the macOS version, replay is marked', async (t) => {
  const config = loadConfig({ file: file('res.json', { resource: { serviceName: 'from-file', attributes: { 'deployment.environment.name': 'file', rack: 'r1' } } }), env: {} }).config;
  const facts = { hwModel: 'Mac15,14', cpuBrand: 'Apple M3 Ultra', osProductVersion: '15.3.1', osBuild: '24D70' };
  const live = resourceAttributes({ resource: config.resource, facts, platform: 'darwin', hostname: 'node-07', arch: 'arm64', release: '24.3.0', version: '9.9.9' });
  t.match(live, {
    'service.name': 'from-file',
    'service.version': '9.9.9',
    'host.name': 'node-07',
    'host.arch': 'arm64',
    'host.type': 'Mac15,14',
    'host.cpu.model.name': 'Apple M3 Ultra',
    'os.type': 'darwin',
    'os.version': '15.3.1',
    'os.build_id': '24D70',
    'deployment.environment.name': 'file',
    rack: 'r1',
  });
  t.notOk('silicon_agent.replay' in live);
  // stable instance id per (service, host)
  const again = resourceAttributes({ resource: config.resource, facts, platform: 'darwin', hostname: 'node-07', arch: 'arm64' });
  t.equal(again['service.instance.id'], live['service.instance.id']);
  t.not(resourceAttributes({ resource: config.resource, facts, platform: 'darwin', hostname: 'node-08' })['service.instance.id'], live['service.instance.id']);

  // The environment is merged when the configuration loads (exit 78 on a bad value), over the file.
  const withEnv = (env: Record<string, string>) => loadConfig({ file: file('res.json', { resource: { serviceName: 'from-file', attributes: { 'deployment.environment.name': 'file', rack: 'r1' } } }), env }).config;
  const env = { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.name=from-attrs,team=hpc%2Fml', OTEL_SERVICE_NAME: 'from-env' };
  const merged = resourceAttributes({ resource: withEnv(env).resource, facts, platform: 'darwin', hostname: 'node-07', arch: 'x64' });
  t.match(merged, { 'service.name': 'from-env', 'deployment.environment.name': 'prod', team: 'hpc/ml', rack: 'r1', 'host.arch': 'amd64' });
  const noServiceEnv = resourceAttributes({ resource: withEnv({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' }).resource, facts, platform: 'darwin' });
  t.equal(noServiceEnv['service.name'], 'from-attrs');

  const replay = resourceAttributes({ resource: withEnv({ OTEL_RESOURCE_ATTRIBUTES: 'silicon_agent.replay=false' }).resource, facts, platform: 'darwin', replayDir: '/x/fixtures/replay/m2-ultra/' });
  t.equal(replay['silicon_agent.replay'], true, 'nothing can unmark replayed data');
  t.equal(replay['silicon_agent.replay.capture'], 'm2-ultra');
});

t.test('silicon-agent run exits 78 on a bad config and names the field', async (t) => {
  const bad = file('run-bad.json', { exporters: { prometheus: { port: 'nine' } } });
  const r = await execa(process.execPath, [join(root, 'bin', 'silicon-agent.js'), 'run', '--config', bad], { reject: false, env: { SILICON_AGENT_LOG_LEVEL: 'info' } });
  t.equal(r.exitCode, EX_CONFIG);
  t.match(r.stderr, /exporters\.prometheus\.port/);
  const line = JSON.parse(r.stderr.trim().split('\n').pop()!) as Record<string, unknown>;
  t.match(line, { level: 'error', field: 'exporters.prometheus.port', exitCode: 78 });

  const envBad = await execa(process.execPath, [join(root, 'bin', 'silicon-agent.js'), 'run'], { reject: false, env: { OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' } });
  t.equal(envBad.exitCode, EX_CONFIG);
  t.match(envBad.stderr, /OTEL_EXPORTER_OTLP_TIMEOUT/);
});
