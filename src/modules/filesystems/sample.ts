import { z } from 'zod';
import { count, nonNegative } from '../../samples.ts';

/**
 * filesystems: space on each shown local volume (./select.ts decides which), from statfs.
 *
 * On APFS every volume of a container reports the container's size and free space; `usedBytes` is the
 * volume's own share, `freeBytes` what may still be written, and `reservedBytes` the rest: what the
 * container's other volumes hold (and any space kept back). The three add up to `totalBytes`.
 */

/** Why a volume is shown first: the Data volume, the VM volume (swap), any other. */
export const VOLUME_ROLES = ['data', 'vm', 'other'] as const;
export const FILESYSTEM_MODES = ['rw', 'ro'] as const;
/** Hard ceiling of shown volumes (the configured `maxVolumes` is at most this). */
export const MAX_VOLUMES_CEILING = 32;

export const Volume = z.object({
  /** The mounted device as the mount table names it (`/dev/disk3s5`), escaped and bounded. */
  device: z.string().min(1).max(160),
  mountpoint: z.string().min(1).max(160),
  /** The filesystem type (`apfs`), when the capture says. */
  fsType: z.string().min(1).max(160).optional(),
  /** `rw` or `ro`, when the capture says. */
  mode: z.enum(FILESYSTEM_MODES).optional(),
  role: z.enum(VOLUME_ROLES),
  totalBytes: nonNegative(),
  usedBytes: nonNegative(),
  freeBytes: nonNegative(),
  reservedBytes: nonNegative(),
});
export type Volume = z.infer<typeof Volume>;

export const FilesystemsSample = z
  .object({
    type: z.literal('filesystems'),
    volumes: z.array(Volume).max(MAX_VOLUMES_CEILING),
    /** Entries in the mount table read. */
    mounts: count(),
    /** Mounts left out by the selection rules (pseudo, system, read-only, network, excluded). */
    skipped: count(),
    /** Volumes that would be shown but are past `maxVolumes` (also counted as dropped `over_limit`). */
    overLimit: count(),
    /** Shown volumes without sizes this time (statfs failed, still pending, or absent from a capture). */
    unsized: count(),
    dropped: z.object({ over_limit: count().optional() }).optional(),
  })
  .refine((s) => s.volumes.every((v) => v.usedBytes + v.freeBytes + v.reservedBytes === v.totalBytes), {
    message: 'a volume whose used, free and reserved bytes do not add up to its total',
  });
export type FilesystemsSample = z.infer<typeof FilesystemsSample>;
