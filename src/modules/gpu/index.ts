/**
 * gpu: GPU utilization and memory from IOKit (`IOAccelerator` "PerformanceStatistics"), and the
 * wired-memory limit read by the sysctl source. In-process through the addon, else `ioreg` at a slow poll.
 */
import { z } from 'zod';
import { binary } from '../../sources/binaries.ts';
import { describeFailure } from '../../sources/probe.ts';
import type { BaseSample, ParseError } from '../../samples.ts';
import type { DoctorCheck, DoctorContext, SourceModule } from '../module.ts';
import { sourceConfig } from '../module.ts';
import { GPU_METRICS } from './metrics.ts';
import { createGpuParser, GPU_CLASS, GPU_KEYS, parseGpu } from './parser.ts';
import { GpuSample } from './sample.ts';
import { createGpuSource, GPU_IOREG_ARGS, interpretGpuFacts } from './source.ts';
import { LIMIT_SOURCES } from './wired-limit.ts';

/** The ioreg poll's interval (without the addon): 15 s by default, never below 10 s. */
export const ioregIntervalMs = () => z.number().int().min(10_000).max(3_600_000).default(15_000);

/**
 * `doctor` for an IOKit source: one row. The in-process reader when the addon has it (UNVERIFIED on a
 * Mac), else the ioreg reading the source would poll; either way the reading must parse.
 */
export async function iokitDoctor<S extends BaseSample>(
  ctx: DoctorContext<{ ioregIntervalMs: number }>,
  o: {
    name: string;
    className: string;
    keys: readonly string[];
    childKeys?: readonly string[];
    ioregArgs: readonly string[];
    parse(text: string): Array<S | ParseError>;
    interpret(facts: unknown): Array<S | ParseError>;
    describe(s: S): string;
  },
): Promise<DoctorCheck[]> {
  const load = ctx.native();
  let results: Array<S | ParseError>;
  let how: string;
  if (load.addon?.readRegistry) {
    how = 'in-process (UNVERIFIED on a Mac)';
    try {
      results = o.interpret(o.childKeys ? load.addon.readRegistry(o.className, [...o.keys], [...o.childKeys]) : load.addon.readRegistry(o.className, [...o.keys]));
    } catch (err) {
      return [{ name: o.name, status: 'fail', detail: `the in-process registry reader failed: ${(err as Error)?.message ?? String(err)}` }];
    }
  } else {
    how = `ioreg every ${ctx.config.ioregIntervalMs / 1000} s (no in-process reader: ${load.error ?? 'not macOS'})`;
    const file = binary('ioreg', undefined, ctx.env);
    const r = await ctx.run(file, o.ioregArgs, { timeoutMs: 10_000 });
    if (r.exitCode !== 0) return [{ name: o.name, status: 'fail', detail: `${describeFailure(file, o.ioregArgs, r)}; no in-process reader either (${load.error ?? 'not macOS'})` }];
    results = o.parse(r.stdout);
  }
  const sample = results.find((x): x is S => x.type === o.name);
  const error = results.find((x): x is ParseError => x.type === 'error');
  if (!sample) return [{ name: o.name, status: 'fail', detail: `${how}: nothing usable${error ? `: ${error.kind}: ${error.message}` : ''}` }];
  return [{ name: o.name, status: 'pass', detail: `${o.describe(sample)}; ${how}` }];
}

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
    'silicon_agent.gpu.memory.limit.source': {
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
  doctor: (ctx) =>
    iokitDoctor(ctx, {
      name: 'gpu',
      className: GPU_CLASS,
      keys: GPU_KEYS,
      ioregArgs: GPU_IOREG_ARGS,
      parse: parseGpu,
      interpret: interpretGpuFacts,
      describe: (s) => gpu.describe(s),
    }),
};
