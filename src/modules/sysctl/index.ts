/**
 * sysctl: swap, the kernel's memory-pressure level, memory size, and the chip and OS facts. Polled
 * `sysctl <names>`.
 */
import type { z } from 'zod';
import { binary } from '../../sources/binaries.ts';
import type { SourceModule } from '../module.ts';
import { sourceConfig } from '../module.ts';
import { SYSCTL_METRICS } from './metrics.ts';
import { createSysctlParser, sysctlAsAsked } from './parser.ts';
import { SysctlSample } from './sample.ts';
import { createSysctlSource, SYSCTL_NAMES } from './source.ts';

export const SysctlConfig = sourceConfig(30_000);
export type SysctlConfig = z.infer<typeof SysctlConfig>;

const GIB = (b: number | undefined) => (b === undefined ? '-' : `${(b / 2 ** 30).toFixed(2)} GiB`);

export const sysctl: SourceModule<SysctlSample, SysctlConfig> = {
  name: 'sysctl',
  title: 'sysctl: memory size, swap, pressure',
  config: SysctlConfig,
  sample: SysctlSample,
  parser: (ctx) => createSysctlParser(ctx.names !== undefined ? { names: ctx.names } : {}),
  live: (c, ctx) => createSysctlSource({ intervalMs: c.intervalMs, command: binary('sysctl', undefined, ctx.env), logger: ctx.logger }),
  // The live source asks for SYSCTL_NAMES only; a capture of `sysctl hw` holds five times more.
  replay: { file: 'sysctl.txt', mode: { kind: 'poll', transform: (b) => sysctlAsAsked(b, SYSCTL_NAMES) } },
  metrics: SYSCTL_METRICS,
  dump: { kind: 'oneshot', argv: (ctx) => [binary('sysctl', undefined, ctx.env), ...SYSCTL_NAMES], nonZeroOk: true },
  describe: (r) =>
    `sysctl ${Object.keys(r.values).length} values${r.swap ? `, swap ${(r.swap.usedBytes / 2 ** 30).toFixed(2)}/${(r.swap.totalBytes / 2 ** 30).toFixed(2)} GiB` : ''}`,
  sections: [
    {
      heading: 'Memory size, swap and pressure (sysctl)',
      rows: (sc) => [
        ...(sc.memsizeBytes !== undefined ? [['total (hw.memsize)', GIB(sc.memsizeBytes)]] : []),
        sc.swap ? ['swap used', GIB(sc.swap.usedBytes), 'of', GIB(sc.swap.totalBytes), sc.swap.encrypted ? '(encrypted)' : ''] : ['swap', '-'],
        ['memory pressure', sc.memoryPressure ? `${sc.memoryPressure.state} (${sc.memoryPressure.raw})` : '-'],
        ['model', sc.hwModel ?? '-', 'chip', sc.cpuBrand ?? '-', 'macOS', sc.osProductVersion ?? '-'],
        ['perf levels', (sc.perfLevels ?? []).map((p) => `${p.name ?? p.level}: ${p.physicalCpu ?? '?'}`).join(', ') || '-'],
      ],
    },
  ],
};
