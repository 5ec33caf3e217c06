import { z } from 'zod';
import { nonNegative } from '../../samples.ts';

/** vm_stat (one-shot): page counts in bytes, event totals since boot, Activity Monitor figures. Every value ≥ 0. */

export const VmStatSample = z.object({
  type: z.literal('vm_stat'),
  pageSizeBytes: z.number().int().positive(),
  /** Every counter by its printed label (quotes stripped), in pages or events, unknown labels included. */
  counters: z.record(z.string(), nonNegative()),
  /** Page-count gauges converted to bytes. */
  bytes: z.object({
    free: nonNegative(),
    active: nonNegative(),
    inactive: nonNegative(),
    speculative: nonNegative(),
    throttled: nonNegative(),
    wired: nonNegative(),
    purgeable: nonNegative(),
    fileBacked: nonNegative(),
    anonymous: nonNegative(),
    storedInCompressor: nonNegative(),
    occupiedByCompressor: nonNegative(),
  }),
  /** Cumulative event counters since boot (counts, not pages-in-bytes). */
  totals: z.object({
    faults: nonNegative(),
    copyOnWrite: nonNegative(),
    zeroFilled: nonNegative(),
    reactivated: nonNegative(),
    purged: nonNegative(),
    decompressions: nonNegative(),
    compressions: nonNegative(),
    pageins: nonNegative(),
    pageouts: nonNegative(),
    swapins: nonNegative(),
    swapouts: nonNegative(),
  }),
  /**
   * Activity Monitor style figures; the formula is documented in docs/sources.md (## vm_stat). Absent
   * when the counters make them impossible (a negative memory figure), with an `invalid_value` error.
   */
  derived: z
    .object({
      usedBytes: nonNegative(),
      appBytes: nonNegative(),
      wiredBytes: nonNegative(),
      compressedBytes: nonNegative(),
      cachedFilesBytes: nonNegative(),
      freeBytes: nonNegative(),
    })
    .optional(),
});
export type VmStatSample = z.infer<typeof VmStatSample>;

