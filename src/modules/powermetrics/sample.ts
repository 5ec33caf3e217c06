import { z } from 'zod';

/** powermetrics (`-f plist`, samplers cpu_power, gpu_power, ane_power, thermal). */

/** Core tier taken from the cluster name's letter: E, P, S (M5 "super"), M (M5 Max), or another letter. */
export const CoreKind = z.string().regex(/^[A-Z]$/);

export const CpuSample = z.object({
  /** Logical CPU number as powermetrics prints it (`cpus[].cpu`). */
  cpu: z.number().int().nonnegative(),
  cluster: z.string(),
  kind: CoreKind,
  die: z.number().int().nonnegative(),
  freqHz: z.number().nonnegative(),
  /** 1 − idle_ratio − down_ratio (down residency counts as inactive). */
  activeRatio: z.number().min(0).max(1),
  idleRatio: z.number().min(0).max(1),
  downRatio: z.number().min(0).max(1).optional(),
});
export type CpuSample = z.infer<typeof CpuSample>;

export const ClusterSample = z.object({
  /** The name exactly as printed, e.g. `P1-Cluster`. */
  name: z.string(),
  kind: CoreKind,
  /** The number in the name (`P1` → 1); 0 when the name has none (`E-Cluster`). */
  index: z.number().int().nonnegative(),
  die: z.number().int().nonnegative(),
  freqHz: z.number().nonnegative(),
  /**
   * Active ratio of the cluster. On chips where the cluster-level idle_ratio is unreliable
   * (M3 class, reference §1.6) this is the mean of the per-CPU active ratios; `activeFrom` says which.
   */
  activeRatio: z.number().min(0).max(1),
  activeFrom: z.enum(['cluster', 'cpus']),
  onlineRatio: z.number().min(0).max(1).optional(),
  /** Highest frequency in the cluster's DVFS table (`dvfm_states[].freq`), for plausibility checks. */
  maxDvfsFreqHz: z.number().nonnegative().optional(),
  cpus: z.array(z.number().int().nonnegative()),
});
export type ClusterSample = z.infer<typeof ClusterSample>;

/** One power rail over one window: power from energy/elapsed, and the tool's own mW as a cross-check. */
export const RailSample = z.object({
  /** energyJ / elapsedS. */
  powerW: z.number(),
  /** Energy consumed during this window (the plist's mJ, in J). */
  energyJ: z.number(),
  /** The `*_power` value powermetrics printed, converted from mW to W. */
  reportedPowerW: z.number().optional(),
});
export type RailSample = z.infer<typeof RailSample>;

export const THERMAL_PRESSURE_LEVELS = ['nominal', 'moderate', 'heavy', 'trapping', 'sleeping'] as const;

export const PowermetricsSample = z.object({
  type: z.literal('powermetrics'),
  /** The plist `timestamp` (UTC, whole seconds) as ISO 8601, when present. */
  timestamp: z.string().optional(),
  elapsedS: z.number().positive(),
  isDelta: z.boolean().optional(),
  hwModel: z.string().optional(),
  /** macOS build (`kern_osversion`, e.g. `23E224`), not the product version. */
  osBuild: z.string().optional(),
  bootTimeS: z.number().optional(),
  cpu: RailSample.optional(),
  gpu: RailSample.optional(),
  ane: RailSample.optional(),
  /** cpu + gpu + ane power from energy; `reportedPowerW` is the plist's combined_power. */
  combined: RailSample.optional(),
  clusters: z.array(ClusterSample),
  cpus: z.array(CpuSample),
  gpuFreqHz: z.number().nonnegative().optional(),
  gpuActiveRatio: z.number().min(0).max(1).optional(),
  gpuMaxDvfsFreqHz: z.number().nonnegative().optional(),
  /** Number of dies inferred from the cluster layout (2 on Ultra chips). */
  dies: z.number().int().positive(),
  /**
   * Thermal pressure: `level` is one of THERMAL_PRESSURE_LEVELS when recognised, else `unknown`;
   * `raw` keeps the string powermetrics printed (reference §1.4: only `Nominal` is verified).
   */
  thermalPressure: z
    .object({ level: z.enum([...THERMAL_PRESSURE_LEVELS, 'unknown']), raw: z.string() })
    .optional(),
});
export type PowermetricsSample = z.infer<typeof PowermetricsSample>;

