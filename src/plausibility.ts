/**
 * Plausibility filter: drops physically impossible values from a parsed sample before it reaches
 * the store, so they are never exported, and says what it dropped so the agent can count it in
 * `silicon_agent.values.dropped` (reasons are the catalog's `silicon_agent.drop_reason` values).
 *
 * Pure: no I/O, never mutates its input (the cleaned sample is a copy where anything changed).
 * Only the bad value goes: a rail whose energy is negative loses that rail, not the sample; a CPU
 * whose frequency is beyond its cluster's DVFS table loses that CPU entry (its `freqHz` is a
 * required field in the CpuSample schema, so the entry cannot stay without it), the other CPUs,
 * clusters, rails and the GPU are kept.
 *
 * What is checked (the users' "bogus spikes" complaint, docs: anchors §5 #5, e.g. total power
 * spikes to 20–60 kW in mactop#94):
 * - power above a per-chip ceiling (`above_ceiling`), for each powermetrics rail and SMC `PSTR`;
 * - negative power or energy (`negative`);
 * - CPU, cluster or GPU frequency above the highest state of the DVFS table printed in the same
 *   sample, plus a small tolerance for the tool's rounding (`beyond_dvfs`).
 * Non-finite numbers are already rejected by the sample schemas (zod `z.number()`).
 *
 * Ceilings: derived from Apple's published wall-power maxima for Mac Studio (support.apple.com
 * article 102027: M1 Max 115 W, M2 Max 145 W, M1 Ultra 215 W, M2 Ultra 295 W, "measured from the
 * wall … includes all power supply and system losses"). A SoC rail can never draw more than the
 * whole machine at the wall, so twice the largest figure of the class is far above any real value
 * and still two orders of magnitude below the reported kW spikes. M3 Ultra has no figure in that
 * article as read; its class ceiling (600 W) is also above the 2025 Mac Studio's power supply
 * rating as we understand it (about 480 W) — UNVERIFIED estimate, to be checked on a node.
 * The table and its reasoning are in docs/plausibility.md.
 */
import type { ClusterSample, CpuSample, PowermetricsSample, RailSample } from './modules/powermetrics/sample.ts';
import type { SmcSample } from './modules/smc/sample.ts';
import type { SysctlSample } from './modules/sysctl/sample.ts';
import type { BaseSample } from './samples.ts';
import type { Dropped, SampleFilter } from './store.ts';

/** The `silicon_agent.drop_reason` values this module produces. */
export type PlausibilityReason = Extract<Dropped['reason'], 'above_ceiling' | 'negative' | 'beyond_dvfs'>;

export interface PlausibilityLimits {
  /** Chip class the ceilings were chosen for (for logs and docs). */
  chipClass: ChipClass;
  /** Ceiling for any one powermetrics rail and for the combined CPU+GPU+ANE power, in W. */
  socPowerCeilingW: number;
  /** Ceiling for the SMC whole-system power (PSTR), in W. */
  hostPowerCeilingW: number;
  /** Allowed excess over the DVFS table's top state, as a ratio (0.02 = 2 %): the plist rounds to 6 digits. */
  dvfsTolerance: number;
  /** Used when a cluster has no usable DVFS table: no Apple Silicon CPU core is anywhere near 6 GHz. */
  cpuFreqFallbackMaxHz: number;
  /** Used when the GPU has no usable DVFS table. */
  gpuFreqFallbackMaxHz: number;
}

export type ChipClass = 'ultra' | 'single_die' | 'unknown';

/**
 * Per chip class ceilings (UNVERIFIED estimates, see the header): twice the largest published
 * wall maximum of the class, rounded up. Single-die covers base, Pro and Max chips (M2 Max Mac
 * Studio: 145 W at the wall). Unknown chips get the largest ceiling, so a real value is never
 * dropped just because we could not tell the chip.
 */
