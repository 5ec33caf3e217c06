/**
 * powermetrics' part of the catalog: power and energy of the CPU, GPU and ANE, CPU and GPU
 * frequency and activity per die, cluster and CPU, and thermal pressure.
 */
import type { Attributes, MetricDef } from '../../catalog/types.ts';
import type { AppSeries, AppsSample, AppUsage, ClusterSample, CpuSample, PowermetricsSample } from './sample.ts';
import { THERMAL_PRESSURE_LEVELS } from './sample.ts';

/** Numeric level for the thermal-pressure enum: its index in THERMAL_PRESSURE_LEVELS (0 nominal … 4 sleeping). */
export const THERMAL_LEVEL_VALUE: Readonly<Record<string, number>> = Object.fromEntries(
  THERMAL_PRESSURE_LEVELS.map((l, i) => [l, i]),
);

const clusterName = (name: string): string => (name.endsWith('-Cluster') ? name.slice(0, -8) : name);
const clusterAttrs = (c: ClusterSample): Attributes => ({
  'silicon_agent.cpu.cluster': clusterName(c.name),
  'silicon_agent.cpu.kind': c.kind,
  'silicon_agent.die': c.die,
});
const cpuAttrs = (c: CpuSample): Attributes => ({
  'cpu.logical_number': c.cpu,
  'silicon_agent.cpu.cluster': clusterName(c.cluster),
  'silicon_agent.cpu.kind': c.kind,
  'silicon_agent.die': c.die,
});
const CPU_RAIL: Attributes = { 'hw.id': 'cpu', 'hw.type': 'cpu' };
const GPU_RAIL: Attributes = { 'hw.id': 'gpu', 'hw.type': 'gpu' };
const NONE: Attributes = {};

/** `silicon_agent.app.grouping` values: what `silicon_agent.app.name` names. */
export const APP_GROUPINGS = ['coalition', 'process', 'other'] as const;

/**
 * Attributes of one app series: `silicon_agent.app.name` (coalition or process name, `other` for the rest)
 * and `silicon_agent.app.grouping`; when apps are processes, also semconv's `process.executable.name` (the
 * same value). Built per point: a handful of series per collection.
 */
function appAttrs(a: AppsSample, x: AppSeries, extra?: Attributes): Attributes {
  const grouping = x.other ? 'other' : a.by;
  const out: Attributes = { 'silicon_agent.app.name': x.name, 'silicon_agent.app.grouping': grouping };
  if (grouping === 'process') out['process.executable.name'] = x.name;
  return extra ? Object.assign(out, extra) : out;
}
const APP_ATTRS = ['silicon_agent.app.name', 'silicon_agent.app.grouping', 'process.executable.name'] as const;

/** Emit one running total per app series, for apps whose total has the figure. */
function eachApp(s: PowermetricsSample, field: keyof AppUsage, emit: (v: number, a: Attributes) => void, extra?: Attributes): void {
  const a = s.apps;
  if (a === undefined) return;
  for (let i = 0; i < a.series.length; i++) {
    const x = a.series[i]!;
    const v = x.total[field];
    if (v !== undefined) emit(v, appAttrs(a, x, extra));
  }
}
const READ: Attributes = { 'disk.io.direction': 'read' };
const WRITE: Attributes = { 'disk.io.direction': 'write' };
const RECEIVE: Attributes = { 'network.io.direction': 'receive' };
const TRANSMIT: Attributes = { 'network.io.direction': 'transmit' };

/**
 * Per-app counters (tasks sampler). Project names, not semconv's `process.cpu.time`,
 * `process.disk.io`, `process.network.io`: those are per process (one `process.pid` resource each),
 * while these are per app (a coalition of processes, or every process of one name) plus `other`,
 * with a top-N membership. Each counts from when its series appeared (./apps.ts).
 */
