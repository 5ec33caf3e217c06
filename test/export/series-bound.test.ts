/**
 * The per-node series budget: fewer than 400 series on the agent's /metrics for every bundled
 * capture (the largest, by series, is the M2 Ultra folder with the M1 Ultra SMC dump: 281
 * plausible temperature keys), and for an M3 Ultra-size topology with every bounded attribute at its
 * worst: 32 CPUs in 6 clusters on 2 dies, ~100 sensors (and a 281-key SMC), every parse-error
 * kind and drop reason on every source, every child kind metered.
 *
 * The M3 Ultra case (issue 14's budget): a working node at the default configuration with every bounded
 * attribute at its cap — 32 CPUs in 6 clusters on 2 dies, ~100 sensors (and a 281-key SMC), network at
 * its default 6 interfaces, filesystems at its default 8 volumes, host summed by mode — and the agent's
 * own statistics of a working node: under 400. Error series (parse-error kinds, drop reasons) exist only
 * once an error happens, and are bounded apart (ERROR_SERIES_BOUND). The tasks sampler (opt-in) adds
 * exactly 7 × (topApps + 1) on top: 77 at the default top 10.
 */
import t from 'tap';
import { createAgent } from '../../src/agent.ts';
import { ConfigSchema } from '../../src/config.ts';
import type { Health } from '../../src/health.ts';
import { memoryLogger } from '../../src/log.ts';
import { type ClusterSample, type CpuSample, type PowermetricsSample } from '../../src/modules/powermetrics/sample.ts';
import { MAX_DISKS, type DisksSample } from '../../src/modules/disks/sample.ts';
import { MAX_GPUS, type GpuSample } from '../../src/modules/gpu/sample.ts';
import { MAX_TEMPERATURE_SERIES } from '../../src/modules/smc/metrics.ts';
import { prometheusMetricName } from '../../src/export/prometheus-names.ts';
import { type SmcSample } from '../../src/modules/smc/sample.ts';
import { readFileSync } from 'node:fs';
import type { FilesystemsSample } from '../../src/modules/filesystems/sample.ts';
import { DEFAULT_SELECT } from '../../src/modules/filesystems/parser.ts';
import { createHostParser } from '../../src/modules/host/parser.ts';
import type { NetworkSample } from '../../src/modules/network/sample.ts';
import { DEFAULT_MAX_INTERFACES } from '../../src/modules/network/select.ts';
import { AppTracker, DEFAULT_TOP_APPS, MAX_TOP_APPS } from '../../src/modules/powermetrics/apps.ts';
import type { AppUsage } from '../../src/modules/powermetrics/sample.ts';

const DEFAULT_MAX_VOLUMES = DEFAULT_SELECT.maxVolumes;
import { parseAll } from '../../src/parsers/parser.ts';
import { ATTRIBUTES, CATALOG, dropReasonsOf, MODULES, SOURCE_NAMES } from '../../src/registry.ts';
import { PARSE_ERROR_KINDS, type ParseError, type BaseSample as Sample } from '../../src/samples.ts';
import { captureSources, readCapture, replayFolders, type Capture } from './capture.ts';

const BOUND = 400;
/**
 * Error series (a parse-error kind or drop reason that occurred) exist only once one happens, and are
 * bounded apart: 7 kinds and each module's drop reasons, per source.
 */
const ERROR_SERIES_BOUND = 110;
/** Drop reasons a sample of the M3 Ultra case already carries (counted in the healthy total). */
const SOURCE_DROPS_SEEN = new Set<string>();
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

/**
 * A working node's own statistics at their largest: every source sampling and up, the child sources
 * restarted once and metered with the agent, a failed export of every class, the governor's level,
 * a refused connection. Parse errors and dropped values are created only when one happens (errorSelf).
 */
function healthySelf(h: Health): void {
  for (const m of MODULES) {
    const s = m.name;
    if (CHILD_SOURCES.includes(s)) h.restarted(s);
    h.sourceUp(s, true);
    h.sample(s);
  }
  for (const p of ['agent', ...CHILD_SOURCES]) h.process(p, { userS: 1, systemS: 1, rssBytes: 1 });
  h.budget(1);
  h.connectionRefused();
}