export const CHIP_CEILINGS_W: Record<ChipClass, { soc: number; host: number; basis: string }> = {
  ultra: { soc: 600, host: 600, basis: 'M2 Ultra Mac Studio 295 W max at the wall (Apple 102027) × 2' },
  single_die: { soc: 300, host: 300, basis: 'M2 Max Mac Studio 145 W max at the wall (Apple 102027) × 2' },
  unknown: { soc: 600, host: 600, basis: 'largest class ceiling' },
};

/** Models known to be Ultra chips (hw.model). Mac14,14 is in our fixtures; the others are from model tables [3P]. */
const ULTRA_MODELS = new Set(['Mac13,2', 'Mac14,8', 'Mac14,14', 'Mac15,14']);

/** Sanity bounds for a DVFS table's top state: outside them the table itself is suspect and not trusted. */
const DVFS_TABLE_MIN_HZ = 100e6;
const DVFS_TABLE_MAX_HZ = 10e9;

export interface ChipFacts {
  /** Die count from the powermetrics cluster layout. */
  dies?: number;
  /** hw.model, e.g. `Mac15,14`. */
  hwModel?: string;
  /** machdep.cpu.brand_string, e.g. `Apple M2 Ultra`. */
  cpuBrand?: string;
}

export function chipClassOf(f: ChipFacts): ChipClass {
  if (f.cpuBrand !== undefined && /\bUltra\b/i.test(f.cpuBrand)) return 'ultra';
  if (f.hwModel !== undefined && ULTRA_MODELS.has(f.hwModel)) return 'ultra';
  if (f.dies !== undefined && f.dies >= 2) return 'ultra';
  if (f.cpuBrand !== undefined && /^Apple M\d/i.test(f.cpuBrand)) return 'single_die';
  if (f.dies === 1) return 'single_die';
  return 'unknown';
}

export function limitsFor(f: ChipFacts = {}): PlausibilityLimits {
  const chipClass = chipClassOf(f);
  const c = CHIP_CEILINGS_W[chipClass];
  return {
    chipClass,
    socPowerCeilingW: c.soc,
    hostPowerCeilingW: c.host,
    dvfsTolerance: 0.02,
    cpuFreqFallbackMaxHz: 6e9,
    gpuFreqFallbackMaxHz: 3e9,
  };
}

export interface CheckResult<S extends BaseSample = BaseSample> {
  sample: S;
  dropped: Dropped[];
}

/**
 * Check one sample. `limits` defaults to what the sample itself says about the chip (powermetrics:
 * die count and hw_model); pass `limitsFor({...})` with sysctl facts for SMC samples.
 */
export function checkSample<S extends BaseSample>(sample: S, limits?: PlausibilityLimits): CheckResult<S> {
  if (isPowermetrics(sample)) {
    const l = limits ?? limitsFor({ dies: sample.dies, ...(sample.hwModel ? { hwModel: sample.hwModel } : {}) });
    return checkPowermetrics(sample, l) as unknown as CheckResult<S>;
  }
  if (isSmc(sample)) return checkSmc(sample, limits ?? limitsFor()) as unknown as CheckResult<S>;
  // Other sources carry no power or frequency; their ranges are in their schemas (checked by the store).
  return { sample, dropped: [] };
}

const isPowermetrics = (s: BaseSample): s is PowermetricsSample => s.type === 'powermetrics';
const isSmc = (s: BaseSample): s is SmcSample => s.type === 'smc';
const isSysctl = (s: BaseSample): s is SysctlSample => s.type === 'sysctl';

function railProblem(r: RailSample, ceilingW: number): PlausibilityReason | undefined {
  if (r.energyJ < 0 || r.powerW < 0 || (r.reportedPowerW !== undefined && r.reportedPowerW < 0)) return 'negative';
  if (r.powerW > ceilingW || (r.reportedPowerW !== undefined && r.reportedPowerW > ceilingW)) return 'above_ceiling';
  return undefined;
}

/** The frequency a cluster (or its CPUs) may not exceed, from its own DVFS table when that table is sane. */
function maxFreqHz(tableMaxHz: number | undefined, fallbackHz: number, tolerance: number): number {
  if (tableMaxHz !== undefined && tableMaxHz >= DVFS_TABLE_MIN_HZ && tableMaxHz <= DVFS_TABLE_MAX_HZ)
    return tableMaxHz * (1 + tolerance);
  return fallbackHz;
}