const APP_METRICS: readonly MetricDef<PowermetricsSample>[] = [
  {
    name: 'silicon_agent.app.cpu.time',
    unit: 's',
    instrument: 'counter',
    attributes: [...APP_ATTRS],
    description: 'CPU time of each top-N app (powermetrics tasks sampler, `cputime_ns`), and of every other app summed as `other`.',
    observe(s, emit) {
      eachApp(s, 'cpuTimeS', emit);
    },
  },
  {
    name: 'silicon_agent.app.gpu.time',
    unit: 's',
    instrument: 'counter',
    attributes: [...APP_ATTRS],
    description: 'GPU time of each top-N app (`gputime_ns`; needs --show-process-gpu), and of the rest as `other`.',
    observe(s, emit) {
      eachApp(s, 'gpuTimeS', emit);
    },
  },
  {
    name: 'silicon_agent.app.energy_impact',
    unit: '1',
    instrument: 'counter',
    attributes: [...APP_ATTRS],
    description:
      "Energy impact of each top-N app, summed over windows (`energy_impact`; needs --show-process-energy): Apple's unitless score from its own model of CPU, GPU, wakeups, disk and network use, not joules. rate() gives the score per second.",
    observe(s, emit) {
      eachApp(s, 'energyImpact', emit);
    },
  },
  {
    name: 'silicon_agent.app.disk.io',
    unit: 'By',
    instrument: 'counter',
    attributes: [...APP_ATTRS, 'disk.io.direction'],
    description: 'Bytes each top-N app read from and wrote to disk (`diskio_bytesread`, `diskio_byteswritten`), the rest as `other`.',
    observe(s, emit) {
      eachApp(s, 'diskReadBytes', emit, READ);
      eachApp(s, 'diskWriteBytes', emit, WRITE);
    },
  },
  {
    name: 'silicon_agent.app.network.io',
    unit: 'By',
    instrument: 'counter',
    attributes: [...APP_ATTRS, 'network.io.direction'],
    description: "Network bytes each top-N app received and sent (its tasks' `bytes_received`, `bytes_sent`; needs --show-process-netstats), the rest as `other`.",
    observe(s, emit) {
      eachApp(s, 'netRxBytes', emit, RECEIVE);
      eachApp(s, 'netTxBytes', emit, TRANSMIT);
    },
  },
];

