import { z } from 'zod';
import { count, DROP_REASONS, nonNegative } from '../../samples.ts';

/** SMC (raw facts from the addon or a dump; meaning applied in TypeScript by ./interpret.ts). */

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
  rpm: nonNegative().nullable(),
  minRpm: nonNegative().optional(),
  maxRpm: nonNegative().optional(),
  targetRpm: nonNegative().optional(),
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
  dropped: z.partialRecord(z.enum(DROP_REASONS), count()),
});
export type SmcSample = z.infer<typeof SmcSample>;

