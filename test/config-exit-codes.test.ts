/**
 * Every configuration error exits 78 (EX_CONFIG), issue 12 item 6: each environment variable the
 * configuration reads, given a bad value, and each way the file can be wrong — through the real CLI
 * (`run --replay` and `sample --replay`), which names the variable or field and never starts.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ConfigError, loadConfig } from '../src/config.ts';
import { CLI, cleanEnv, M2_ULTRA } from './robustness/agent-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-config-78-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const ENV_CASES: Array<[string, string, RegExp]> = [
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'not a url', /exporters\.otlp\.endpoint/],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'ftp://collector:4318', /exporters\.otlp\.endpoint/],
  ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'http://a b/', /exporters\.otlp\.metricsEndpoint/],
  ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc', /exporters\.otlp\.protocol/],
  ['OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'http/xml', /exporters\.otlp\.protocol/],
  ['OTEL_EXPORTER_OTLP_TIMEOUT', '10s', /OTEL_EXPORTER_OTLP_TIMEOUT/],
  ['OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', '0', /exporters\.otlp\.timeoutMs/],
  ['OTEL_METRIC_EXPORT_INTERVAL', '-5', /OTEL_METRIC_EXPORT_INTERVAL/],
  ['OTEL_METRIC_EXPORT_INTERVAL', '10', /exporters\.otlp\.intervalMs/],
  ['OTEL_EXPORTER_OTLP_HEADERS', 'Authorization: Basic abc', /OTEL_EXPORTER_OTLP_HEADERS/],
  ['OTEL_EXPORTER_OTLP_METRICS_HEADERS', 'a=%ZZ', /OTEL_EXPORTER_OTLP_METRICS_HEADERS/],
  ['OTEL_METRICS_EXPORTER', 'otlp,zipkin', /OTEL_METRICS_EXPORTER/],
  ['OTEL_EXPORTER_PROMETHEUS_HOST', '   x y', /exporters\.prometheus\.host|OTEL_EXPORTER_PROMETHEUS_HOST/],
  ['OTEL_EXPORTER_PROMETHEUS_PORT', '70000', /exporters\.prometheus\.port/],
  ['OTEL_EXPORTER_PROMETHEUS_PORT', 'http', /OTEL_EXPORTER_PROMETHEUS_PORT/],
  ['SILICON_AGENT_PROMETHEUS_ENABLED', 'yes', /SILICON_AGENT_PROMETHEUS_ENABLED/],
  ['SILICON_AGENT_OTLP_ENABLED', '2', /SILICON_AGENT_OTLP_ENABLED/],
  ['SILICON_AGENT_LOG_LEVEL', 'loud', /log\.level/],
  ['OTEL_RESOURCE_ATTRIBUTES', 'rack=%ZZ', /OTEL_RESOURCE_ATTRIBUTES/],
  ['OTEL_RESOURCE_ATTRIBUTES', '=x', /OTEL_RESOURCE_ATTRIBUTES/],
  ['SILICON_AGENT_CONFIG', join(dir, 'missing.json'), /cannot read .*missing\.json: ENOENT/],
];

const FILE_CASES: Array<[string, string, RegExp]> = [
  ['not JSON', '{"exporters": ', /is not valid JSON/],
  ['an array', '[1, 2]', /must hold a JSON object/],
  ['an unknown field', '{"exporter": {}}', /unknown field\(s\) \\?"exporter/],
  ['a wrong type', '{"sources": {"vm_stat": {"intervalMs": "10s"}}}', /sources\.vm_stat\.intervalMs/],
  ['an unknown source', '{"sources": {"gpu2": {}}}', /sources/],
  ['a bad budget', '{"budget": {"cpuPercent": -1}}', /budget\.cpuPercent/],
];

t.test('in-process: each bad variable and file is a ConfigError naming it', async (t) => {
  for (const [name, value, names] of ENV_CASES) {
    const e = t.throws(() => loadConfig({ env: { [name]: value } }), ConfigError, `${name}=${value}`) as ConfigError;
    t.match(`${e.message} ${e.field}`, names, `${name}=${value}: ${e.message}`);
  }
  for (const [what, text, names] of FILE_CASES) {
    const e = t.throws(() => loadConfig({ file: file(`${what.replace(/\W/g, '-')}.json`, text), env: {} }), ConfigError, what) as ConfigError;
    t.match(e.message, names, `${what}: ${e.message}`);
  }
});

t.test('through the CLI: run and sample exit 78 on every one of them', async (t) => {
  const runs: Array<{ what: string; env: Record<string, string>; args: string[]; names: RegExp }> = [];
  for (const [name, value, names] of ENV_CASES) runs.push({ what: `${name}=${value}`, env: { [name]: value }, args: [], names });
  for (const [what, text, names] of FILE_CASES) runs.push({ what, env: {}, args: ['--config', file(`cli-${what.replace(/\W/g, '-')}.json`, text)], names });
  // two at a time: a busy machine stays responsive, and nothing here waits on a clock
  for (let i = 0; i < runs.length; i += 2) {
    await Promise.all(
      runs.slice(i, i + 2).map(async (c) => {
        const command = c.what.length % 2 === 0 ? 'run' : 'sample';
        const r = await execa(process.execPath, [CLI, command, '--replay', M2_ULTRA, ...c.args], {
          env: { ...cleanEnv(), SILICON_AGENT_CONFIG: '', ...c.env },
          extendEnv: false,
          reject: false,
        });
        t.equal(r.exitCode, 78, `${command} with ${c.what}: ${r.stderr.slice(0, 300)}`);
        t.match(r.stderr, c.names, `${command} with ${c.what} names it`);
        t.notMatch(r.stderr, /"msg":"started"/, 'nothing started');
      }),
    );
  }
});
