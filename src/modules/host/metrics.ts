/**
 * host's part of the catalog: CPU time by mode, CPU counts, uptime (OTel semantic conventions 1.45),
 * and the load average, which the conventions do not define: in the project namespace (docs/metrics.md
 * "Names"), `silicon_agent.cpu.load_average.1m`, `.5m`, `.15m`, gauge, `{thread}`, as the OpenTelemetry
 * Collector's hostmetrics receiver has them under `system.cpu.load_average.*`.
 */
import type { MetricDef } from '../../catalog/types.ts';
import type { SysctlSample } from '../sysctl/sample.ts';
import type { CpuTimes, HostSample } from './sample.ts';

const MODE = {
  user: { 'cpu.mode': 'user' },
  nice: { 'cpu.mode': 'nice' },
  system: { 'cpu.mode': 'system' },
  idle: { 'cpu.mode': 'idle' },
  interrupt: { 'cpu.mode': 'interrupt' },
} as const;

function emitTimes(c: CpuTimes, emit: (v: number, a: Record<string, string | number>) => void): void {
  if (c.cpu === undefined) {
    emit(c.userS, MODE.user);
    emit(c.niceS, MODE.nice);
    emit(c.systemS, MODE.system);
    emit(c.idleS, MODE.idle);
    if (c.interruptS !== undefined) emit(c.interruptS, MODE.interrupt);
    return;
  }
  const n = c.cpu;
  emit(c.userS, { 'cpu.logical_number': n, 'cpu.mode': 'user' });
  emit(c.niceS, { 'cpu.logical_number': n, 'cpu.mode': 'nice' });
  emit(c.systemS, { 'cpu.logical_number': n, 'cpu.mode': 'system' });
  emit(c.idleS, { 'cpu.logical_number': n, 'cpu.mode': 'idle' });
  if (c.interruptS !== undefined) emit(c.interruptS, { 'cpu.logical_number': n, 'cpu.mode': 'interrupt' });
}

/**
 * Physical cores: the sum of `hw.perflevelN.physicalcpu` from the sysctl source's latest fresh sample,
 * only when it lists every level `hw.nperflevels` announces, each with its count; otherwise none.
 */
export function physicalCores(s: SysctlSample | undefined): number | undefined {
  if (!s?.perfLevels) return undefined;
  const n = Number(s.values['hw.nperflevels']?.trim());
  if (!Number.isSafeInteger(n) || n < 1 || s.perfLevels.length !== n) return undefined;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = s.perfLevels[i]!;
    if (p.level !== i || p.physicalCpu === undefined) return undefined;
    sum += p.physicalCpu;
  }
  return sum > 0 ? sum : undefined;
}

export const HOST_METRICS: readonly MetricDef<HostSample>[] = [
  {
    name: 'system.cpu.time',
    unit: 's',
    instrument: 'counter',
    attributes: ['cpu.mode', 'cpu.logical_number'],
    description:
      'Seconds the CPUs spent in each mode since boot (`os.cpus()`), summed over all logical CPUs; per logical CPU (`cpu.logical_number`) with `sources.host.perCpu`. `interrupt` only where the platform counts it (not macOS).',
    observe(s, emit) {
      for (const c of s.cpuTimes) emitTimes(c, emit);
    },
  },
  {
    name: 'system.cpu.logical.count',
    unit: '{cpu}',
    instrument: 'updowncounter',
    attributes: [],
    description: 'Logical CPUs (`os.cpus().length`).',
    observe(s, emit) {
      emit(s.logicalCount, {});
    },
  },
  {
    name: 'system.cpu.physical.count',
    unit: '{cpu}',
    instrument: 'updowncounter',
    attributes: [],
    description: 'Physical cores: the sum of `hw.perflevelN.physicalcpu` read by the sysctl source (absent while sysctl is stale or incomplete).',
    observe(_s, emit, ctx) {
      const n = physicalCores(ctx.latest('sysctl') as SysctlSample | undefined);
      if (n !== undefined) emit(n, {});
    },
  },
  ...(['1m', '5m', '15m'] as const).map(
    (w): MetricDef<HostSample> => ({
      name: `silicon_agent.cpu.load_average.${w}`,
      unit: '{thread}',
      instrument: 'gauge',
      attributes: [],
      description: `Load average over ${w.slice(0, -1)} minute${w === '1m' ? '' : 's'} (\`os.loadavg()\`). Not in the semantic conventions; the Collector hostmetrics receiver's \`system.cpu.load_average.${w}\`.`,
      observe(s, emit) {
        emit(s.loadAverage[`m${w.slice(0, -1)}` as 'm1' | 'm5' | 'm15'], {});
      },
    }),
  ),
  {
    name: 'system.uptime',
    unit: 's',
    instrument: 'gauge',
    attributes: [],
    description: 'Seconds since boot (`os.uptime()`).',
    observe(s, emit) {
      emit(s.uptimeS, {});
    },
  },
];
