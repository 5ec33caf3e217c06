import { z } from 'zod';
import { count } from '../../samples.ts';

/**
 * disks: since-boot read/write counters per BSD disk, from IOKit (`IOBlockStorageDriver`
 * "Statistics"; the disk's name from the whole-disk `IOMedia` under the driver).
 */

/** At most this many disks are kept (6 series each). */
export const MAX_DISKS = 8;

const counter = () => count().max(Number.MAX_SAFE_INTEGER);

export const DiskStats = z.object({
  /** "BSD Name" of the whole-disk IOMedia (`disk0`). */
  device: z.string().regex(/^disk\d+$/),
  readBytes: counter(),
  writeBytes: counter(),
  readOps: counter(),
  writeOps: counter(),
  /** "Total Time (Read)": nanoseconds spent in reads since boot, summed over operations. */
  readTimeNs: counter(),
  writeTimeNs: counter(),
});
export type DiskStats = z.infer<typeof DiskStats>;

export const DisksSample = z.object({
  type: z.literal('disks'),
  disks: z.array(DiskStats).max(MAX_DISKS),
});
export type DisksSample = z.infer<typeof DisksSample>;
