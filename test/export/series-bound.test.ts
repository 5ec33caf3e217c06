/**
 * The per-node series budget: fewer than 400 series on the agent's /metrics for every bundled
 * capture (the largest, by series, is the M2 Ultra folder with the M1 Ultra SMC dump: 281
 * plausible temperature keys), and for an M3 Ultra-size topology with every bounded attribute at its
 * worst: 32 CPUs in 6 clusters on 2 dies, ~100 sensors (and a 281-key SMC), every parse-error
 * kind and drop reason on every source, every child kind metered; network at its cap of 16 interfaces
 * (its share asserted exactly, the "< 400" kept for the sources that existed before it).
 */
import t from 'tap';
import { createAgent } from '../../src/agent.ts';
import { ConfigSchema } from '../../src/config.ts';
import type { Health } from '../../src/health.ts';
import { memoryLogger } from '../../src/log.ts';
import { type ClusterSample, type CpuSample, type PowermetricsSample } from '../../src/modules/powermetrics/sample.ts';
import { MAX_TEMPERATURE_SERIES } from '../../src/modules/smc/metrics.ts';
import { type SmcSample } from '../../src/modules/smc/sample.ts';
import { MAX_INTERFACES, type NetworkSample } from '../../src/modules/network/sample.ts';
import { ATTRIBUTES, CATALOG, dropReasonsOf, MODULES, SOURCE_NAMES } from '../../src/registry.ts';
import { PARSE_ERROR_KINDS, type ParseError, type BaseSample as Sample } from '../../src/samples.ts';
import { captureSources, readCapture, replayFolders, type Capture } from './capture.ts';

const BOUND = 400;
/** The sources that run a long-lived child (a pid to meter, a child to restart): only they have process and restart series. */
const CHILD_SOURCES: readonly string[] = MODULES.filter((m) => m.dump.kind === 'stream').map((m) => m.name);
/** host's data series at its default cap: 5 modes (interrupt where counted), 2 counts, 3 load averages, uptime. */
const HOST_SERIES = ['system_cpu_time_seconds_total', 'system_cpu_logical_count', 'system_cpu_physical_count', 'silicon_agent_cpu_load_average_1m', 'silicon_agent_cpu_load_average_5m', 'silicon_agent_cpu_load_average_15m', 'system_uptime_seconds'];

/** Series on /metrics, target_info excluded. */
async function seriesCount(capture: Capture, self?: (h: Health) => void): Promise<{ total: number; byName: Map<string, number>; lines: string[] }> {
  const config = ConfigSchema.parse({ exporters: { otlp: { enabled: false }, prometheus: { port: 0 } } });
  const agent = createAgent(config, { log: memoryLogger('warn'), sources: captureSources(capture) });
  await agent.start();
  self?.(agent.health);
  const text = await agent.prometheus!.text();
  await agent.stop();
  const byName = new Map<string, number>();
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('target_info')) continue;
    const name = line.slice(0, line.search(/[{ ]/));
    byName.set(name, (byName.get(name) ?? 0) + 1);
    lines.push(line);
  }
  return { total: [...byName.values()].reduce((a, b) => a + b, 0), byName, lines };
}

/** Every bounded self-statistic at its largest: every source with every error kind and every drop reason it can have. */
function worstSelf(h: Health, skip: readonly string[] = []): void {
  for (const m of MODULES) {
    const s = m.name;
    if (skip.includes(s)) continue;
    if (CHILD_SOURCES.includes(s)) h.restarted(s);
    h.sourceUp(s, true);
    h.sample(s);
    for (const k of PARSE_ERROR_KINDS) h.parseError(s, k);
    for (const r of dropReasonsOf(m)) h.dropped(s, r);
  }
  for (const p of ['agent', ...CHILD_SOURCES]) h.process(p, { userS: 1, systemS: 1, rssBytes: 1 });
  h.budget(1);
}

for (const dir of replayFolders()) {
  t.test(`fewer than ${BOUND} series for the bundled capture ${dir.split('/').pop()}`, async (t) => {
    const { total, byName } = await seriesCount(readCapture(dir), worstSelf);
    t.ok(total < BOUND, `${total} series`);
    t.ok((byName.get('hw_temperature_celsius') ?? 0) <= MAX_TEMPERATURE_SERIES);
    t.ok(total > 100, 'a real exposition was counted');
  });
}

