/**
 * Typed samples: the one contract between parsers (which produce them) and the metric
 * catalog (which reads them). Every sample and every parse error is a zod schema here, and
 * the rest of the code uses the inferred types.
 *
 * Units: inside the agent every value is in SI base units and its field name says which:
 * `powerW`, `energyJ`, `freqHz`, `bytes`, `ratio` (0..1), `S` for seconds, `celsius` for
 * temperatures (the one non-SI unit, because OTel's `hw.temperature` is in Cel).
 * Conversions from the tools' own units (mW, mJ, MHz, MiB, pages) happen in the parsers.
 */
import { z } from 'zod';

export const SOURCE_NAMES = ['powermetrics', 'iostat', 'vm_stat', 'sysctl', 'smc'] as const;
export const SourceName = z.enum(SOURCE_NAMES);
export type SourceName = z.infer<typeof SourceName>;

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * Kinds of parse error. Bounded on purpose: they become a metric attribute
 * (`error.type`) and a log key, so a new kind is a code change, never free text.
 */
export const PARSE_ERROR_KINDS = [
  'empty', // no content at all where content was required
  'truncated', // a document or line cut off at the end of the stream
  'malformed', // syntax that is not what the tool prints (garbage, binary junk, bad XML)
  'missing_field', // a required key or column is absent
  'invalid_value', // present but not a usable number/enum (NaN, negative where impossible)
  'unknown_layout', // a header, cluster name or label shape never seen before and not mappable
] as const;
export const ParseErrorKind = z.enum(PARSE_ERROR_KINDS);
export type ParseErrorKind = z.infer<typeof ParseErrorKind>;

export const ParseError = z.object({
  type: z.literal('error'),
  source: SourceName,
  kind: ParseErrorKind,
  message: z.string(),
  /** Where in the input: byte offset for streams, 1-based line for line formats. */
  offset: z.number().int().nonnegative().optional(),
  line: z.number().int().positive().optional(),
});
export type ParseError = z.infer<typeof ParseError>;

export function parseError(
  source: SourceName,
  kind: ParseErrorKind,
  message: string,
  where: { offset?: number; line?: number } = {},
): ParseError {
  return { type: 'error', source, kind, message, ...where };
}

// ---------------------------------------------------------------------------------------------
// powermetrics (`-f plist`, samplers cpu_power,gpu_power,ane_power,thermal)

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

// ---------------------------------------------------------------------------------------------
// iostat (`iostat -d -w N`)

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
  cpu: z.object({ userRatio: z.number(), systemRatio: z.number(), idleRatio: z.number() }).optional(),
  loadAverage: z.object({ m1: z.number(), m5: z.number(), m15: z.number() }).optional(),
});
export type IostatSample = z.infer<typeof IostatSample>;

// ---------------------------------------------------------------------------------------------
// vm_stat (one-shot)

export const VmStatSample = z.object({
  type: z.literal('vm_stat'),
  pageSizeBytes: z.number().int().positive(),
  /** Every counter by its printed label (quotes stripped), in pages or events, unknown labels included. */
  counters: z.record(z.string(), z.number()),
  /** Page-count gauges converted to bytes. */
  bytes: z.object({
    free: z.number(),
    active: z.number(),
    inactive: z.number(),
    speculative: z.number(),
    throttled: z.number(),
    wired: z.number(),
    purgeable: z.number(),
    fileBacked: z.number(),
    anonymous: z.number(),
    storedInCompressor: z.number(),
    occupiedByCompressor: z.number(),
  }),
  /** Cumulative event counters since boot (counts, not pages-in-bytes). */
  totals: z.object({
    faults: z.number(),
    copyOnWrite: z.number(),
    zeroFilled: z.number(),
    reactivated: z.number(),
    purged: z.number(),
    decompressions: z.number(),
    compressions: z.number(),
    pageins: z.number(),
    pageouts: z.number(),
    swapins: z.number(),
    swapouts: z.number(),
  }),
  /** Activity Monitor style figures; the formula is documented in docs/sources.md (## vm_stat). */
  derived: z.object({
    usedBytes: z.number(),
    appBytes: z.number(),
    wiredBytes: z.number(),
    compressedBytes: z.number(),
    cachedFilesBytes: z.number(),
    freeBytes: z.number(),
  }),
});
export type VmStatSample = z.infer<typeof VmStatSample>;

// ---------------------------------------------------------------------------------------------
// sysctl

