import { z } from 'zod';
import { count, nonNegative } from '../../samples.ts';

/**
 * host: CPU time by mode (summed over the logical CPUs, or per CPU), the logical CPU count, the load
 * average and the uptime, read in-process (`os.cpus()`, `os.loadavg()`, `os.uptime()`).
 */

/** The most logical CPUs a reading may list (an M3 Ultra has 32; Linux servers a few hundred). */
export const MAX_CPUS = 1024;

export const CpuTimes = z.object({
  /** Logical CPU number (its index in `os.cpus()`); absent when the times are summed over all CPUs. */
  cpu: count().optional(),
  userS: nonNegative(),
  niceS: nonNegative(),
  systemS: nonNegative(),
  idleS: nonNegative(),
  /** Only where the reading counts it: libuv reports a constant 0 on macOS, so a Mac's samples have none. */
  interruptS: nonNegative().optional(),
});
export type CpuTimes = z.infer<typeof CpuTimes>;

export const HostSample = z.object({
  type: z.literal('host'),
  /** Seconds spent in each mode since boot: one entry per logical CPU (`perCpu`) or one summed entry. */
  cpuTimes: z.array(CpuTimes).min(1).max(MAX_CPUS),
  logicalCount: count().min(1).max(MAX_CPUS),
  loadAverage: z.object({ m1: nonNegative(), m5: nonNegative(), m15: nonNegative() }),
  uptimeS: nonNegative(),
});
export type HostSample = z.infer<typeof HostSample>;
