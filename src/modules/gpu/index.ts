/**
 * gpu: GPU utilization and memory from IOKit (`IOAccelerator` "PerformanceStatistics"), and the
 * wired-memory limit read by the sysctl source. In-process through the addon, else `ioreg` at a slow poll.
 */
import { z } from 'zod';
import { binary } from '../../sources/binaries.ts';
import { describeFailure } from '../../sources/probe.ts';
import type { SourceModule } from '../module.ts';
import { sourceConfig } from '../module.ts';
import { GPU_METRICS } from './metrics.ts';
import { createGpuParser, parseGpu } from './parser.ts';
import { GpuSample } from './sample.ts';
import { createGpuSource, GPU_IOREG_ARGS } from './source.ts';
import { LIMIT_SOURCES } from './wired-limit.ts';

/** The ioreg poll's interval (without the addon): 15 s by default, never below 10 s. */
export const ioregIntervalMs = () => z.number().int().min(10_000).max(3_600_000).default(15_000);

export const GpuConfig = sourceConfig(5_000, { ioregIntervalMs: ioregIntervalMs() });
export type GpuConfig = z.infer<typeof GpuConfig>;

const GIB = (b: number | undefined) => (b === undefined ? '-' : `${(b / 2 ** 30).toFixed(2)} GiB`);
const PCT = (r: number | undefined) => (r === undefined ? '-' : `${Math.round(r * 100)} %`);

export const gpu: SourceModule<GpuSample, GpuConfig> = {
  name: 'gpu',
  title: 'gpu: GPU utilization and memory (IOKit)',
  config: GpuConfig,
  sample: GpuSample,
  parser: () => createGpuParser(),
  live: (c, ctx) =>
    createGpuSource({ intervalMs: c.intervalMs, ioregIntervalMs: c.ioregIntervalMs, native: ctx.native, env: ctx.env, logger: ctx.logger }),
  replay: { file: 'gpu.txt', mode: { kind: 'poll' } },
  metrics: GPU_METRICS,
  attributes: {
    'macos.gpu.memory.limit.source': {
      doc: '`sysctl`: `iogpu.wired_limit_mb` was set and read; `default_estimate`: it is 0 (system default) and the limit is an estimate (UNVERIFIED).',
      values: LIMIT_SOURCES,
    },
  },
  dump: { kind: 'oneshot', argv: (ctx) => [binary('ioreg', undefined, ctx.env), ...GPU_IOREG_ARGS] },
  describe: (s) =>
    `gpu ${s.gpus.map((g) => `${g.id} ${g.model ?? g.className} ${PCT(g.deviceUtilization)} in use ${GIB(g.inUseBytes)}`).join(', ')}`,
  sections: [
    {
      heading: 'GPU (IOKit)',
      rows: (s) =>
        s.gpus.map((g) => [
          g.id,
          g.model ?? g.className,
          g.coreCount !== undefined ? `${g.coreCount} cores` : '',
          'busy',
          PCT(g.deviceUtilization),
          'in use',
          GIB(g.inUseBytes),
          'allocated',
          GIB(g.allocBytes),
        ]),
    },
  ],
  async doctor(ctx) {
    const checks = [];
    const load = ctx.native();
    checks.push(
      load.addon?.readRegistry
        ? { name: 'gpu (in-process)', status: 'pass' as const, detail: 'the addon reads IOKit directly (UNVERIFIED on a Mac)' }
        : { name: 'gpu (in-process)', status: 'warn' as const, detail: `no in-process reader (${load.error ?? 'not macOS'}): ioreg every ${ctx.config.ioregIntervalMs / 1000} s` },
    );
    const file = binary('ioreg', undefined, ctx.env);
    const r = await ctx.run(file, GPU_IOREG_ARGS, { timeoutMs: 10_000 });
    if (r.exitCode !== 0) {
      checks.push({ name: 'gpu (ioreg)', status: 'fail' as const, detail: describeFailure(file, GPU_IOREG_ARGS, r) });
      return checks;
    }
    const results = parseGpu(r.stdout);
    const sample = results.find((x): x is GpuSample => x.type === 'gpu');
    const error = results.find((x) => x.type === 'error');
    if (!sample) {
      const why = error && error.type === 'error' ? `: ${error.kind}: ${error.message}` : '';
      checks.push({ name: 'gpu (ioreg)', status: 'fail' as const, detail: `output did not parse${why}` });
    } else checks.push({ name: 'gpu (ioreg)', status: 'pass' as const, detail: gpu.describe(sample) });
    return checks;
  },
};
