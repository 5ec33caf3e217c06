/**
 * disks: read/write bytes, operations and time per BSD disk from IOKit (`IOBlockStorageDriver`
 * "Statistics"). In-process through the addon, else `ioreg` at a slow poll. iostat stays the fallback.
 */
import type { z } from 'zod';
import { binary } from '../../sources/binaries.ts';
import { iokitDoctor, ioregIntervalMs } from '../gpu/index.ts';
import type { SourceModule } from '../module.ts';
import { sourceConfig } from '../module.ts';
import { DISK_DIRECTIONS, DISKS_METRICS } from './metrics.ts';
import { createDisksParser, DISKS_CLASS, DRIVER_KEYS, MEDIA_KEYS, parseDisks } from './parser.ts';
import { DisksSample } from './sample.ts';
import { createDisksSource, DISKS_IOREG_ARGS, interpretDisksFacts } from './source.ts';

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
  doctor: (ctx) =>
    iokitDoctor(ctx, {
      name: 'disks',
      className: DISKS_CLASS,
      keys: DRIVER_KEYS,
      childKeys: MEDIA_KEYS,
      ioregArgs: DISKS_IOREG_ARGS,
      parse: parseDisks,
      interpret: interpretDisksFacts,
      describe: (s) => disks.describe(s),
    }),
};
