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

/**
 * One app's usage (`tasks` sampler): CPU and GPU time in s, Apple's energy-impact score (unitless,
 * not joules), disk and network bytes. Optional figures are absent when powermetrics did not print
 * them (GPU time needs --show-process-gpu, energy impact --show-process-energy, network
 * --show-process-netstats).
 */
export const AppUsage = z.object({
  cpuTimeS: z.number().nonnegative(),
  gpuTimeS: z.number().nonnegative().optional(),
  energyImpact: z.number().nonnegative().optional(),
  diskReadBytes: z.number().nonnegative(),
  diskWriteBytes: z.number().nonnegative(),
  netRxBytes: z.number().nonnegative().optional(),
  netTxBytes: z.number().nonnegative().optional(),
});
export type AppUsage = z.infer<typeof AppUsage>;

/** One exported app series: a top-N member, or `other` (every app outside the top N). */
export const AppSeries = z.object({
  /** Coalition name (usually a bundle id) or process name; `other` for the rest. */
  name: z.string(),
  other: z.boolean(),
  /** Usage in this window (zero for a member absent from this window). */
  window: AppUsage,
  /** Usage summed since this series appeared (the exported counters). */
  total: AppUsage,
  /** Consecutive windows the app has been absent (0 = present now; at 3 it stops being exported). */
  absent: z.number().int().nonnegative(),
});
export type AppSeries = z.infer<typeof AppSeries>;

export const AppsSample = z.object({
  /** What an app is: a coalition (`--show-process-coalition`) or a process name. */
  by: z.enum(['coalition', 'process']),
  /** The ranking figure: energy impact when printed, else CPU time. */
  ranking: z.enum(['energy_impact', 'cpu_time']),
  /** Apps in this window. */
  count: z.number().int().nonnegative(),
  /** Top-N members, best first, then `other`. */
  series: z.array(AppSeries),
  /** Sum over every app in this window (= the series' windows summed). */
  windowTotal: AppUsage,
  /** Membership changes (an app entering or leaving the top N) since the parser started. */
  membershipChanges: z.number().int().nonnegative(),
});
export type AppsSample = z.infer<typeof AppsSample>;

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
  /** Per-app usage from the `tasks` sampler, top N plus `other` (./apps.ts). */
  apps: AppsSample.optional(),
});
export type PowermetricsSample = z.infer<typeof PowermetricsSample>;

