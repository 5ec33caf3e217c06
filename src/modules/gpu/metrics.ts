/**
 * gpu's part of the catalog: utilization by task, memory in use and allocated, and the wired-memory
 * limit (read by the sysctl source, combined here through `ObserveContext.latest`).
 */
import type { MetricDef } from '../../catalog/types.ts';
import type { SysctlSample } from '../sysctl/sample.ts';
import type { GpuSample } from './sample.ts';
import { wiredLimit } from './wired-limit.ts';

/**
 * `hw.gpu.task` values: semconv's enum is open (decoder, encoder, general); `renderer` and `tiler`
 * are Apple's two GPU pipelines as "PerformanceStatistics" reports them.
 */
export const GPU_TASKS = ['general', 'renderer', 'tiler'] as const;

function limitOf(ctx: { latest(source: string): unknown }): ReturnType<typeof wiredLimit> {
  const sc = ctx.latest('sysctl') as SysctlSample | undefined;
  return wiredLimit(sc?.gpuWiredLimitMb, sc?.memsizeBytes);
}

export const GPU_METRICS: readonly MetricDef<GpuSample>[] = [
  {
    name: 'hw.gpu.utilization',
    unit: '1',
    instrument: 'gauge',
    attributes: ['hw.id', 'hw.gpu.task'],
    description:
      'Fraction of time the GPU was busy ("PerformanceStatistics"): `general` is "Device Utilization %", `renderer` and `tiler` its two pipelines.',
    observe(s, emit) {
      for (const g of s.gpus) {
        if (g.deviceUtilization !== undefined) emit(g.deviceUtilization, { 'hw.id': g.id, 'hw.gpu.task': 'general' });
        if (g.rendererUtilization !== undefined) emit(g.rendererUtilization, { 'hw.id': g.id, 'hw.gpu.task': 'renderer' });
        if (g.tilerUtilization !== undefined) emit(g.tilerUtilization, { 'hw.id': g.id, 'hw.gpu.task': 'tiler' });
      }
    },
  },
  {
    name: 'hw.gpu.memory.usage',
    unit: 'By',
    instrument: 'updowncounter',
    attributes: ['hw.id'],
    description: 'Unified memory the GPU has in use ("In use system memory"; never the "(driver)" figure).',
    observe(s, emit) {
      for (const g of s.gpus) if (g.inUseBytes !== undefined) emit(g.inUseBytes, { 'hw.id': g.id });
    },
  },
  {
    name: 'silicon_agent.gpu.memory.allocated',
    unit: 'By',
    instrument: 'updowncounter',
    attributes: ['hw.id'],
    description: 'Memory the GPU driver has allocated, resident or not ("Alloc system memory"); larger than what is in use.',
    observe(s, emit) {
      for (const g of s.gpus) if (g.allocBytes !== undefined) emit(g.allocBytes, { 'hw.id': g.id });
    },
  },
  {
    name: 'hw.gpu.memory.limit',
    unit: 'By',
    instrument: 'updowncounter',
    attributes: ['hw.id', 'silicon_agent.gpu.memory.limit.source'],
    description:
      'Unified memory the GPU may wire (`iogpu.wired_limit_mb`, from the sysctl source). When it is 0 (the system default) the value is an estimate (2/3 of memory up to 36 GiB, 3/4 above; UNVERIFIED), marked `default_estimate`.',
    observe(s, emit, ctx) {
      const l = limitOf(ctx);
      const g = s.gpus[0];
      if (l && g) emit(l.bytes, { 'hw.id': g.id, 'silicon_agent.gpu.memory.limit.source': l.source });
    },
  },
  {
    name: 'hw.gpu.memory.utilization',
    unit: '1',
    instrument: 'gauge',
    attributes: ['hw.id', 'silicon_agent.gpu.memory.limit.source'],
    description: 'GPU memory in use over its wired-memory limit (`hw.gpu.memory.usage` / `hw.gpu.memory.limit`), with the limit\'s source.',
    observe(s, emit, ctx) {
      const l = limitOf(ctx);
      const g = s.gpus[0];
      if (l && g && g.inUseBytes !== undefined && l.bytes > 0) emit(g.inUseBytes / l.bytes, { 'hw.id': g.id, 'silicon_agent.gpu.memory.limit.source': l.source });
    },
  },
];
