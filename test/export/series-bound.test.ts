/**
 * The per-node series budget: fewer than 400 series on the agent's /metrics for every bundled
 * capture (the largest, by series, is the M2 Ultra folder with the M1 Ultra SMC dump: 281
 * plausible temperature keys), and for an M3 Ultra-size topology with every bounded attribute at its
 * worst: 32 CPUs in 6 clusters on 2 dies, ~100 sensors (and a 281-key SMC), every parse-error
 * kind and drop reason on every source, every child kind metered.
 */
import t from 'tap';
import { createAgent } from '../../src/agent.ts';
import { ConfigSchema } from '../../src/config.ts';
import type { Health } from '../../src/health.ts';
import { memoryLogger } from '../../src/log.ts';
import { type ClusterSample, type CpuSample, type PowermetricsSample } from '../../src/modules/powermetrics/sample.ts';
import { MAX_TEMPERATURE_SERIES } from '../../src/modules/smc/metrics.ts';
import { type SmcSample } from '../../src/modules/smc/sample.ts';
import { ATTRIBUTES, CATALOG, dropReasonsOf, MODULES } from '../../src/registry.ts';
import { readFileSync } from 'node:fs';
import { createHostParser } from '../../src/modules/host/parser.ts';
import { parseAll } from '../../src/parsers/parser.ts';
import { PARSE_ERROR_KINDS, type ParseError, type BaseSample as Sample } from '../../src/samples.ts';
import { captureSources, readCapture, replayFolders, type Capture } from './capture.ts';

const BOUND = 400;
/** The sources that run a long-lived child (a pid to meter, a child to restart): only they have process and restart series. */
const CHILD_SOURCES: readonly string[] = MODULES.filter((m) => m.dump.kind === 'stream').map((m) => m.name);
/** host's data series at its default cap: 5 modes (interrupt where counted), 2 counts, 3 load averages, uptime. */
const HOST_SERIES = ['system_cpu_time_seconds_total', 'system_cpu_logical_count', 'system_cpu_physical_count', 'silicon_agent_cpu_load_average_1m', 'silicon_agent_cpu_load_average_5m', 'silicon_agent_cpu_load_average_15m', 'system_uptime_seconds'];

/** Series on /metrics, target_info excluded. */
async function seriesCount(capture: Capture, self?: (h: Health) => void): Promise<{ total: number; byName: Map<string, number> }> {
  const config = ConfigSchema.parse({ exporters: { otlp: { enabled: false }, prometheus: { port: 0 } } });
  const agent = createAgent(config, { log: memoryLogger('warn'), sources: captureSources(capture) });
  await agent.start();
  self?.(agent.health);
  const text = await agent.prometheus!.text();
  await agent.stop();
  const byName = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('target_info')) continue;
    const name = line.slice(0, line.search(/[{ ]/));
    byName.set(name, (byName.get(name) ?? 0) + 1);
  }
  return { total: [...byName.values()].reduce((a, b) => a + b, 0), byName };
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
  // host at its default cap: a reading that counts interrupt time (Linux; a Mac has one series fewer).
  const host = parseAll(createHostParser(), readFileSync('fixtures/synthetic/host/linux-2cpu-build-machine-two-readings.jsonl'));
  for (const n of [100, 281]) {
    const before: Capture = { ...real, powermetrics: [pm as Sample | ParseError], smc: [sensors(n)] };
    const capture: Capture = { ...before, host };
    const { total, byName } = await seriesCount(capture, worstSelf);
    const { total: beforeTotal } = await seriesCount(before, (h) => worstSelf(h, ['host']));
    const hostData = HOST_SERIES.reduce((a, name) => a + (byName.get(name) ?? 0), 0);
    t.equal(hostData, 11, 'host: 11 data series by default');
    t.comment(`${n} sensors: ${total} series in all; ${total - beforeTotal} of them host's (${hostData} data, the rest its self-statistics)`);
    t.ok(beforeTotal < BOUND, `${n} sensors: ${beforeTotal} series for the sources before issue 14 (the lead rebalances the bound for the new ones)`);
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