export const POWERMETRICS_METRICS: readonly MetricDef<PowermetricsSample>[] = [
  // ---- power and energy ----
  {
    name: 'hw.power',
    unit: 'W',
    instrument: 'gauge',
    attributes: ['hw.id', 'hw.type'],
    description: 'CPU and GPU power over the last powermetrics window: energy ÷ elapsed time.',
    observe(s, emit) {
      if (s.cpu) emit(s.cpu.powerW, CPU_RAIL);
      if (s.gpu) emit(s.gpu.powerW, GPU_RAIL);
    },
  },
  {
    name: 'hw.energy',
    unit: 'J',
    instrument: 'counter',
    attributes: ['hw.id', 'hw.type'],
    description: 'CPU and GPU energy consumed since the agent started, summed over powermetrics windows.',
    accumulate(s, emit) {
      if (s.cpu) emit(s.cpu.energyJ, CPU_RAIL);
      if (s.gpu) emit(s.gpu.energyJ, GPU_RAIL);
    },
  },
  {
    name: 'silicon_agent.ane.power',
    unit: 'W',
    instrument: 'gauge',
    attributes: [],
    description: 'Apple Neural Engine power over the last powermetrics window.',
    observe(s, emit) {
      if (s.ane) emit(s.ane.powerW, NONE);
    },
  },
  {
    name: 'silicon_agent.ane.energy',
    unit: 'J',
    instrument: 'counter',
    attributes: [],
    description: 'Apple Neural Engine energy consumed since the agent started.',
    accumulate(s, emit) {
      if (s.ane) emit(s.ane.energyJ, NONE);
    },
  },
  {
    name: 'silicon_agent.soc.power',
    unit: 'W',
    instrument: 'gauge',
    attributes: [],
    description: 'CPU + GPU + ANE power (powermetrics "combined power"), from energy over elapsed time.',
    observe(s, emit) {
      if (s.combined) emit(s.combined.powerW, NONE);
    },
  },
  {
    name: 'silicon_agent.soc.energy',
    unit: 'J',
    instrument: 'counter',
    attributes: [],
    description: 'CPU + GPU + ANE energy consumed since the agent started.',
    accumulate(s, emit) {
      if (s.combined) emit(s.combined.energyJ, NONE);
    },
  },

  // ---- CPU frequency and activity ----
  {
    name: 'system.cpu.frequency',
    unit: 'Hz',
    instrument: 'gauge',
    attributes: ['cpu.logical_number', 'silicon_agent.cpu.cluster', 'silicon_agent.cpu.kind', 'silicon_agent.die'],
    description: 'Average frequency of each logical CPU while active, over the last window.',
    observe(s, emit) {
      for (let i = 0; i < s.cpus.length; i++) emit(s.cpus[i]!.freqHz, cpuAttrs(s.cpus[i]!));
    },
  },
  {
    name: 'silicon_agent.cpu.active',
    unit: '1',
    instrument: 'gauge',
    attributes: ['cpu.logical_number', 'silicon_agent.cpu.cluster', 'silicon_agent.cpu.kind', 'silicon_agent.die'],
    description: 'Fraction of the window each logical CPU was active (1 − idle − down residency).',
    observe(s, emit) {
      for (let i = 0; i < s.cpus.length; i++) emit(s.cpus[i]!.activeRatio, cpuAttrs(s.cpus[i]!));
    },
  },
  {
    name: 'silicon_agent.cpu.cluster.frequency',
    unit: 'Hz',
    instrument: 'gauge',
    attributes: ['silicon_agent.cpu.cluster', 'silicon_agent.cpu.kind', 'silicon_agent.die'],
    description: 'Average frequency of each CPU cluster while active, over the last window.',
    observe(s, emit) {
      for (let i = 0; i < s.clusters.length; i++) emit(s.clusters[i]!.freqHz, clusterAttrs(s.clusters[i]!));
    },
  },
  {
    name: 'silicon_agent.cpu.cluster.active',
    unit: '1',
    instrument: 'gauge',
    attributes: ['silicon_agent.cpu.cluster', 'silicon_agent.cpu.kind', 'silicon_agent.die'],
    description:
      'Fraction of the window each CPU cluster was active; from per-CPU values where the cluster figure is unreliable (M3 class).',
    observe(s, emit) {
      for (let i = 0; i < s.clusters.length; i++) emit(s.clusters[i]!.activeRatio, clusterAttrs(s.clusters[i]!));
    },
  },

  // ---- GPU ----
  {
    name: 'silicon_agent.gpu.frequency',
    unit: 'Hz',
    instrument: 'gauge',
    attributes: [],
    description: "Average GPU frequency while active over the last window (the plist's `freq_hz`, which is MHz, in Hz).",
    observe(s, emit) {
      if (s.gpuFreqHz !== undefined) emit(s.gpuFreqHz, NONE);
    },
  },
  {
    name: 'hw.gpu.utilization',
    unit: '1',
    instrument: 'gauge',
    attributes: ['hw.id', 'hw.gpu.task'],
    description: 'Fraction of the window the GPU was active (1 − idle residency).',
    // The gpu source (IOKit) reads the GPU's own figure, without root: it wins while it has a fresh sample.
    yieldsTo: 'gpu',
    observe(s, emit) {
      if (s.gpuActiveRatio !== undefined) emit(s.gpuActiveRatio, { 'hw.id': 'gpu', 'hw.gpu.task': 'general' });
    },
  },

  // ---- thermal pressure ----
  {
    name: 'silicon_agent.thermal.pressure',
    unit: '{level}',
    instrument: 'gauge',
    attributes: [],
    description:
      'Thermal pressure level: 0 nominal, 1 moderate, 2 heavy, 3 trapping, 4 sleeping. Unrecognised strings are not exported (counted as parse errors).',
    observe(s, emit) {
      const level = s.thermalPressure?.level;
      const v = level === undefined ? undefined : THERMAL_LEVEL_VALUE[level];
      if (v !== undefined) emit(v, NONE);
    },
  },

  // ---- per app (tasks sampler) ----
  ...APP_METRICS,
];