t.test(`fewer than ${BOUND} series on an M3 Ultra-size topology`, async (t) => {
  // Synthetic topology (not a capture): M3 Ultra = 2 dies × (E0 with 4 CPUs, P0 and P1 with 6 CPUs each).
  const clusters: ClusterSample[] = [];
  const cpus: CpuSample[] = [];
  let cpu = 0;
  for (const die of [0, 1])
    for (const [kind, index, n] of [['E', 0, 4], ['P', 0, 6], ['P', 1, 6]] as const) {
      const name = `${kind}${index + die * 2}-Cluster`;
      const ids = Array.from({ length: n }, () => cpu++);
      clusters.push({ name, kind, index, die, freqHz: 2e9, activeRatio: 0.3, activeFrom: 'cpus', cpus: ids });
      for (const id of ids) cpus.push({ cpu: id, cluster: name, kind, die, freqHz: 2e9, activeRatio: 0.3, idleRatio: 0.7 });
    }
  t.equal(cpus.length, 32);
  t.equal(clusters.length, 6);
  const rail = { powerW: 1, energyJ: 1 };
  const pm: PowermetricsSample = {
    type: 'powermetrics', elapsedS: 1, dies: 2, clusters, cpus, cpu: rail, gpu: rail, ane: rail, combined: rail,
    gpuFreqHz: 1e9, gpuActiveRatio: 0.5, thermalPressure: { level: 'nominal', raw: 'Nominal' },
  };
  const groups = ['cpu_die', 'cpu_p', 'cpu_e', 'gpu', 'soc', 'memory', 'ambient', 'storage', 'other'];
  const sensors = (n: number): SmcSample => ({
    type: 'smc',
    temperatures: Array.from({ length: n }, (_, i) => ({ id: `T${i}`, name: `sensor ${i}`, group: groups[i % groups.length]!, die: i % 2, celsius: 40 })),
    fans: [0, 1].map((index) => ({ index, rpm: 1200, minRpm: 1000, maxRpm: 3000, targetRpm: 1200 })),
    systemPowerW: 100,
    intervalS: 5,
    dropped: {},
  });
  // the other sources from the largest bundled capture (real vm_stat, sysctl, and iostat with every disk)
  const real = readCapture(replayFolders().find((d) => d.endsWith('m2-ultra'))!);
  // network at its cap: 16 interfaces with the addon's 8 counters each (bytes, packets, errors, drops × 2 directions).
  const net: NetworkSample = {
    type: 'network', reader: 'ifmib', maxInterfaces: MAX_INTERFACES, seen: 40,
    interfaces: Array.from({ length: MAX_INTERFACES }, (_, i) => ({
      name: `en${i}`, index: i + 1, up: true, rxBytes: 1, txBytes: 1, rxPackets: 1, txPackets: 1, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0,
    })),
  };
  for (const n of [100, 281]) {
    const capture: Capture = { ...real, powermetrics: [pm as Sample | ParseError], smc: [sensors(n)], network: [net] };
    const { total, byName, lines } = await seriesCount(capture, worstSelf);
    // network's own share, asserted exactly: its data series and every self-statistic labelled with it
    // (the lead rebalances the whole budget when the new sources are merged).
    const netData = lines.filter((l) => l.startsWith('system_network_')).length;
    const netSelf = lines.filter((l) => !l.startsWith('system_network_') && /="network"/.test(l)).length;
    t.equal(netData, MAX_INTERFACES * 8, `network data series at the cap: ${netData}`);
    // samples and source up (network runs no child: no process or restart series), one per parse-error kind and drop reason
    const netModule = MODULES.find((m) => m.name === 'network')!;
    t.equal(netSelf, 2 + PARSE_ERROR_KINDS.length + dropReasonsOf(netModule).length, `network self-statistics: ${netSelf}`);
    t.ok(total - netData - netSelf < BOUND, `${n} sensors: ${total - netData - netSelf} series without network (${total} in all)`);
    t.equal(byName.get('system_cpu_frequency_hertz'), 32);
    t.equal(byName.get('silicon_agent_cpu_cluster_frequency_hertz'), 6);
    t.equal(byName.get('hw_temperature_celsius'), Math.min(n, MAX_TEMPERATURE_SERIES));
    t.equal(byName.get('silicon_agent_temperature_max_celsius'), groups.length * 2, 'one group maximum per group and die');
  }
});

t.test('process and restart series only for the sources that run a child', async (t) => {
  t.same(CHILD_SOURCES, ['powermetrics', 'iostat']);
});

t.test('every attribute a catalog metric emits is declared, and takes only its declared values', async (t) => {
  for (const m of CATALOG) for (const a of m.attributes) t.ok(ATTRIBUTES[a], `${m.name}: ${a} is in the attribute table`);
  for (const dir of replayFolders()) {
    const config = ConfigSchema.parse({ exporters: { otlp: { enabled: false }, prometheus: { enabled: false } } });
    const agent = createAgent(config, { log: memoryLogger('warn'), sources: captureSources(readCapture(dir)) });
    await agent.start();
    worstSelf(agent.health);
    const points = agent.points();
    await agent.stop();
    for (const m of CATALOG) {
      for (const p of points.get(m.name)!) {
        for (const [k, v] of Object.entries(p.attributes)) {
          const closed = ATTRIBUTES[k]?.values;
          if (!m.attributes.includes(k)) t.fail(`${m.name}: emits undeclared attribute ${k}`);
          if (closed && !closed.includes(v)) t.fail(`${m.name}: ${k}=${JSON.stringify(v)} is not one of its declared values`);
        }
      }
      t.pass(`${dir.split('/').pop()} ${m.name}: every attribute declared, closed sets respected`);
    }
  }
});
