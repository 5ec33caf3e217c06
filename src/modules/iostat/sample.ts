import { z } from 'zod';
import { nonNegative, ratio } from '../../samples.ts';

/** iostat (`iostat -d -n 16 -w N`): per-disk throughput and transfers per interval row. */

export const DiskSample = z.object({
  /** BSD name as printed (iostat truncates to 6 characters). */
  device: z.string(),
  /** KB/t × 1024. */
  bytesPerTransfer: z.number().nonnegative(),
  transfersPerS: z.number().nonnegative(),
  /** MB/s × 1048576 (iostat's MB are MiB, reference §2). */
  bytesPerS: z.number().nonnegative(),
  /**
   * True on a device's first row after a re-printed header that added it (hot-plug): that one value
   * may average over more than the interval (UNVERIFIED, docs/sources.md "## iostat"). Absent otherwise.
   */
  appeared: z.boolean().optional(),
});
export type DiskSample = z.infer<typeof DiskSample>;

export const IostatSample = z.object({
  type: z.literal('iostat'),
  /** True for the first row after start: averages since boot, never to be exported as a rate. */
  sinceBoot: z.boolean(),
  /** Seconds this row covers (the `-w` interval), when the caller knows it. */
  intervalS: z.number().positive().optional(),
  disks: z.array(DiskSample),
  /** CPU columns when printed (not with -d), as ratios. */
  cpu: z.object({ userRatio: ratio(), systemRatio: ratio(), idleRatio: ratio() }).optional(),
  loadAverage: z.object({ m1: nonNegative(), m5: nonNegative(), m15: nonNegative() }).optional(),
});
export type IostatSample = z.infer<typeof IostatSample>;

