/**
 * Secrets never leave the process (issue 12 item 3): a password and a query key in the OTLP URL and
 * an Authorization header value are absent from every log line (start, export failure, SIGHUP
 * reload), from the status file and what `status` prints from it, and from `doctor` — even when the
 * collector echoes them back in its status line and body. A malformed header list is a
 * configuration error (78) that names the variable and never echoes the credential.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { formatStatus } from '../../src/commands/status.ts';
import { ConfigError, loadConfig, redactedConfig } from '../../src/config.ts';
import { memoryLogger } from '../../src/log.ts';
import { addSecrets, clearSecrets, redactUrl, scrub, urlSecrets } from '../../src/secrets.ts';
import { readStatusFile } from '../../src/status-file.ts';
import { until } from '../helpers/wait.ts';
import { CLI, cleanEnv, M2_ULTRA, NODE_FLAGS, writeConfig } from './agent-process.ts';

const PASSWORD = 'Pw-s3cret-9f2';
const QUERY_KEY = 'apikey-77ab31';
const TOKEN = 'tok-5e6f7a8b9c';
const SECRETS = [PASSWORD, QUERY_KEY, TOKEN];

function leaks(text: string): string[] {
  return SECRETS.filter((s) => text.includes(s) || text.includes(encodeURIComponent(s)));
}

t.test('scrub, redactUrl and urlSecrets', async (t) => {
  t.teardown(clearSecrets);
  const url = `http://agentuser:${PASSWORD}@collector.example:4318/v1/metrics?api_key=${QUERY_KEY}&format=json#frag`;
  t.equal(redactUrl(url), 'http://[redacted]@collector.example:4318/v1/metrics?[redacted]');
  t.equal(redactUrl('http://collector:4318/v1/metrics'), 'http://collector:4318/v1/metrics');
  t.equal(redactUrl('not a url'), '[unparseable url]');
  t.same(urlSecrets(url).sort(), [PASSWORD, `agentuser:${PASSWORD}`, `api_key=${QUERY_KEY}&format=json`, QUERY_KEY, 'json'].sort());
  addSecrets([...urlSecrets(url), `Bearer ${TOKEN}`, 'short']);
  t.equal(scrub(`POST ${url} failed`), 'POST http://[redacted]@collector.example:4318/v1/metrics?[redacted]#frag failed');
  t.equal(scrub(`got "Bearer ${TOKEN}" back`), 'got "[redacted]" back');
  t.equal(scrub(`encoded ${encodeURIComponent(`Bearer ${TOKEN}`)}`), 'encoded [redacted]');
  t.equal(scrub('format json stays readable, and so does short'), 'format json stays readable, and so does short', 'values under 6 characters are not scrubbed from free text');
  // a secret with characters JSON escapes is still found inside a JSON log line
  addSecrets(['quo"te\\secret']);
  const log = memoryLogger('info');
  log.warn('export failed', { error: 'server said quo"te\\secret' });
  t.equal(log.lines[0]!.error, 'server said [redacted]');
});

t.test('the configuration registers its secrets and redacts its URLs', async (t) => {
  t.teardown(clearSecrets);
  const { config } = loadConfig({
    env: {
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `https://u:${PASSWORD}@c.example/v1/metrics?api_key=${QUERY_KEY}`,
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${TOKEN},x-tenant=team-a`,
    },
  });
  t.equal(config.exporters.otlp.headers.Authorization, `Bearer ${TOKEN}`);
  const shown = JSON.stringify(redactedConfig(config));
  t.same(leaks(shown), []);
  t.match(shown, /https:\/\/\[redacted\]@c\.example\/v1\/metrics\?\[redacted\]/);
  t.same(leaks(scrub(`error at https://u:${PASSWORD}@c.example with Bearer ${TOKEN}`)), [], 'registered when the configuration loaded');
});

t.test('malformed headers and URLs are configuration errors that never echo the value', async (t) => {
  t.teardown(clearSecrets);
  const cases: Array<{ env?: Record<string, string>; file?: unknown; field: string; names: RegExp }> = [
    // a colon instead of "=": the base64 padding makes "Authorization: Basic …" the key
    { env: { OTEL_EXPORTER_OTLP_HEADERS: `Authorization: Basic ${TOKEN}==` }, field: 'exporters.otlp.headers', names: /OTEL_EXPORTER_OTLP_HEADERS/ },
    { env: { OTEL_EXPORTER_OTLP_HEADERS: `Authorization: Basic ${TOKEN}` }, field: 'OTEL_EXPORTER_OTLP_HEADERS', names: /entry 1/ },
    { env: { OTEL_EXPORTER_OTLP_METRICS_HEADERS: `authorization=${TOKEN}%0d%0aX-Evil: 1` }, field: 'exporters.otlp.headers', names: /OTEL_EXPORTER_OTLP_METRICS_HEADERS/ },
    { env: { OTEL_EXPORTER_OTLP_HEADERS: `k=${TOKEN}%ZZ` }, field: 'OTEL_EXPORTER_OTLP_HEADERS', names: /percent-encoding/ },
    { file: { exporters: { otlp: { headers: { authorization: `${TOKEN}\n` } } } }, field: 'exporters.otlp.headers', names: /control character/ },
    { file: { exporters: { otlp: { headers: { [`bad name ${TOKEN}`]: 'v' } } } }, field: 'exporters.otlp.headers', names: /HTTP token/ },
    { env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://u:${PASSWORD}@host:4318/ x` }, field: 'exporters.otlp.endpoint', names: /OTEL_EXPORTER_OTLP_ENDPOINT/ },
  ];
  for (const c of cases) {
    const file = c.file === undefined ? undefined : writeConfig(c.file);
    let err: unknown;
    try {
      loadConfig({ env: c.env ?? {}, ...(file ? { file } : {}) });
    } catch (e) {
      err = e;
    }
    t.type(err, ConfigError, JSON.stringify(c.names.source));
    const msg = (err as Error).message;
    t.equal((err as ConfigError).field, c.field, msg);
    t.match(msg, c.names);
    t.same(leaks(msg), [], msg);
  }
  // through the CLI: exit 78, the variable named, nothing echoed
  const r = await execa(process.execPath, [CLI, 'run', '--replay', M2_ULTRA], {
    env: { ...cleanEnv(), SILICON_AGENT_CONFIG: '', OTEL_EXPORTER_OTLP_HEADERS: `Authorization: Basic ${TOKEN}==` },
    reject: false,
  });
  t.equal(r.exitCode, 78, r.stderr);
  t.match(r.stderr, /OTEL_EXPORTER_OTLP_HEADERS/);
  t.same(leaks(r.stdout + r.stderr), []);
});

t.test('a running agent, a hostile collector, SIGHUP, the status file, status and doctor: no secret anywhere', async (t) => {
  // the collector answers 401 and echoes the request line and the credential back
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(String(req.headers.authorization));
    req.resume();
    req.on('end', () => {
      res.statusMessage = `denied ${String(req.headers.authorization)} for ${req.url}`.replace(/[^\t\x20-\x7e]/g, '?');
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end(`no: ${String(req.headers.authorization)} ${req.url}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-secrets-'));
  const statusFile = join(dir, 'status.json');
  const configFile = writeConfig({ exporters: { otlp: { intervalMs: 1000, timeoutMs: 1000 }, prometheus: { port: 0 } } });
  const env = {
    ...cleanEnv(),
    SILICON_AGENT_CONFIG: '',
    SILICON_AGENT_LOG_LEVEL: 'info',
    SILICON_AGENT_STATUS_FILE: statusFile,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://agentuser:${PASSWORD}@127.0.0.1:${port}/v1/metrics?api_key=${QUERY_KEY}`,
    OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${TOKEN}`,
  };
  const child = spawn(process.execPath, [...NODE_FLAGS, CLI, 'run', '--replay', M2_ULTRA, '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = once(child, 'exit');
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));

  await until(() => stderr.includes('OTLP export failed'), { what: 'the export failure is logged' });
  t.ok(seen.includes(`Bearer ${TOKEN}`), 'the collector did receive the credential (the test is real)');
  await until(() => existsSync(statusFile) && /"lastError"/.test(readFileSync(statusFile, 'utf8')), { what: 'the status file holds the export error' });
  child.kill('SIGHUP');
  await until(() => stderr.includes('SIGHUP: configuration reloaded'), { what: 'the reload is logged' });
  const statusText = readFileSync(statusFile, 'utf8');
  child.kill('SIGTERM');
  await exited;

  t.match(stderr, /starting silicon-agent/);
  t.match(stderr, /\[redacted\]/, 'the URL is shown redacted');
  t.same(leaks(stderr + stdout), [], 'no secret in any log line');
  t.same(leaks(statusText), [], 'no secret in the status file');
  const read = readStatusFile(statusFile);
  t.ok(read.ok && read.status.export.lastError, 'the status file keeps the (scrubbed) error');
  if (read.ok) {
    const shown = formatStatus({ job: { loaded: false }, agent: read }, new Date()).join('\n');
    t.match(shown, /last failure/);
    t.same(leaks(shown), [], 'no secret in what status prints');
  }

  const doctor = await execa(process.execPath, [CLI, 'doctor', '--config', configFile], { env, reject: false });
  t.match(doctor.stdout, /OTLP endpoint/);
  t.match(doctor.stdout, /http:\/\/\[redacted\]@127\.0\.0\.1:\d+\/v1\/metrics\?\[redacted\]/);
  t.same(leaks(doctor.stdout + doctor.stderr), [], 'no secret in doctor');
});
