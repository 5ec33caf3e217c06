/**
 * The GPU's wired-memory limit from `iogpu.wired_limit_mb` (read by the sysctl source) and
 * `hw.memsize`. Pure.
 *
 * A set value (> 0) is the limit itself, in MiB. 0 (the factory setting) means "the system default",
 * which macOS does not publish. The default used here is an ESTIMATE, UNVERIFIED on any Mac this
 * project has run on: 2/3 of memory up to 36 GiB, 3/4 above. The public evidence conflicts (most
 * reports fit it: an M1 Max 32 GiB at exactly 2/3; others do not: an M3 16 GB at ~74 %, an M5 Max
 * 128 GiB on macOS 26 at ~84 %), so it is exported with `silicon_agent.gpu.memory.limit.source` =
 * `default_estimate`, never as if it had been read.
 */

export const LIMIT_SOURCES = ['sysctl', 'default_estimate'] as const;
export type LimitSource = (typeof LIMIT_SOURCES)[number];

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** The estimated default limit for a Mac with `memsizeBytes` of memory. UNVERIFIED. */
export function defaultWiredLimitBytes(memsizeBytes: number): number {
  const fraction = memsizeBytes <= 36 * GIB ? 2 / 3 : 3 / 4;
  return Math.floor(memsizeBytes * fraction);
}

/** The limit in bytes and where it came from, or undefined when it cannot be known. */
export function wiredLimit(wiredLimitMb: number | undefined, memsizeBytes: number | undefined): { bytes: number; source: LimitSource } | undefined {
  if (wiredLimitMb === undefined) return undefined;
  if (wiredLimitMb > 0) return { bytes: wiredLimitMb * MIB, source: 'sysctl' };
  if (memsizeBytes === undefined || !(memsizeBytes > 0)) return undefined;
  return { bytes: defaultWiredLimitBytes(memsizeBytes), source: 'default_estimate' };
}
