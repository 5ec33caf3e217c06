import { z } from 'zod';
import { nonNegative } from '../../samples.ts';

/** sysctl: swap, memory pressure, memory size, chip and OS facts, perf-level topology. */

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
    .object({ totalBytes: nonNegative(), usedBytes: nonNegative(), freeBytes: nonNegative(), encrypted: z.boolean() })
    .optional(),
  /** kern.memorystatus_vm_pressure_level: 1 normal, 2 warn, 4 critical. */
  memoryPressure: z
    .object({ raw: z.number().int(), state: z.enum([...MEMORY_PRESSURE_STATES, 'unknown']) })
    .optional(),
  hwModel: z.string().optional(),
  cpuBrand: z.string().optional(),
  osProductVersion: z.string().optional(),
  osBuild: z.string().optional(),
  memsizeBytes: nonNegative().optional(),
  perfLevels: z.array(PerfLevel).optional(),
  /** `iogpu.wired_limit_mb`: the GPU's wired-memory limit in MiB; 0 means the system default (gpu source). */
  gpuWiredLimitMb: z.number().int().nonnegative().max(2 ** 40).optional(),
  /** Every name: value pair read, unparsed, for `parse` output and diagnostics. */
  values: z.record(z.string(), z.string()),
});
export type SysctlSample = z.infer<typeof SysctlSample>;

