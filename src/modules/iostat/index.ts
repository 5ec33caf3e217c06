/**
 * iostat: throughput and transfers per disk. One long-lived `iostat -d -n 16 -w N` child.
 */
import type { z } from 'zod';
import { binary } from '../../sources/binaries.ts';
import { firstOutput, showCommand } from '../../sources/probe.ts';
import type { SourceModule } from '../module.ts';
import { sourceConfig } from '../module.ts';
import { IOSTAT_METRICS } from './metrics.ts';
import { createIostatParser } from './parser.ts';
import { rowUnits } from './replay-units.ts';
import { IostatSample } from './sample.ts';
import { createIostatSource, iostatArgs, iostatSeconds } from './source.ts';

export const IostatConfig = sourceConfig(5000);
export type IostatConfig = z.infer<typeof IostatConfig>;

const MIBS = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB/s`;

export const iostat: SourceModule<IostatSample, IostatConfig> = {
  name: 'iostat',
  title: 'iostat: disks',
  config: IostatConfig,
  sample: IostatSample,
  parser: (ctx) => createIostatParser(ctx.intervalS !== undefined ? { intervalS: ctx.intervalS } : {}),
  live: (c, ctx) =>
    createIostatSource({
      intervalMs: c.intervalMs,
      command: binary('iostat', undefined, ctx.env),
      logger: ctx.logger,
      ...(ctx.timing ? { timing: ctx.timing } : {}),
      ...(ctx.onRestart ? { onRestart: ctx.onRestart } : {}),
    }),
  quick: (c) => ({ ...c, intervalMs: Math.min(c.intervalMs, 1000) }),
  replay: {
    file: 'iostat.txt',
    mode: { kind: 'stream', units: rowUnits },
    // Rows mean what the capture's -w said; without it, the configured interval.
    context: (info, intervalMs) => ({ intervalS: info?.intervalMs !== undefined ? info.intervalMs / 1000 : iostatSeconds(intervalMs) }),
  },
  metrics: IOSTAT_METRICS,
  dump: {
    kind: 'stream',
    argv: (ctx) => [binary('iostat', undefined, ctx.env), ...iostatArgs(ctx.config.intervalMs)],
    intervalMs: (c) => iostatSeconds(c.intervalMs) * 1000,
  },
  describe: (r) =>
    `iostat ${r.sinceBoot ? 'since boot' : `${r.intervalS ?? '?'} s`}: ${r.disks.map((d) => `${d.device} ${d.transfersPerS} tps ${(d.bytesPerS / 1048576).toFixed(2)} MiB/s`).join(', ')}`,
  sections: [
    {
      heading: 'Disks (iostat)',
      rows: (io) => [
    ['device', 'throughput', 'transfers/s', 'KiB/transfer'],
    ...io.disks.map((d) => [d.device, MIBS(d.bytesPerS), d.transfersPerS.toFixed(0), (d.bytesPerTransfer / 1024).toFixed(2)]),
        ...(io.sinceBoot ? [['(average since boot: no interval row arrived)']] : []),
      ],
    },
  ],
  usable: (s) => !s.sinceBoot,
  async doctor(ctx) {
    const file = binary('iostat', undefined, ctx.env);
    const args = ['-d', '-w', '1'];
    const r = await firstOutput(file, args, ctx.env, 5000, (out) => out.split('\n').some((l) => /^\s*[\d.]+\s+[\d.]+\s+[\d.]+/.test(l)));
    if (r.ok) return [{ name: 'iostat', status: 'pass', detail: `\`${showCommand(file, args)}\` prints disk rows` }];
    const detail = r.notFound ? `${file} not found` : `\`${showCommand(file, args)}\` printed no disk row in 5 s${r.err ? `: ${r.err.trim().split('\n')[0]}` : ''}`;
    return [{ name: 'iostat', status: 'fail', detail }];
  },
};
