/**
 * The metric catalog: one declarative table of every metric the agent exports, with its name,
 * UCUM unit, instrument, attributes and description, and the function that reads its points
 * from the latest samples. The OTel instruments, the Prometheus endpoint, docs/metrics.md and
 * the dashboard's coverage check are all derived from this table; nothing else names a metric.
 *
 * Conventions (reference §6.1): OTel semantic conventions where one fits (hw.*, system.*,
 * process.*), `macos.*` where none does, `silicon_agent.*` for the agent's own health.
 * Non-additive current values are gauges; additive current values are updowncounters; monotonic
 * totals are counters. Ratios are 0..1 with unit `1`; enumerations use `{level}` so that the
 * Prometheus translation does not append `_ratio`.
 */
import type {
  ClusterSample,
  CpuSample,
  IostatSample,
  PowermetricsSample,
  SampleBySource,
  SmcSample,
  SysctlSample,
  TemperatureReading,
  VmStatSample,
} from '../samples.ts';
import { MEMORY_PRESSURE_STATES, THERMAL_PRESSURE_LEVELS } from '../samples.ts';

export type Instrument = 'gauge' | 'counter' | 'updowncounter';
export type AttrValue = string | number;
export type Attributes = Record<string, AttrValue>;
export interface Point {
  value: number;
  attributes: Attributes;
}

/** Every attribute a metric may carry. Each has a bounded value set: no free-form values. */
export const ATTRIBUTES = {
  'hw.id': 'Stable id of the component: `cpu`, `gpu`, `fan0`, an SMC key such as `TCMb`, or `hid:<name>#<n>`.',
  'hw.type': 'OTel hardware type: `cpu`, `gpu`, `fan`, `temperature`.',
  'hw.name': 'Human label of a sensor from the sensor catalog (e.g. `CPU die average`).',
  'hw.limit_type': 'Which fan limit: `min` or `max`.',
  'hw.gpu.task': 'Always `general` (powermetrics reports one GPU utilisation).',
  'cpu.logical_number': 'Logical CPU number as powermetrics numbers it.',
  'macos.cpu.cluster': 'Cluster name without the `-Cluster` suffix: `E0`, `P1`, `S`, `M0`, …',
  'macos.cpu.kind': 'Core tier, the cluster name\'s letter: `E`, `P`, `S`, `M` (kept as printed for future tiers).',
  'macos.die': 'Die number: 0 on single-die chips, 0 or 1 on Ultra chips.',
  'macos.sensor.group': 'Sensor group: cpu_die, cpu_p, cpu_e, gpu, soc, memory, ambient, storage, power, other.',
  'macos.memory.state': 'Activity Monitor breakdown: `app`, `wired`, `compressed`, `cached_files`, `free`.',
  'macos.memory.page_state':
    'Kernel page queue: free, active, inactive, speculative, throttled, wired, purgeable, file_backed, anonymous. Overlapping: not additive.',
  'macos.compressor.direction': '`compress` or `decompress`.',
  'macos.paging.kind': '`file` (pageins/pageouts) or `swap` (swapins/swapouts).',
  'system.paging.direction': '`in` or `out`.',
  'system.paging.state': 'Swap state: `used` or `free`.',
  'system.memory.state': 'OTel memory state: `used`, `free`, `cached`.',
  'system.device': 'BSD disk name as iostat prints it (`disk0`).',
  'silicon_agent.source': 'The agent source: powermetrics, iostat, vm_stat, sysctl, smc.',
  'silicon_agent.process': 'Which process: `agent`, or a child kind (`powermetrics`, `iostat`).',
  'cpu.mode': '`user` or `system`.',
  'error.type': 'Bounded error kind (a ParseErrorKind, or an export failure kind).',
  'silicon_agent.drop_reason':
    'Why a value was dropped: `above_ceiling`, `negative`, `beyond_dvfs`, `implausible_temperature`, `undecodable`, `unknown_over_limit`, `stale`.',
  'silicon_agent.outcome': '`success` or `failure`.',
} as const;
export type AttrName = keyof typeof ATTRIBUTES;

