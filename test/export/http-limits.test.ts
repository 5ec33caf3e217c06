/**
 * The Prometheus endpoint's limits, in process (src/export/prometheus.ts, docs/security.md "HTTP
 * endpoint"): shared rendering (50 concurrent scrapes → one collection), the error boundary, the
 * header-size, header-count and pipelining boundaries, the header timeout and keep-alive, and the
 * configuration's checks of `path` and `maxConnections`.
 */
import type http from 'node:http';
import net from 'node:net';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import t, { type Test } from 'tap';
import { ConfigSchema } from '../../src/config.ts';
import { LIMITS, PrometheusServer, type PrometheusServerOptions } from '../../src/export/prometheus.ts';
import { memoryLogger } from '../../src/log.ts';
import { waitFor } from '../helpers/wait.ts';
import { exchange } from './raw-http.ts';

const SCRAPE = 'GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n';

/** A server whose only metric counts the collections made (one callback per collection). */
async function server(t: Test, o: Partial<PrometheusServerOptions> = {}) {
  const log = memoryLogger();
  const prom = new PrometheusServer({ host: '127.0.0.1', port: 0, path: '/metrics', log, ...o });
  const provider = new MeterProvider({ readers: [prom.reader] });
  let calls = 0;
  provider
    .getMeter('limits-test')
    .createObservableCounter('test.collections', { unit: '{collection}' })
    .addCallback((r) => r.observe(++calls));
  const { port } = await prom.listen();
  t.teardown(async () => {
    await prom.close();
    await provider.shutdown();
  });
  return { prom, port, log, calls: () => calls };
}

t.test('50 concurrent scrapes share one collection', async (t) => {
  const { prom, port, calls } = await server(t);
  // Hold the collection until all 50 requests have arrived, so they all find it in flight.
  const collect = prom.reader.collect.bind(prom.reader);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  prom.reader.collect = async (o) => (await gate, collect(o));
  let arrived = 0;
  // The underlying node:http server (private): counted only to know when to open the gate.
  (prom as unknown as { server: http.Server }).server.on('request', () => arrived++);
  const scrapes = Array.from({ length: 50 }, () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()));
  await waitFor(() => arrived === 50, { what: '50 requests in' });
  release();
  const bodies = await Promise.all(scrapes);
  t.equal(new Set(bodies).size, 1, 'all 50 got the same text');
  t.match(bodies[0], /^test_collections_total\{otel_scope_name="limits-test"\} 1$/m, 'rendered from the one collection');
  t.equal(calls(), 1, 'one collection for 50 scrapes');
  t.equal(prom.collections, 1);
  t.equal(prom.scrapes, 50, 'each scrape is still counted');
});

t.test('a rendering is reused within its window, never after', async (t) => {
  const long = await server(t, { reuseMs: 3_600_000 });
  for (let i = 0; i < 3; i++) await fetch(`http://127.0.0.1:${long.port}/metrics`).then((r) => r.text());
  t.equal(long.calls(), 1, 'three scrapes inside the window: one collection');
  const none = await server(t, { reuseMs: -1 });
  for (let i = 0; i < 3; i++) await fetch(`http://127.0.0.1:${none.port}/metrics`).then((r) => r.text());
  t.equal(none.calls(), 3, 'outside it: a collection each');
  t.equal(LIMITS.reuseMs, 250, 'the default window (docs/security.md)');
});

t.test('the error boundary: a throw while answering is a 500, logged once, and the endpoint stays up', async (t) => {
  let fail = true;
  const { port, log } = await server(t, {
    onScrape: () => {
      if (fail) throw new Error('boom');
    },
  });
  const a = await exchange(port, [SCRAPE]);
  const b = await exchange(port, [SCRAPE]);
  t.same([a.responses[0]?.status, b.responses[0]?.status], [500, 500]);
  t.equal(log.lines.filter((l) => l.msg === 'request handling failed').length, 1, 'logged once');
  fail = false;
  t.equal((await exchange(port, [SCRAPE])).responses[0]?.status, 200, 'then answers normally');
  // A failing collection is a 500 too, logged once.
  const failing = await server(t);
  failing.prom.reader.collect = () => Promise.reject(new Error('collect failed'));
  t.equal((await exchange(failing.port, [SCRAPE])).responses[0]?.status, 500);
  t.equal(failing.log.lines.filter((l) => l.msg === 'scrape failed').length, 1);
});

