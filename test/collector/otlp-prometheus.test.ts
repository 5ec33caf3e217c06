/**
 * The agent pushes OTLP/HTTP into a REAL OpenTelemetry Collector (v0.165.0, contrib v0.165.1, built by
 * test-support/collector/build.sh; docs/collector.md), once as http/protobuf and once as http/json; the
 * Collector's `prometheus` exporter (default settings) is scraped and, for each replaying agent, every
 * family's TYPE and HELP and every series' name, label set and value must equal the agent's own /metrics.
 * The only exceptions are the documented ones in ./differences.ts (docs/collector.md quotes them).
 *
 * This is the proof of src/export/prometheus-names.ts's claim that the agent's names are the Collector's.
 *
 * Deterministic comparison: every source but iostat runs with a 1 h interval, so the replayed state is
 * frozen after its first unit; iostat emits a row every 5 s (its second row is the first with disk rates,
 * and every later row changes them). The agent pushes every second. A comparison counts only when the
 * agent's page, read before and after the Collector's, shows the same non-moving values (nothing changed
 * in between); it is retried until then, with a 60 s ceiling, and on failure reports every difference.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { getText, ROOT, startCollector, startPushingAgent, type PushingAgent, type RunningCollector } from '../helpers/collector.ts';
import { freePort, waitFor } from '../helpers/prometheus.ts';
import { comparePages, stableView, type Comparison } from './compare.ts';
import { MOVING_METRICS } from './differences.ts';
import { parseExposition } from './exposition.ts';

const REPLAYS = ['fixtures/replay/m2-ultra', 'fixtures/replay/m1-pro', 'fixtures/synthetic/replay/fans-and-pressure'];
const FROZEN = 3_600_000;

const otlpPort = await freePort();
const promPort = await freePort();
const collector: RunningCollector = await startCollector({
  otlpPort,
  configs: [
    `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlpPort}
exporters:
  prometheus:
    endpoint: 127.0.0.1:${promPort}
service:
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [prometheus]
  telemetry:
    metrics:
      level: none
`,
  ],
});
t.teardown(() => collector.stop());
const collectorMetrics = `http://127.0.0.1:${promPort}/metrics`;

/** Compare until a consistent read agrees (or the ceiling): see the file comment. */
async function compareUntilEqual(agent: PushingAgent): Promise<{ last: Comparison; attempts: number }> {
  const deadline = Date.now() + 60_000;
  let last: Comparison | undefined;
  let attempts = 0;
  while (Date.now() < deadline) {
    attempts++;
    const before = parseExposition(await getText(agent.metricsUrl));
    const coll = parseExposition(await getText(collectorMetrics));
    const after = parseExposition(await getText(agent.metricsUrl));
    if (stableView(before) === stableView(after)) {
      last = comparePages(before, coll);
      if (last.problems.length === 0) return { last, attempts };
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  if (!last) throw new Error('the agent page never held still between two reads in 60 s');
  return { last, attempts };
}

for (const protocol of ['http/protobuf', 'http/json'] as const) {
  t.test(`${protocol}: the Collector's Prometheus exporter serves exactly the agent's /metrics`, async (t) => {
    const agents = new Map<string, PushingAgent>();
    t.teardown(() => Promise.all([...agents.values()].map((a) => a.stop())));
    for (const dir of REPLAYS) {
      const name = dir.split('/').at(-1)!;
      agents.set(
        dir,
        await startPushingAgent(join(ROOT, dir), {
          sources: {
            powermetrics: { intervalMs: FROZEN },
            iostat: { intervalMs: 5000 },
            vm_stat: { intervalMs: FROZEN },
            sysctl: { intervalMs: FROZEN },
            smc: { intervalMs: FROZEN },
          },
          exporters: { otlp: { endpoint: collector.otlpUrl, protocol, intervalMs: 1000 } },
          // Three agents on one host would share the derived instance id; each names its own.
          resource: { attributes: { 'service.instance.id': `collector-test-${protocol.slice(5)}-${name}` } },
        }),
      );
    }
    const compared = new Set<string>();
    for (const [dir, agent] of agents) {
      // iostat's first row is since boot (no rates): wait for the second, so disk series are compared too.
      if (existsSync(join(ROOT, dir, 'iostat.txt')))
        await waitFor(`${dir}: disk series on the agent's page`, async () => ((await getText(agent.metricsUrl)).includes('system_disk_io_bytes_total{') ? true : undefined), 60_000, 250);
      const { last, attempts } = await compareUntilEqual(agent);
      t.same(last.problems, [], `${dir}: no difference but the documented ones (${attempts} consistent read(s))`);
      t.equal(last.job, 'silicon-agent', `${dir}: job is service.name`);
      t.equal(last.instance, `collector-test-${protocol.slice(5)}-${dir.split('/').at(-1)}`, `${dir}: instance is service.instance.id`);
      t.ok(last.series >= 10 && last.families.length >= 10, `${dir}: ${last.series} series in ${last.families.length} families compared`);
      t.ok(last.moving > 0, `${dir}: ${last.moving} moving self-metric series compared by name and labels`);
      for (const f of last.families) compared.add(f);
      const pushing = agent.lines().find((l) => l.msg === 'OTLP push enabled');
      t.equal(pushing?.protocol, protocol, `${dir}: the agent says it pushes ${protocol}`);
    }
    t.comment(`${compared.size} families compared: ${[...compared].sort().join(' ')}`);
    // Families only some captures produce: proof the three folders together cover them.
    for (const f of ['system_disk_io_bytes_total', 'hw_fan_speed_rpm', 'hw_host_power_watts', 'silicon_agent_memory_pressure', 'hw_temperature_celsius'])
      t.ok(compared.has(f), `${f} was compared`);
  });
}
