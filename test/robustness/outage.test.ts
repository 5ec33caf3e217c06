/**
 * Collector outage, end to end with the real CLI: the OTLP receiver goes down for several export
 * intervals and comes back. The agent stays alive, logs one line when the outage starts and one on
 * recovery, keeps serving /metrics throughout, its RSS stays bounded, and export resumes at the
 * first interval after the collector is back, carrying the failure count.
 */
import t from 'tap';
import { freePort } from '../helpers/prometheus.ts';
import { rssOf, startAgent, switchableReceiver } from './agent-process.ts';

const INTERVAL_MS = 1000;
const OUTAGE_INTERVALS = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('OTLP receiver down for several intervals, then back', async (t) => {
  const receiver = switchableReceiver(await freePort());
  const promPort = await freePort();
  await receiver.up();
  const agent = startAgent({
    sources: {
      powermetrics: { intervalMs: 1000 },
      iostat: { intervalMs: 1000 },
      vm_stat: { intervalMs: 1000 },
      sysctl: { intervalMs: 1000 },
    },
    exporters: {
      otlp: { endpoint: receiver.url, intervalMs: INTERVAL_MS, timeoutMs: 500 },
      prometheus: { port: promPort },
    },
  });
  t.teardown(() => {
    agent.child.kill('SIGKILL');
    return receiver.down();
  });

  // Warm up: two good exports.
  await receiver.next();
  const warm = await receiver.next();
  t.ok(warm.names.has('hw.energy'), 'data flows before the outage');
  const rssBefore = (await rssOf(agent.child.pid!))!;

  await receiver.down();
  const downAt = performance.now();
  let scrapesOk = 0;
  for (let i = 0; i < OUTAGE_INTERVALS; i++) {
    await sleep(INTERVAL_MS);
    const res = await fetch(`http://127.0.0.1:${promPort}/metrics`);
    if (res.status === 200 && (await res.text()).includes('hw_energy_joules_total')) scrapesOk++;
  }
  t.equal(scrapesOk, OUTAGE_INTERVALS, 'the Prometheus endpoint serves throughout the outage');
  t.equal(agent.child.exitCode, null, 'alive during the outage');
  const rssDuring = (await rssOf(agent.child.pid!))!;

  const failLines = agent.lines.filter((l) => l.msg === 'OTLP export failed; will retry at the next interval');
  t.equal(failLines.length, 1, 'one log line for the whole outage');

  const nextExport = receiver.next(INTERVAL_MS * 4);
  await receiver.up();
  const upAt = performance.now();
  const back = await nextExport;
  t.ok(back.atMs - upAt <= INTERVAL_MS * 2 + 500, `export resumed ${Math.round(back.atMs - upAt)} ms after the collector came back`);
  t.ok(back.names.has('hw.energy') && back.names.has('system.memory.usage'), 'with data');
  t.ok(
    (back.exportsByOutcome.failure ?? 0) >= OUTAGE_INTERVALS - 2,
    `failures counted and exported: ${back.exportsByOutcome.failure} over ${Math.round((upAt - downAt) / 1000)} s down`,
  );
  await agent.waitLog((l) => l.msg === 'OTLP export recovered', 5000);
  t.equal(agent.lines.filter((l) => l.msg === 'OTLP export recovered').length, 1, 'one log line on recovery');
  // Bounded memory: no queue of failed batches (cumulative temporality re-collects each time).
  const growthMiB = (rssDuring - rssBefore) / 1048576;
  t.ok(growthMiB < 16, `RSS ${Math.round(rssBefore / 1048576)} → ${Math.round(rssDuring / 1048576)} MiB over the outage`);

  agent.child.kill('SIGTERM');
  const exit = await agent.exit;
  t.equal(exit.code, 0, 'clean exit afterwards');
});