t.test('header size, header count and pipelining boundaries', async (t) => {
  const { port } = await server(t);
  const withHead = (n: number): string => {
    const base = 'GET /metrics HTTP/1.1\r\nHost: a\r\nX-Pad: \r\n\r\n';
    return base.replace('X-Pad: ', `X-Pad: ${'p'.repeat(n - base.length)}`);
  };
  t.equal((await exchange(port, [withHead(8000)])).responses[0]?.status, 200, 'an 8,000-byte head is answered');
  t.equal((await exchange(port, [withHead(8300)])).responses[0]?.status, 431, 'an 8,300-byte head is refused (limit 8 KiB)');
  const headers = (n: number): string => `GET /metrics HTTP/1.1\r\n${Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`;
  t.equal((await exchange(port, [headers(64)])).responses[0]?.status, 200, '64 headers');
  t.equal((await exchange(port, [headers(65)])).responses[0]?.status, 431, '65 headers');
  const sixteen = await exchange(port, [SCRAPE.repeat(16)]);
  t.same(sixteen.responses.map((r) => r.status), Array(16).fill(200), '16 pipelined requests: all answered');
  const seventeen = await exchange(port, [SCRAPE.repeat(40)]);
  t.ok(seventeen.responses.length <= LIMITS.maxPipelined, `40 pipelined in one write: the connection is closed (${seventeen.responses.length} answers got out first)`);
});

t.test('the header timeout closes a slow sender; a keep-alive connection outlives it', async (t) => {
  const { port, log } = await server(t);
  const [slow, silent] = await Promise.all([
    exchange(port, ['GET /metrics HTTP/1.1\r\n', ...Array.from({ length: 60 }, (_, i) => `X-${i}: a\r\n`)], { gapMs: 500 }),
    exchange(port, [''], { halfClose: false }),
  ]);
  t.equal(slow.responses[0]?.status, 408, 'a request whose headers never finish: 408 and closed');
  t.equal(silent.responses[0]?.status, 408, 'a connection that sends nothing: 408 and closed too');
  t.ok(log.lines.some((l) => l.code === 'ERR_HTTP_REQUEST_TIMEOUT'), 'logged');
  // Scrape, stay idle past the header timeout, scrape again on the same connection.
  const idle = LIMITS.headersTimeoutMs + 2 * LIMITS.checkEveryMs;
  const kept = await exchange(port, [SCRAPE, SCRAPE], { gapMs: idle });
  t.same(kept.responses.map((r) => r.status), [200, 200], `idle ${idle} ms between two scrapes: the same connection answers both`);
  t.equal(LIMITS.keepAliveTimeoutMs, 65_000, 'keep-alive idle limit, longer than any scrape interval up to 60 s');
});

t.test('a client that sends but never reads is closed once its queued answers have not moved for 30 s', async (t) => {
  const log = memoryLogger();
  const prom = new PrometheusServer({ host: '127.0.0.1', port: 0, path: '/metrics', log });
  const provider = new MeterProvider({ readers: [prom.reader] });
  // About 1.3 MB of text per answer (the SDK keeps at most 2,000 series per metric, so the labels are
  // long), so 16 pipelined answers overflow both sockets' buffers.
  provider
    .getMeter('limits-test')
    .createObservableGauge('test.wide')
    .addCallback((r) => {
      for (let i = 0; i < 2000; i++) r.observe(i, { series: `s${i}`.padEnd(600, 'x') });
    });
  const { port } = await prom.listen();
  t.teardown(async () => {
    await prom.close();
    await provider.shutdown();
  });
  const socket = net.connect(port, '127.0.0.1', () => {
    socket.write(SCRAPE.repeat(16));
    socket.pause(); // never reads
  });
  socket.on('error', () => {});
  t.teardown(() => socket.destroy());
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await waitFor(() => log.lines.some((l) => l.msg === 'connection not reading its answers for 30 s: closed'), { what: 'the stalled connection closed' });
  socket.resume(); // read what the kernel still holds: then the close the server made is seen
  await closed;
  t.equal(LIMITS.stalledWriteMs, 30_000);
  t.pass('closed by the server, logged once');
  t.equal(log.lines.filter((l) => l.kind === 'prometheus:stalled').length, 1);
});

t.test('configuration: path limited to RFC 3986 path characters; maxConnections 1..512, default 64', async (t) => {
  const prom = (p: Record<string, unknown>) => ConfigSchema.safeParse({ exporters: { prometheus: p } });
  t.equal(ConfigSchema.parse({}).exporters.prometheus.maxConnections, 64);
  t.ok(prom({ path: '/federate/metrics', maxConnections: 512 }).success);
  t.ok(prom({ maxConnections: 1 }).success);
  for (const bad of [{ maxConnections: 0 }, { maxConnections: 513 }, { maxConnections: 1.5 }, { path: 'metrics' }, { path: '/a[b' }, { path: '/a?b' }, { path: '/a b' }, { path: '/%zz' }, { path: '/é' }])
    t.notOk(prom(bad).success, `rejected: ${JSON.stringify(bad)}`);
});
