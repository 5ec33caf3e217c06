/**
 * A stale series is never exported (README: "A value older than 3 intervals is never exported"). The
 * OTel SDK's storage for observable instruments re-reports every attribute set one ever had; the agent's
 * catalog producer hands each collection only what it observed (src/export/catalog-producer.ts), on
 * /metrics and in OTLP.
 */
import t from 'tap';
import { once } from 'node:events';
import http from 'node:http';
import { createAgent } from '../../src/agent.ts';
import { ConfigSchema } from '../../src/config.ts';
import { memoryLogger } from '../../src/log.ts';
import { loadOtlpSchema } from './otlp-receiver.ts';
import { captureSources, M2_ULTRA, readCapture } from './capture.ts';

const count = (text: string, name: string): number => text.split('\n').filter((l) => l.startsWith(name)).length;

t.test('vm_stat goes stale: its series leave /metrics and OTLP, the running counters stay', async (t) => {
  // an OTLP receiver on loopback, decoding what the agent sends with the official protos
  const schema = loadOtlpSchema();
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.stringify(schema.request.toObject(schema.request.decode(Buffer.concat(chunks)))));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;

  let now = Date.now();
  const config = ConfigSchema.parse({
    exporters: { otlp: { endpoint: `http://127.0.0.1:${port}`, intervalMs: 3_600_000 }, prometheus: { port: 0 } },
  });
  const cap = readCapture(M2_ULTRA);
  const agent = createAgent(config, { log: memoryLogger('warn'), sources: captureSources({ vm_stat: cap.vm_stat, iostat: cap.iostat }), now: () => now });
  await agent.start();
  t.teardown(() => agent.stop());
  const fresh = await agent.prometheus!.text();
  t.equal(count(fresh, 'system_memory_usage_bytes{'), 3, 'fresh: used, free, cached (from the real vm_stat capture)');
  t.ok(count(fresh, 'system_disk_io_bytes_total{') >= 1, 'iostat running total');
  await agent.flush();
  t.match(bodies.at(-1), /"name":"system\.memory\.usage"/, 'the OTLP export carries it while fresh');

  now += 4 * 3_600_000; // every sample is now older than 3 of its (1 h) intervals
  await new Promise((r) => setTimeout(r, 300)); // past the shared rendering's reuse window
  const stale = await agent.prometheus!.text();
  t.equal(count(stale, 'system_memory_usage_bytes{'), 0, 'stale: gone from /metrics');
  t.equal(count(stale, 'system_disk_io_bytes_total{'), count(fresh, 'system_disk_io_bytes_total{'), 'a running counter is never stale: its total stays');
  await agent.flush();
  t.notMatch(bodies.at(-1), /"name":"system\.memory\.usage"/, 'gone from the OTLP export too');
  t.match(bodies.at(-1), /"name":"system\.disk\.io"/);
});