export const PerfLevel = z.object({
  /** hw.perflevelN: 0 is the fastest tier. */
  level: z.number().int().nonnegative(),
  name: z.string().optional(),
  physicalCpu: z.number().int().nonnegative().optional(),
  logicalCpu: z.number().int().nonnegative().optional(),
});
export type PerfLevel = z.infer<typeof PerfLevel>;

export const MEMORY_PRESSURE_STATES = ['normal', 'warn', 'critical'] as const;

export const SysctlSample = z.object({
  type: z.literal('sysctl'),
  swap: z
    .object({ totalBytes: z.number(), usedBytes: z.number(), freeBytes: z.number(), encrypted: z.boolean() })
    .optional(),
  /** kern.memorystatus_vm_pressure_level: 1 normal, 2 warn, 4 critical. */
  memoryPressure: z
    .object({ raw: z.number().int(), state: z.enum([...MEMORY_PRESSURE_STATES, 'unknown']) })
    .optional(),
  hwModel: z.string().optional(),
  cpuBrand: z.string().optional(),
  osProductVersion: z.string().optional(),
  osBuild: z.string().optional(),
  memsizeBytes: z.number().optional(),
  perfLevels: z.array(PerfLevel).optional(),
  /** Every name: value pair read, unparsed, for `parse` output and diagnostics. */
  values: z.record(z.string(), z.string()),
});
export type SysctlSample = z.infer<typeof SysctlSample>;

// ---------------------------------------------------------------------------------------------
// SMC (raw facts from the addon or a dump; meaning applied in TypeScript)

/** One SMC key as the addon returns it: raw facts only. */
export const SmcKey = z.object({
  key: z.string().length(4),
  /** FourCC type with its trailing spaces, e.g. `flt `, `ui8 `. */
  type: z.string().length(4),
  size: z.number().int().nonnegative(),
  bytes: z.array(z.number().int().min(0).max(255)),
});
export type SmcKey = z.infer<typeof SmcKey>;

export const HidSensor = z.object({ sensorName: z.string(), celsius: z.number() });
export type HidSensor = z.infer<typeof HidSensor>;

export const TemperatureReading = z.object({
  /** Stable id: the SMC key (`TCMb`) or `hid:<name>#<occurrence>`. */
  id: z.string(),
  /** Human label for `hw.name`, e.g. `CPU die average`. */
  name: z.string(),
  /** Bounded group: cpu_die, cpu_p, cpu_e, gpu, soc, memory, ambient, storage, other. */
  group: z.string(),
  die: z.number().int().nonnegative().optional(),
  celsius: z.number(),
});
export type TemperatureReading = z.infer<typeof TemperatureReading>;

export const FanReading = z.object({
  index: z.number().int().nonnegative(),
  /** null when the fan reads 0 RPM on a machine whose fans never stop (reported unavailable). */
  rpm: z.number().nullable(),
  minRpm: z.number().optional(),
  maxRpm: z.number().optional(),
  targetRpm: z.number().optional(),
});
export type FanReading = z.infer<typeof FanReading>;

/** One SMC power key (`PSTR`, `PDTR`, …) in W; meanings beyond PSTR are UNVERIFIED (reference §4.1). */
export const SmcPowerReading = z.object({ id: z.string(), name: z.string(), powerW: z.number() });
export type SmcPowerReading = z.infer<typeof SmcPowerReading>;

export const SmcSample = z.object({
  type: z.literal('smc'),
  temperatures: z.array(TemperatureReading),
  fans: z.array(FanReading),
  /** Seconds since the previous SMC read, set by the source; used to integrate energy. */
  intervalS: z.number().positive().optional(),
  /** PSTR: whole-system power. */
  systemPowerW: z.number().optional(),
  /** Every power key the SMC has from the reference's list, PSTR included (additive, optional). */
  powerRails: z.array(SmcPowerReading).optional(),
  /** Readings dropped by plausibility filters, by reason. */
  dropped: z.record(z.string(), z.number()),
});
export type SmcSample = z.infer<typeof SmcSample>;

// ---------------------------------------------------------------------------------------------

export const Sample = z.discriminatedUnion('type', [
  PowermetricsSample,
  IostatSample,
  VmStatSample,
  SysctlSample,
  SmcSample,
]);
export type Sample = z.infer<typeof Sample>;

/** What a parser yields: a sample or a typed error, in input order. */
export type ParseResult<S extends Sample = Sample> = S | ParseError;

export function isParseError(r: ParseResult): r is ParseError {
  return r.type === 'error';
}

/** The sample type for each source name. */
export interface SampleBySource {
  powermetrics: PowermetricsSample;
  iostat: IostatSample;
  vm_stat: VmStatSample;
  sysctl: SysctlSample;
  smc: SmcSample;
}
