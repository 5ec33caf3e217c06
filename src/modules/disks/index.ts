/**
 * disks: read/write bytes, operations and time per BSD disk from IOKit (`IOBlockStorageDriver`
 * "Statistics"). In-process through the addon, else `ioreg` at a slow poll. iostat stays the fallback.
 */
import type { z } from 'zod';
import { binary } from '../../sources/binaries.ts';
import { describeFailure } from '../../sources/probe.ts';
import { ioregIntervalMs } from '../gpu/index.ts';
import type { SourceModule } from '../module.ts';
import { sourceConfig } from '../module.ts';
import { DISK_DIRECTIONS, DISKS_METRICS } from './metrics.ts';
import { createDisksParser, parseDisks } from './parser.ts';
import { DisksSample } from './sample.ts';
import { createDisksSource, DISKS_IOREG_ARGS } from './source.ts';

export const DisksConfig = sourceConfig(5_000, { ioregIntervalMs: ioregIntervalMs() });
export type DisksConfig = z.infer<typeof DisksConfig>;

const GB = (b: number) => `${(b / 1e9).toFixed(1)} GB`;

export const disks: SourceModule<DisksSample, DisksConfig> = {
  name: 'disks',
  title: 'disks: disk read/write and time (IOKit)',
  config: DisksConfig,
  sample: DisksSample,
  parser: () => createDisksParser(),
  live: (c, ctx) =>
    createDisksSource({ intervalMs: c.intervalMs, ioregIntervalMs: c.ioregIntervalMs, native: ctx.native, env: ctx.env, logger: ctx.logger }),
  replay: { file: 'disks.txt', mode: { kind: 'poll' } },
  metrics: DISKS_METRICS,
  attributes: {
    'disk.io.direction': { doc: 'OTel disk I/O direction.', values: DISK_DIRECTIONS },
  },
  dump: { kind: 'oneshot', argv: (ctx) => [binary('ioreg', undefined, ctx.env), ...DISKS_IOREG_ARGS] },
  describe: (s) => `disks ${s.disks.map((d) => `${d.device} read ${GB(d.readBytes)} written ${GB(d.writeBytes)}`).join(', ') || 'none'}`,
  sections: [
    {
      heading: 'Disks since boot (IOKit)',
      rows: (s) =>
        s.disks.map((d) => [
          d.device,
          'read',
          GB(d.readBytes),
          `${d.readOps} ops`,
          `${(d.readTimeNs / 1e9).toFixed(1)} s`,
          'written',
          GB(d.writeBytes),
          `${d.writeOps} ops`,
          `${(d.writeTimeNs / 1e9).toFixed(1)} s`,
        ]),
    },
  ],
  async doctor(ctx) {
    const load = ctx.native();
    const checks = [
      load.addon?.readRegistry
        ? { name: 'disks (in-process)', status: 'pass' as const, detail: 'the addon reads IOKit directly (UNVERIFIED on a Mac)' }
        : { name: 'disks (in-process)', status: 'warn' as const, detail: `no in-process reader (${load.error ?? 'not macOS'}): ioreg every ${ctx.config.ioregIntervalMs / 1000} s` },
    ];
    const file = binary('ioreg', undefined, ctx.env);
    const r = await ctx.run(file, DISKS_IOREG_ARGS, { timeoutMs: 10_000 });
    if (r.exitCode !== 0) return [...checks, { name: 'disks (ioreg)', status: 'fail' as const, detail: describeFailure(file, DISKS_IOREG_ARGS, r) }];
    const results = parseDisks(r.stdout);
    const sample = results.find((x): x is DisksSample => x.type === 'disks');
    const error = results.find((x) => x.type === 'error');
    if (!sample) {
      const why = error && error.type === 'error' ? `: ${error.kind}: ${error.message}` : '';
      return [...checks, { name: 'disks (ioreg)', status: 'fail' as const, detail: `output did not parse${why}` }];
    }
    return [...checks, { name: 'disks (ioreg)', status: 'pass' as const, detail: disks.describe(sample) }];
  },
};
