/**
 * What each way a collector can fail is called (`error.type` and the message), through the real agent
 * and the real OTLP exporter against real servers on loopback: HTTP statuses (the retryable ones
 * too), a refused connection, TLS that is not trusted, the CA file honoured or unreadable, and a
 * hostile collector that echoes our secrets back in its reason phrase and body.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createAgent } from '../../src/agent.ts';
import { ConfigSchema } from '../../src/config.ts';
import { memoryLogger } from '../../src/log.ts';
import { statusOf } from '../../src/status-file.ts';
import { captureSources, freePort, M2_ULTRA, readCapture } from './capture.ts';

const HEADER_SECRET = 'tok-errors-7d3a91';
const URL_PASSWORD = 'pw-errors-52be0c';
const capture = readCapture(M2_ULTRA);

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(handler: Handler, tls?: { key: string; cert: string }): Promise<{ url: string; close(): Promise<void> }> {
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `${tls ? 'https' : 'http'}://user:${URL_PASSWORD}@127.0.0.1:${port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** One export of the replay to `endpoint` through a real agent (1 s interval: the retries fit in 0.8 s). */
async function pushOnce(endpoint: string) {
  const config = ConfigSchema.parse({
    exporters: { otlp: { endpoint, intervalMs: 60_000, timeoutMs: 1000, headers: { authorization: `Bearer ${HEADER_SECRET}` } }, prometheus: { enabled: false } },
  });
  const log = memoryLogger();
  const agent = createAgent(config, { log, sources: captureSources(capture) });
  await agent.start();
  await agent.flush().catch(() => undefined);
  const h = agent.health;
  const result = { failure: h.exports.failure, success: h.exports.success, type: h.lastExportErrorType, error: h.lastExportError, log, status: statusOf(h, { now: new Date() }) };
  await agent.stop();
  return result;
}

const drain = (req: http.IncomingMessage, then: () => void) => {
  req.resume();
  req.on('end', then);
};

const STATUSES: Array<[number, string, string]> = [
  [401, 'http_4xx', 'HTTP 401 Unauthorized'],
  [404, 'http_4xx', 'HTTP 404 Not Found'],
  [413, 'http_4xx', 'HTTP 413 Payload Too Large'],
  [500, 'http_5xx', 'HTTP 500 Internal Server Error'],
  [301, '_OTHER', 'HTTP 301 Moved Permanently'],
  // Retryable: the exporter's final error carries no status; the last one our agent saw is used.
  [503, 'http_5xx', 'HTTP 503 Service Unavailable (retries exhausted)'],
  [429, 'http_4xx', 'HTTP 429 Too Many Requests (retries exhausted)'],
  [502, 'http_5xx', 'HTTP 502 Bad Gateway (retries exhausted)'],
];

for (const [code, type, message] of STATUSES)
  t.test(`HTTP ${code}: ${type}`, async (t) => {
    const server = await serve((req, res) => drain(req, () => res.writeHead(code, 'custom phrase from the collector', code === 301 ? { location: '/elsewhere' } : {}).end('body text')));
    const r = await pushOnce(server.url);
    await server.close();
    t.equal(r.failure, 1);
    t.equal(r.type, type);
    t.equal(r.error, message, 'status code and Node’s standard phrase, never the collector’s');
    t.equal(r.status.export?.lastErrorType, type);
  });

t.test('connection refused: unavailable', async (t) => {
  const port = await freePort();
  const r = await pushOnce(`http://127.0.0.1:${port}`);
  t.equal(r.type, 'unavailable');
  t.equal(r.error, `connect ECONNREFUSED 127.0.0.1:${port}`);
});

t.test('TLS: an untrusted certificate is tls; the CA file is honoured; an unreadable CA file is logged once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const server = await serve((req, res) => drain(req, () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()), {
    key: readFileSync(key, 'utf8'),
    cert: readFileSync(cert, 'utf8'),
  });
  const saved = { ...process.env };
  t.teardown(async () => {
    for (const k of ['OTEL_EXPORTER_OTLP_CERTIFICATE', 'OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await server.close();
  });
  delete process.env.OTEL_EXPORTER_OTLP_CERTIFICATE;
  delete process.env.OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE;

  const untrusted = await pushOnce(server.url);
  t.equal(untrusted.type, 'tls');
  t.equal(untrusted.error, 'TLS DEPTH_ZERO_SELF_SIGNED_CERT', 'a self-signed certificate');

  process.env.OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE = cert;
  const trusted = await pushOnce(server.url);
  t.same([trusted.success, trusted.failure], [1, 0], 'OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE honoured');
  delete process.env.OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE;
  process.env.OTEL_EXPORTER_OTLP_CERTIFICATE = cert;
  const general = await pushOnce(server.url);
  t.same([general.success, general.failure], [1, 0], 'OTEL_EXPORTER_OTLP_CERTIFICATE honoured');

  process.env.OTEL_EXPORTER_OTLP_CERTIFICATE = join(dir, 'missing.pem');
  const missing = await pushOnce(server.url);
  t.equal(missing.type, 'tls', 'without the CA the certificate is untrusted');
  const warned = missing.log.lines.filter((l) => l.msg === 'OTLP trusted root certificate file unreadable; exporting without it');
  t.equal(warned.length, 1, 'logged once');
  t.match(warned[0], { variable: 'OTEL_EXPORTER_OTLP_CERTIFICATE', code: 'ENOENT' });
});

t.test('a hostile collector echoing our secrets in its reason phrase and body: none reaches a log, the status or an error', async (t) => {
  const server = await serve((req, res) =>
    drain(req, () => {
      const echo = `${req.headers.authorization} ${Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString()}`;
      const auth = String(req.headers.authorization);
      res.writeHead(400, `rejected ${auth.replace(/[^\t\x20-\x7e]/g, '')}`, { 'content-type': 'text/plain' }).end(`you sent ${echo} ${JSON.stringify(req.headers)}`);
    }),
  );
  const r = await pushOnce(server.url);
  await server.close();
  t.equal(r.type, 'http_4xx');
  t.equal(r.error, 'HTTP 400 Bad Request');
  const everything = JSON.stringify(r.log.lines) + JSON.stringify(r.status) + String(r.error);
  t.notOk(everything.includes(HEADER_SECRET), 'header value nowhere');
  t.notOk(everything.includes(URL_PASSWORD), 'URL password nowhere');
  t.notOk(everything.includes('rejected'), 'the collector’s reason phrase nowhere');
});