export function checkPowermetrics(s: PowermetricsSample, l: PlausibilityLimits): CheckResult<PowermetricsSample> {
  const dropped: Dropped[] = [];
  let out: PowermetricsSample = s;
  const edit = (patch: Partial<PowermetricsSample>): void => {
    out = { ...out, ...patch };
  };

  for (const rail of ['cpu', 'gpu', 'ane', 'combined'] as const) {
    const r = s[rail];
    if (!r) continue;
    const reason = railProblem(r, l.socPowerCeilingW);
    if (reason) {
      dropped.push({ reason, field: rail, value: reason === 'negative' ? Math.min(r.energyJ, r.powerW) : r.powerW });
      const { [rail]: _gone, ...rest } = out;
      out = rest as PowermetricsSample;
    }
  }

  // Clusters against their own tables; CPUs against their cluster's table.
  const clusterMax = new Map<string, number>();
  const keptClusters: ClusterSample[] = [];
  s.clusters.forEach((c, i) => {
    const max = maxFreqHz(c.maxDvfsFreqHz, l.cpuFreqFallbackMaxHz, l.dvfsTolerance);
    clusterMax.set(c.name, max);
    if (c.freqHz > max) dropped.push({ reason: 'beyond_dvfs', field: `clusters[${i}].freqHz`, value: c.freqHz });
    else keptClusters.push(c);
  });
  if (keptClusters.length !== s.clusters.length) edit({ clusters: keptClusters });

  const keptCpus: CpuSample[] = [];
  s.cpus.forEach((c, i) => {
    const max = clusterMax.get(c.cluster) ?? l.cpuFreqFallbackMaxHz;
    if (c.freqHz > max) dropped.push({ reason: 'beyond_dvfs', field: `cpus[${i}].freqHz`, value: c.freqHz });
    else keptCpus.push(c);
  });
  if (keptCpus.length !== s.cpus.length) edit({ cpus: keptCpus });

  if (s.gpuFreqHz !== undefined) {
    const max = maxFreqHz(s.gpuMaxDvfsFreqHz, l.gpuFreqFallbackMaxHz, l.dvfsTolerance);
    if (s.gpuFreqHz > max) {
      dropped.push({ reason: 'beyond_dvfs', field: 'gpuFreqHz', value: s.gpuFreqHz });
      const { gpuFreqHz: _gone, ...rest } = out;
      out = rest as PowermetricsSample;
    }
  }
  return { sample: out, dropped };
}

export function checkSmc(s: SmcSample, l: PlausibilityLimits): CheckResult<SmcSample> {
  const w = s.systemPowerW;
  if (w === undefined) return { sample: s, dropped: [] };
  const reason: PlausibilityReason | undefined = w < 0 ? 'negative' : w > l.hostPowerCeilingW ? 'above_ceiling' : undefined;
  if (!reason) return { sample: s, dropped: [] };
  const { systemPowerW: _gone, ...rest } = s;
  return { sample: rest as SmcSample, dropped: [{ reason, field: 'systemPowerW', value: w }] };
}

/**
 * A store filter (src/store.ts SampleFilter) that checks every sample and says what it dropped (the
 * store counts it). It remembers what the samples say about the chip (powermetrics die count and
 * hw_model, sysctl hw.model and CPU brand) so SMC power gets the right class ceiling once those have
 * been seen.
 */
export function createPlausibilityFilter(): SampleFilter {
  const facts: ChipFacts = {};
  return (_source, sample) => {
    if (isSysctl(sample)) {
      if (sample.hwModel) facts.hwModel = sample.hwModel;
      if (sample.cpuBrand) facts.cpuBrand = sample.cpuBrand;
      return { sample, dropped: [] };
    }
    if (isPowermetrics(sample)) {
      facts.dies = sample.dies;
      if (sample.hwModel) facts.hwModel = sample.hwModel;
    }
    return checkSample(sample, limitsFor(facts));
  }
}