/** The agent's own counters, kept by the agent and read by the self-metrics below. */
export interface SelfStats {
  samples: Partial<Record<string, number>>; // by source
  parseErrors: Partial<Record<string, Partial<Record<string, number>>>>; // source → kind → count
  restarts: Partial<Record<string, number>>; // by source
  sourceUp: Partial<Record<string, boolean>>; // by source
  dropped: Partial<Record<string, Partial<Record<string, number>>>>; // source → reason → count
  exports: { success: number; failure: number };
  /** CPU seconds and RSS per process kind (`agent`, `powermetrics`, …). */
  processes: Partial<Record<string, { userS: number; systemS: number; rssBytes: number }>>;
  /** Budget degradation step: 0 = full fidelity; see docs/budget.md. */
  budgetLevel: number;
}

export function emptySelfStats(): SelfStats {
  return {
    samples: {},
    parseErrors: {},
    restarts: {},
    sourceUp: {},
    dropped: {},
    exports: { success: 0, failure: 0 },
    processes: {},
    budgetLevel: 0,
  };
}

/** What observers read: the latest fresh sample per source (stale ones are already removed) and the agent's stats. */
export interface CatalogState {
  latest: Partial<SampleBySource>;
  self: SelfStats;
}

interface MetricBase {
  name: string;
  /** UCUM unit, case-sensitive. */
  unit: string;
  instrument: Instrument;
  description: string;
  attributes: readonly AttrName[];
  /** Which source feeds it; `agent` for self-metrics. */
  source: keyof SampleBySource | 'agent';
}

/** A metric read from the current state at each collection (gauges, updowncounters, cumulative counters). */
export interface ObservedMetric extends MetricBase {
  observe(state: CatalogState): Iterable<Point>;
}

/** A counter whose value is the running sum of per-sample deltas (energy per window, bytes per interval). */
export interface AccumulatedMetric extends MetricBase {
  instrument: 'counter';
  /** The increment each sample contributes, per attribute set. Called once per sample, in arrival order. */
  accumulate(sample: SampleBySource[keyof SampleBySource]): Iterable<Point>;
}

export type MetricDef = ObservedMetric | AccumulatedMetric;

export function isAccumulated(m: MetricDef): m is AccumulatedMetric {
  return 'accumulate' in m;
}

// ---------------------------------------------------------------------------------------------
// helpers

function* when<T>(v: T | undefined, f: (v: T) => Iterable<Point>): Iterable<Point> {
  if (v !== undefined) yield* f(v);
}
const clusterAttrs = (c: ClusterSample): Attributes => ({
  'macos.cpu.cluster': c.name.replace(/-Cluster$/, ''),
  'macos.cpu.kind': c.kind,
  'macos.die': c.die,
});
const cpuAttrs = (c: CpuSample): Attributes => ({
  'cpu.logical_number': c.cpu,
  'macos.cpu.cluster': c.cluster.replace(/-Cluster$/, ''),
  'macos.cpu.kind': c.kind,
  'macos.die': c.die,
});
const pm = (s: CatalogState): PowermetricsSample | undefined => s.latest.powermetrics;
const vm = (s: CatalogState): VmStatSample | undefined => s.latest.vm_stat;
const sc = (s: CatalogState): SysctlSample | undefined => s.latest.sysctl;
const smc = (s: CatalogState): SmcSample | undefined => s.latest.smc;
const RAILS = [
  ['cpu', 'cpu'],
  ['gpu', 'gpu'],
] as const;

/** Numeric level for the thermal-pressure enum: its index in THERMAL_PRESSURE_LEVELS (0 nominal … 4 sleeping). */
export const THERMAL_LEVEL_VALUE: Record<string, number> = Object.fromEntries(
  THERMAL_PRESSURE_LEVELS.map((l, i) => [l, i]),
);
/** Numeric level for memory pressure: 0 normal, 1 warn, 2 critical. */
export const MEMORY_PRESSURE_VALUE: Record<string, number> = Object.fromEntries(
  MEMORY_PRESSURE_STATES.map((l, i) => [l, i]),
);