/** Every parse-error kind and every drop reason on every source: the error series a node in trouble adds. */
function errorSelf(h: Health): void {
  for (const m of MODULES) {
    for (const k of PARSE_ERROR_KINDS) h.parseError(m.name, k);
    for (const r of dropReasonsOf(m)) h.dropped(m.name, r);
  }
}

/** The worst case the bundled captures are held to: healthy statistics plus every error series. */
function worstSelf(h: Health): void {
  healthySelf(h);
  errorSelf(h);
}

for (const dir of replayFolders()) {
  t.test(`fewer than ${BOUND} series for the bundled capture ${dir.split('/').pop()}`, async (t) => {
    const { total, byName } = await seriesCount(readCapture(dir), healthySelf);
    const worst = await seriesCount(readCapture(dir), worstSelf);
    t.ok(total < BOUND, `${total} series (${worst.total} with every error series)`);
    t.ok(worst.total - total <= ERROR_SERIES_BOUND, `error series ${worst.total - total} ≤ ${ERROR_SERIES_BOUND}`);
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
  // network at its default cap (6 interfaces, the addon's 8 counters each); filesystems at its default cap (8 volumes);
  // host from the synthetic M3 Ultra reading (fixtures/synthetic/host, labelled so).
  const net: NetworkSample = {
    type: 'network', reader: 'ifmib', maxInterfaces: DEFAULT_MAX_INTERFACES, seen: 40,
    interfaces: Array.from({ length: DEFAULT_MAX_INTERFACES }, (_, i) => ({
      name: `en${i}`, index: i + 1, up: true, rxBytes: 1, txBytes: 1, rxPackets: 1, txPackets: 1, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0,
    })),
  };
  const fs: FilesystemsSample = {
    type: 'filesystems',
    volumes: Array.from({ length: DEFAULT_MAX_VOLUMES }, (_, i) => ({
      device: `/dev/disk${i + 3}s1`, mountpoint: `/Volumes/V${i}`, fsType: 'apfs', mode: 'rw' as const, role: 'other' as const,
      totalBytes: 100, usedBytes: 50, freeBytes: 40, reservedBytes: 10,
    })),
    mounts: 40, skipped: 30, overLimit: 0, unsized: 0, dropped: {},
  };
  // gpu and disks at their caps (every GPU and disk the IOKit readers keep), the wired limit read from sysctl
  const gpu = { type: 'gpu', gpus: Array.from({ length: MAX_GPUS }, (_, i) => ({ id: i ? `gpu${i}` : 'gpu', className: 'AGX', deviceUtilization: 0.5, rendererUtilization: 0.5, tilerUtilization: 0.5, inUseBytes: 1, allocBytes: 2 })) } as GpuSample;
  const disks = { type: 'disks', disks: Array.from({ length: MAX_DISKS }, (_, i) => ({ device: `disk${i}`, readBytes: 1, writeBytes: 1, readOps: 1, writeOps: 1, readTimeNs: 1, writeTimeNs: 1 })) } as DisksSample;
  const sysctl = (real.sysctl ?? []).map((x) => (x.type === 'sysctl' ? ({ ...x, gpuWiredLimitMb: 0, memsizeBytes: 192 * 2 ** 30 } as Sample) : x));
  const host = parseAll(createHostParser(), readFileSync(new URL('../../fixtures/synthetic/host/m3-ultra-32cpu-darwin-two-readings.jsonl', import.meta.url)));
  // Synthetic tasks window (not a capture): a node running 600 processes, every per-app figure printed.
  const window = (): Map<string, AppUsage> =>
    new Map(Array.from({ length: 600 }, (_, i) => [`proc${i}`, { cpuTimeS: 1 + i, gpuTimeS: 1, energyImpact: 1 + i, diskReadBytes: 1, diskWriteBytes: 1, netRxBytes: 1, netTxBytes: 1 }]));
  const APP_FAMILIES = ['silicon_agent_app_cpu_time_seconds_total', 'silicon_agent_app_gpu_time_seconds_total', 'silicon_agent_app_energy_impact_total', 'silicon_agent_app_disk_io_bytes_total', 'silicon_agent_app_network_io_bytes_total'];

  for (const [n, top] of [[100, undefined], [281, undefined], [100, DEFAULT_TOP_APPS], [281, DEFAULT_TOP_APPS], [281, MAX_TOP_APPS]] as const) {
    const withApps: PowermetricsSample = top === undefined ? pm : { ...pm, apps: new AppTracker({ top }).apply({ by: 'process', rows: window(), bad: 0 }) };
    const capture: Capture = { ...real, sysctl, powermetrics: [withApps as Sample | ParseError], smc: [sensors(n)], network: [net], filesystems: [fs], host, gpu: [gpu], disks: [disks] };
    const { total, byName, lines } = await seriesCount(capture, healthySelf);
    const share = (re: RegExp): number => lines.filter((l) => re.test(l)).length;
    const apps = APP_FAMILIES.reduce((a, f) => a + (byName.get(f) ?? 0), 0);
    const what = `${n} sensors, tasks ${top === undefined ? 'off (the default)' : `on, top ${top}`}`;
    t.comment(`${what}: ${total} series; gpu ${share(/^(hw_gpu_|silicon_agent_gpu_memory)/)}, disks ${share(/^system_disk_/)}, network ${share(/^system_network_/)}, filesystems ${share(/^system_filesystem_/)}, host ${share(/^(system_cpu_time|system_cpu_(logical|physical)_count|system_uptime|silicon_agent_cpu_load_average)/)}, temperatures ${share(/^(hw_temperature|silicon_agent_temperature_)/)}, apps ${apps}, agent's own ${share(/^(silicon_agent_(samples|source_|exports|budget|http)|process_)/)}`);
    t.equal(share(/^system_network_/), DEFAULT_MAX_INTERFACES * 8, 'network at its default cap: 8 series per interface');
    t.equal(share(/^system_filesystem_/), DEFAULT_MAX_VOLUMES * 4, 'filesystems at its default cap: 3 usage states + utilization per volume');
    t.equal(apps, top === undefined ? 0 : 7 * (top + 1), `tasks share: ${apps}`);
    // the opt-in tasks sampler adds exactly its share on top of the budget (docs/metrics.md)
    t.ok(total - apps < BOUND, `${what}: ${total} series, ${total - apps} without the tasks share`);
    t.equal(byName.get('system_cpu_frequency_hertz'), 32);
    t.equal(byName.get('silicon_agent_cpu_cluster_frequency_hertz'), 6);
    t.equal(byName.get('hw_temperature_celsius'), Math.min(n, MAX_TEMPERATURE_SERIES));
    t.equal(byName.get('silicon_agent_temperature_max_celsius'), groups.length * 2, 'one group maximum per group and die');
  }

  // A node in trouble: every parse-error kind and drop reason on every source, on top of the rest.
  const capture: Capture = { ...real, sysctl, powermetrics: [pm as Sample | ParseError], smc: [sensors(100)], network: [net], filesystems: [fs], host, gpu: [gpu], disks: [disks] };
  const healthy = await seriesCount(capture, healthySelf);
  const trouble = await seriesCount(capture, (h) => (healthySelf(h), errorSelf(h)));
  const expected = MODULES.reduce((a, m) => a + PARSE_ERROR_KINDS.length + dropReasonsOf(m).filter((r) => !SOURCE_DROPS_SEEN.has(`${m.name}:${r}`)).length, 0);
  t.equal(trouble.total - healthy.total, expected, `error series: ${trouble.total - healthy.total}, each kind and reason once per source`);
  t.ok(trouble.total - healthy.total <= ERROR_SERIES_BOUND, `at most ${ERROR_SERIES_BOUND} error series on a node in trouble (documented in docs/metrics.md)`);
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