function* byKey<K extends string>(
  rec: Partial<Record<K, number | undefined>>,
  attr: string,
  extra: Attributes = {},
): Iterable<Point> {
  for (const [k, v] of Object.entries(rec) as [string, number | undefined][]) {
    if (v !== undefined) yield { value: v, attributes: { ...extra, [attr]: k } };
  }
}

/**
 * Per-sensor temperature series are capped: an Ultra's SMC lists well over 200 temperature keys
 * (281 plausible ones in the M1 Ultra dump), which alone would break the per-node series budget
 * (< 400). The group max/mean metrics still cover every sensor.
 */
export const MAX_TEMPERATURE_SERIES = 128;
const GROUP_ORDER = ['cpu_die', 'ambient', 'gpu', 'memory', 'storage', 'cpu_p', 'cpu_e', 'soc', 'other'];
const groupRank = (g: string) => {
  const i = GROUP_ORDER.indexOf(g);
  return i < 0 ? GROUP_ORDER.length : i;
};
const isUnidentified = (t: TemperatureReading) => t.name === 'Unidentified sensor' || t.group === 'other';

/** The sensors exported one by one: a stable choice of at most MAX_TEMPERATURE_SERIES. */
export function exportedTemperatures(ts: readonly TemperatureReading[]): TemperatureReading[] {
  if (ts.length <= MAX_TEMPERATURE_SERIES) return [...ts];
  return [...ts]
    .sort(
      (a, b) =>
        Number(isUnidentified(a)) - Number(isUnidentified(b)) ||
        groupRank(a.group) - groupRank(b.group) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .slice(0, MAX_TEMPERATURE_SERIES);
}

function temperatureGroups(ts: readonly TemperatureReading[]) {
  const groups = new Map<string, { attributes: Attributes; max: number; sum: number; count: number }>();
  for (const t of ts) {
    const key = `${t.group}\0${t.die ?? ''}`;
    const g = groups.get(key);
    if (g) {
      g.max = Math.max(g.max, t.celsius);
      g.sum += t.celsius;
      g.count++;
    } else {
      const attributes: Attributes = { 'macos.sensor.group': t.group, ...(t.die !== undefined ? { 'macos.die': t.die } : {}) };
      groups.set(key, { attributes, max: t.celsius, sum: t.celsius, count: 1 });
    }
  }
  return groups.values();
}

// ---------------------------------------------------------------------------------------------
// the table

export const CATALOG: readonly MetricDef[] = [
  // ---- power and energy (powermetrics) ----
  {
    name: 'hw.power',
    unit: 'W',
    instrument: 'gauge',
    source: 'powermetrics',
    attributes: ['hw.id', 'hw.type'],
    description: 'CPU and GPU power over the last powermetrics window: energy ÷ elapsed time.',
    *observe(s) {
      for (const [rail, type] of RAILS)
        yield* when(pm(s)?.[rail], (r) => [{ value: r.powerW, attributes: { 'hw.id': rail, 'hw.type': type } }]);
    },
  },
  {
    name: 'hw.energy',
    unit: 'J',
    instrument: 'counter',
    source: 'powermetrics',
    attributes: ['hw.id', 'hw.type'],
    description: 'CPU and GPU energy consumed since the agent started, summed over powermetrics windows.',
    *accumulate(sample) {
      const p = sample as PowermetricsSample;
      for (const [rail, type] of RAILS)
        yield* when(p[rail], (r) => [{ value: r.energyJ, attributes: { 'hw.id': rail, 'hw.type': type } }]);
    },
  },
  {
    name: 'macos.ane.power',
    unit: 'W',
    instrument: 'gauge',
    source: 'powermetrics',
    attributes: [],
    description: 'Apple Neural Engine power over the last powermetrics window.',
    *observe(s) {
      yield* when(pm(s)?.ane, (r) => [{ value: r.powerW, attributes: {} }]);
    },
  },
  {
    name: 'macos.ane.energy',
    unit: 'J',
    instrument: 'counter',
    source: 'powermetrics',
    attributes: [],
    description: 'Apple Neural Engine energy consumed since the agent started.',
    *accumulate(sample) {
      yield* when((sample as PowermetricsSample).ane, (r) => [{ value: r.energyJ, attributes: {} }]);
    },
  },
  {
    name: 'macos.soc.power',
    unit: 'W',
    instrument: 'gauge',
    source: 'powermetrics',
    attributes: [],
    description: 'CPU + GPU + ANE power (powermetrics "combined power"), from energy over elapsed time.',
    *observe(s) {
      yield* when(pm(s)?.combined, (r) => [{ value: r.powerW, attributes: {} }]);
    },
  },
  {
    name: 'macos.soc.energy',
    unit: 'J',
    instrument: 'counter',
    source: 'powermetrics',
    attributes: [],
    description: 'CPU + GPU + ANE energy consumed since the agent started.',
    *accumulate(sample) {
      yield* when((sample as PowermetricsSample).combined, (r) => [{ value: r.energyJ, attributes: {} }]);
    },
  },

  // ---- CPU frequency and activity (powermetrics) ----
  {
    name: 'system.cpu.frequency',
    unit: 'Hz',
    instrument: 'gauge',
    source: 'powermetrics',
    attributes: ['cpu.logical_number', 'macos.cpu.cluster', 'macos.cpu.kind', 'macos.die'],
    description: 'Average frequency of each logical CPU while active, over the last window.',
    *observe(s) {
      for (const c of pm(s)?.cpus ?? []) yield { value: c.freqHz, attributes: cpuAttrs(c) };
    },
  },
  {
    name: 'macos.cpu.active',
    unit: '1',
    instrument: 'gauge',
    source: 'powermetrics',
    attributes: ['cpu.logical_number', 'macos.cpu.cluster', 'macos.cpu.kind', 'macos.die'],
    description: 'Fraction of the window each logical CPU was active (1 − idle − down residency).',
    *observe(s) {
      for (const c of pm(s)?.cpus ?? []) yield { value: c.activeRatio, attributes: cpuAttrs(c) };
    },
  },
  {
    name: 'macos.cpu.cluster.frequency',
    unit: 'Hz',
    instrument: 'gauge',
    source: 'powermetrics',
    attributes: ['macos.cpu.cluster', 'macos.cpu.kind', 'macos.die'],
    description: 'Average frequency of each CPU cluster while active, over the last window.',
    *observe(s) {
      for (const c of pm(s)?.clusters ?? []) yield { value: c.freqHz, attributes: clusterAttrs(c) };
    },
  },
  {
    name: 'macos.cpu.cluster.active',
    unit: '1',
    instrument: 'gauge',
    source: 'powermetrics',
    attributes: ['macos.cpu.cluster', 'macos.cpu.kind', 'macos.die'],
    description:
      'Fraction of the window each CPU cluster was active; from per-CPU values where the cluster figure is unreliable (M3 class).',
    *observe(s) {
      for (const c of pm(s)?.clusters ?? []) yield { value: c.activeRatio, attributes: clusterAttrs(c) };
    },
  },

  // ---- GPU (powermetrics) ----
  {
    name: 'macos.gpu.frequency',
    unit: 'Hz',
    instrument: 'gauge',
    source: 'powermetrics',
    attributes: [],
    description: 'Average GPU frequency while active over the last window (the plist\'s `freq_hz`, which is MHz, in Hz).',
    *observe(s) {
      yield* when(pm(s)?.gpuFreqHz, (v) => [{ value: v, attributes: {} }]);
    },
  },
  {
    name: 'hw.gpu.utilization',
    unit: '1',
    instrument: 'gauge',
    source: 'powermetrics',
    attributes: ['hw.id', 'hw.gpu.task'],
    description: 'Fraction of the window the GPU was active (1 − idle residency).',
    *observe(s) {
      yield* when(pm(s)?.gpuActiveRatio, (v) => [
        { value: v, attributes: { 'hw.id': 'gpu', 'hw.gpu.task': 'general' } },
      ]);
    },
  },

  // ---- thermal pressure (powermetrics) ----
  {
    name: 'macos.thermal.pressure',
    unit: '{level}',
    instrument: 'gauge',
    source: 'powermetrics',
    attributes: [],
    description:
      'Thermal pressure level: 0 nominal, 1 moderate, 2 heavy, 3 trapping, 4 sleeping. Unrecognised strings are not exported (counted as parse errors).',
    *observe(s) {
      const level = pm(s)?.thermalPressure?.level;
      if (level !== undefined && level in THERMAL_LEVEL_VALUE)
        yield { value: THERMAL_LEVEL_VALUE[level]!, attributes: {} };
    },
  },

  // ---- disks (iostat) ----
  {
    name: 'system.disk.io',
    unit: 'By',
    instrument: 'counter',
    source: 'iostat',
    attributes: ['system.device'],
    description:
      'Bytes read and written per disk since the agent started (iostat rate × interval; iostat does not split read and write). The since-boot first row, and a hot-plugged disk\'s first row, are never counted.',
    *accumulate(sample) {
      const s = sample as IostatSample;
      if (s.sinceBoot) return;
      const dt = s.intervalS;
      if (dt === undefined) return; // no known window: nothing to integrate
      for (const d of s.disks) if (!d.appeared) yield { value: d.bytesPerS * dt, attributes: { 'system.device': d.device } };
    },
  },
  {
    name: 'system.disk.operations',
    unit: '{operation}',
    instrument: 'counter',
    source: 'iostat',
    attributes: ['system.device'],
    description: 'Transfers per disk since the agent started (iostat tps × interval).',
    *accumulate(sample) {
      const s = sample as IostatSample;
      if (s.sinceBoot) return;
      const dt = s.intervalS;
      if (dt === undefined) return;
      for (const d of s.disks) if (!d.appeared) yield { value: d.transfersPerS * dt, attributes: { 'system.device': d.device } };
    },
  },

  // ---- memory (vm_stat, sysctl) ----
  {
    name: 'system.memory.usage',
    unit: 'By',
    instrument: 'updowncounter',
    source: 'vm_stat',
    attributes: ['system.memory.state'],
    description: 'Memory by OTel state: `used` (Activity Monitor "Memory Used"), `cached` (cached files), `free` (free pages).',
    *observe(s) {
      yield* when(vm(s), (v) => [
        { value: v.derived.usedBytes, attributes: { 'system.memory.state': 'used' } },
        { value: v.derived.cachedFilesBytes, attributes: { 'system.memory.state': 'cached' } },
        { value: v.derived.freeBytes, attributes: { 'system.memory.state': 'free' } },
      ]);
    },
  },
  {
    name: 'system.memory.limit',
    unit: 'By',
    instrument: 'updowncounter',
    source: 'sysctl',
    attributes: [],
    description: 'Installed physical memory (`hw.memsize`).',
    *observe(s) {
      yield* when(sc(s)?.memsizeBytes, (v) => [{ value: v, attributes: {} }]);
    },
  },
  {
    name: 'macos.memory.usage',
    unit: 'By',
    instrument: 'updowncounter',
    source: 'vm_stat',
    attributes: ['macos.memory.state'],
    description: 'Activity Monitor breakdown: app, wired, compressed (compressor footprint), cached files, free.',
    *observe(s) {
      yield* when(vm(s), (v) =>
        byKey(
          {
            app: v.derived.appBytes,
            wired: v.derived.wiredBytes,
            compressed: v.derived.compressedBytes,
            cached_files: v.derived.cachedFilesBytes,
            free: v.derived.freeBytes,
          },
          'macos.memory.state',
        ),
      );
    },
  },
  {
    name: 'macos.memory.pages',
    unit: 'By',
    instrument: 'updowncounter',
    source: 'vm_stat',
    attributes: ['macos.memory.page_state'],
    description: 'Kernel page queues from vm_stat, in bytes. The queues overlap: do not sum them.',
    *observe(s) {
      yield* when(vm(s), (v) =>
        byKey(
          {
            free: v.bytes.free,
            active: v.bytes.active,
            inactive: v.bytes.inactive,
            speculative: v.bytes.speculative,
            throttled: v.bytes.throttled,
            wired: v.bytes.wired,
            purgeable: v.bytes.purgeable,
            file_backed: v.bytes.fileBacked,
            anonymous: v.bytes.anonymous,
          },
          'macos.memory.page_state',
        ),
      );
    },
  },
  {
    name: 'macos.memory.compressor.stored',
    unit: 'By',
    instrument: 'updowncounter',
    source: 'vm_stat',
    attributes: [],
    description: 'Uncompressed size of the pages held in the compressor ("Pages stored in compressor").',
    *observe(s) {
      yield* when(vm(s), (v) => [{ value: v.bytes.storedInCompressor, attributes: {} }]);
    },
  },
  {
    name: 'macos.memory.compressor.operations',
    unit: '{operation}',
    instrument: 'counter',
    source: 'vm_stat',
    attributes: ['macos.compressor.direction'],
    description: 'Compressions and decompressions since boot.',
    *observe(s) {
      yield* when(vm(s), (v) => [
        { value: v.totals.compressions, attributes: { 'macos.compressor.direction': 'compress' } },
        { value: v.totals.decompressions, attributes: { 'macos.compressor.direction': 'decompress' } },
      ]);
    },
  },
  {
    name: 'system.paging.operations',
    unit: '{operation}',
    instrument: 'counter',
    source: 'vm_stat',
    attributes: ['system.paging.direction', 'macos.paging.kind'],
    description: 'Page-ins/page-outs (file paging) and swap-ins/swap-outs (compressed pages to/from swap) since boot.',
    *observe(s) {
      yield* when(vm(s), (v) => [
        { value: v.totals.pageins, attributes: { 'system.paging.direction': 'in', 'macos.paging.kind': 'file' } },
        { value: v.totals.pageouts, attributes: { 'system.paging.direction': 'out', 'macos.paging.kind': 'file' } },
        { value: v.totals.swapins, attributes: { 'system.paging.direction': 'in', 'macos.paging.kind': 'swap' } },
        { value: v.totals.swapouts, attributes: { 'system.paging.direction': 'out', 'macos.paging.kind': 'swap' } },
      ]);
    },
  },
  {
    name: 'system.paging.faults',
    unit: '{fault}',
    instrument: 'counter',
    source: 'vm_stat',
    attributes: [],
    description: 'Translation faults since boot.',
    *observe(s) {
      yield* when(vm(s), (v) => [{ value: v.totals.faults, attributes: {} }]);
    },
  },
  {
    name: 'system.paging.usage',
    unit: 'By',
    instrument: 'updowncounter',
    source: 'sysctl',
    attributes: ['system.paging.state'],
    description: 'Swap in use and free (`vm.swapusage`; macOS grows and shrinks swap on demand).',
    *observe(s) {
      yield* when(sc(s)?.swap, (w) => [
        { value: w.usedBytes, attributes: { 'system.paging.state': 'used' } },
        { value: w.freeBytes, attributes: { 'system.paging.state': 'free' } },
      ]);
    },
  },
  {
    name: 'macos.memory.pressure',
    unit: '{level}',
    instrument: 'gauge',
    source: 'sysctl',
    attributes: [],
    description: 'Kernel memory-pressure level (`kern.memorystatus_vm_pressure_level`): 0 normal, 1 warn, 2 critical.',
    *observe(s) {
      const st = sc(s)?.memoryPressure?.state;
      if (st !== undefined && st in MEMORY_PRESSURE_VALUE) yield { value: MEMORY_PRESSURE_VALUE[st]!, attributes: {} };
    },
  },

  // ---- SMC: temperatures, fans, system power ----
  {
    name: 'hw.temperature',
    unit: 'Cel',
    instrument: 'gauge',
    source: 'smc',
    attributes: ['hw.id', 'hw.name', 'hw.type', 'macos.sensor.group', 'macos.die'],
    description: `Temperature per SMC/HID sensor, after plausibility filtering (10–130 °C). At most ${MAX_TEMPERATURE_SERIES} sensors, chosen in a stable order (named sensors, then by group: cpu_die, ambient, gpu, memory, storage, cpu_p, cpu_e, soc, other); macos.temperature.max/mean cover every sensor.`,
    *observe(s) {
      for (const t of exportedTemperatures(smc(s)?.temperatures ?? []))
        yield {
          value: t.celsius,
          attributes: {
            'hw.id': t.id,
            'hw.name': t.name,
            'hw.type': 'temperature',
            'macos.sensor.group': t.group,
            ...(t.die !== undefined ? { 'macos.die': t.die } : {}),
          },
        };
    },
  },
  {
    name: 'macos.temperature.max',
    unit: 'Cel',
    instrument: 'gauge',
    source: 'smc',
    attributes: ['macos.sensor.group', 'macos.die'],
    description: 'Hottest sensor per sensor group (and die, where the key bank shows it), over every plausible sensor.',
    *observe(s) {
      for (const g of temperatureGroups(smc(s)?.temperatures ?? [])) yield { value: g.max, attributes: g.attributes };
    },
  },
  {
    name: 'macos.temperature.mean',
    unit: 'Cel',
    instrument: 'gauge',
    source: 'smc',
    attributes: ['macos.sensor.group', 'macos.die'],
    description: 'Mean of the sensors per sensor group (and die, where the key bank shows it), over every plausible sensor.',
    *observe(s) {
      for (const g of temperatureGroups(smc(s)?.temperatures ?? []))
        yield { value: g.sum / g.count, attributes: g.attributes };
    },
  },
  {
    name: 'hw.fan.speed',
    unit: 'rpm',
    instrument: 'gauge',
    source: 'smc',
    attributes: ['hw.id', 'hw.type'],
    description: 'Fan speed. A Mac Studio fan reading 0 RPM is reported as unavailable (no point), not as 0.',
    *observe(s) {
      for (const f of smc(s)?.fans ?? [])
        if (f.rpm !== null) yield { value: f.rpm, attributes: { 'hw.id': `fan${f.index}`, 'hw.type': 'fan' } };
    },
  },
  {
    name: 'hw.fan.speed.limit',
    unit: 'rpm',
    instrument: 'gauge',
    source: 'smc',
    attributes: ['hw.id', 'hw.type', 'hw.limit_type'],
    description: 'Fan minimum and maximum speed (SMC `F*Mn`, `F*Mx`).',
    *observe(s) {
      for (const f of smc(s)?.fans ?? []) {
        const a = { 'hw.id': `fan${f.index}`, 'hw.type': 'fan' };
        if (f.minRpm !== undefined) yield { value: f.minRpm, attributes: { ...a, 'hw.limit_type': 'min' } };
        if (f.maxRpm !== undefined) yield { value: f.maxRpm, attributes: { ...a, 'hw.limit_type': 'max' } };
      }
    },
  },
  {
    name: 'macos.fan.target_speed',
    unit: 'rpm',
    instrument: 'gauge',
    source: 'smc',
    attributes: ['hw.id', 'hw.type'],
    description: 'Fan target speed requested by the system (SMC `F*Tg`).',
    *observe(s) {
      for (const f of smc(s)?.fans ?? [])
        if (f.targetRpm !== undefined)
          yield { value: f.targetRpm, attributes: { 'hw.id': `fan${f.index}`, 'hw.type': 'fan' } };
    },
  },
  {
    name: 'hw.host.power',
    unit: 'W',
    instrument: 'gauge',
    source: 'smc',
    attributes: [],
    description: 'Whole-system power from the SMC (`PSTR`).',
    *observe(s) {
      yield* when(smc(s)?.systemPowerW, (v) => [{ value: v, attributes: {} }]);
    },
  },
  {
    name: 'hw.host.energy',
    unit: 'J',
    instrument: 'counter',
    source: 'smc',
    attributes: [],
    description: 'Whole-system energy since the agent started: SMC system power × the SMC polling interval.',
    *accumulate(sample) {
      const s = sample as SmcSample;
      const dt = s.intervalS;
      if (dt !== undefined) yield* when(s.systemPowerW, (w) => [{ value: w * dt, attributes: {} }]);
    },
  },

  // ---- the agent itself ----
  {
    name: 'process.cpu.time',
    unit: 's',
    instrument: 'counter',
    source: 'agent',
    attributes: ['silicon_agent.process', 'cpu.mode'],
    description: 'CPU time of the agent and of each child kind it runs, since each started.',
    *observe(s) {
      for (const [proc, p] of Object.entries(s.self.processes)) {
        if (!p) continue;
        yield { value: p.userS, attributes: { 'silicon_agent.process': proc, 'cpu.mode': 'user' } };
        yield { value: p.systemS, attributes: { 'silicon_agent.process': proc, 'cpu.mode': 'system' } };
      }
    },
  },
  {
    name: 'process.memory.usage',
    unit: 'By',
    instrument: 'updowncounter',
    source: 'agent',
    attributes: ['silicon_agent.process'],
    description: 'Resident set size of the agent and of each child kind.',
    *observe(s) {
      for (const [proc, p] of Object.entries(s.self.processes))
        if (p) yield { value: p.rssBytes, attributes: { 'silicon_agent.process': proc } };
    },
  },
  {
    name: 'silicon_agent.samples',
    unit: '{sample}',
    instrument: 'counter',
    source: 'agent',
    attributes: ['silicon_agent.source'],
    description: 'Samples parsed per source since the agent started.',
    *observe(s) {
      yield* byKey(s.self.samples, 'silicon_agent.source');
    },
  },
  {
    name: 'silicon_agent.parse.errors',
    unit: '{error}',
    instrument: 'counter',
    source: 'agent',
    attributes: ['silicon_agent.source', 'error.type'],
    description: 'Typed parse errors per source and kind.',
    *observe(s) {
      for (const [src, kinds] of Object.entries(s.self.parseErrors))
        yield* byKey(kinds ?? {}, 'error.type', { 'silicon_agent.source': src });
    },
  },
  {
    name: 'silicon_agent.values.dropped',
    unit: '{value}',
    instrument: 'counter',
    source: 'agent',
    attributes: ['silicon_agent.source', 'silicon_agent.drop_reason'],
    description: 'Impossible or implausible values dropped before export, per source and reason.',
    *observe(s) {
      for (const [src, reasons] of Object.entries(s.self.dropped))
        yield* byKey(reasons ?? {}, 'silicon_agent.drop_reason', { 'silicon_agent.source': src });
    },
  },
  {
    name: 'silicon_agent.source.restarts',
    unit: '{restart}',
    instrument: 'counter',
    source: 'agent',
    attributes: ['silicon_agent.source'],
    description: 'Child restarts per source (exit or hang).',
    *observe(s) {
      yield* byKey(s.self.restarts, 'silicon_agent.source');
    },
  },
  {
    name: 'silicon_agent.source.up',
    unit: '{state}',
    instrument: 'gauge',
    source: 'agent',
    attributes: ['silicon_agent.source'],
    description: '1 when the source is running and its latest sample is fresh, else 0.',
    *observe(s) {
      for (const [src, up] of Object.entries(s.self.sourceUp))
        if (up !== undefined) yield { value: up ? 1 : 0, attributes: { 'silicon_agent.source': src } };
    },
  },
  {
    name: 'silicon_agent.exports',
    unit: '{export}',
    instrument: 'counter',
    source: 'agent',
    attributes: ['silicon_agent.outcome'],
    description: 'OTLP export attempts by outcome.',
    *observe(s) {
      yield { value: s.self.exports.success, attributes: { 'silicon_agent.outcome': 'success' } };
      yield { value: s.self.exports.failure, attributes: { 'silicon_agent.outcome': 'failure' } };
    },
  },
  {
    name: 'silicon_agent.budget.level',
    unit: '{level}',
    instrument: 'gauge',
    source: 'agent',
    attributes: [],
    description: 'Budget degradation step: 0 full fidelity; each higher step sheds more work (docs/budget.md).',
    *observe(s) {
      yield { value: s.self.budgetLevel, attributes: {} };
    },
  },
];

/** Metrics fed by one source, for staleness and for the per-source sections of docs/metrics.md. */
export function metricsOf(source: MetricBase['source']): MetricDef[] {
  return CATALOG.filter((m) => m.source === source);
}

