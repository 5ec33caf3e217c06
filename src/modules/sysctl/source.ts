/**
 * sysctl as a Source: ONE `/usr/sbin/sysctl <name> <name> …` call per poll, asking by name
 * (kern.memorystatus_vm_pressure_level and hw.model are masked from `sysctl -a`, reference
 * §3.3/§3.6). `hw.perflevel0` / `hw.perflevel1` are nodes: sysctl prints every leaf under them
 * (`.name`, `.physicalcpu`, `.logicalcpu`, cache sizes). A name this Mac lacks (e.g. perflevel1 on
 * a single-tier chip) makes sysctl print an error on stderr and exit non-zero while still printing
 * the others: the poll runner parses stdout anyway and logs the stderr line once.
 */
import type { Logger } from '../../log.ts';
import { createSysctlParser, parseSysctl } from './parser.ts';
import type { SysctlSample } from './sample.ts';
import type { PollSource } from '../../sources/poll.ts';
import { binary } from '../../sources/binaries.ts';
import { commandReader, createPollSource, pollTimeoutMs } from '../../sources/poll.ts';

export const SYSCTL_NAMES = [
  'vm.swapusage',
  'kern.memorystatus_vm_pressure_level',
  'hw.model',
  'machdep.cpu.brand_string',
  'hw.memsize',
  'kern.osproductversion',
  'kern.osversion',
  'hw.nperflevels',
  'hw.perflevel0',
  'hw.perflevel1',
  // The GPU's wired-memory limit (the gpu source's hw.gpu.memory.limit); absent before macOS 14 and on Intel.
  'iogpu.wired_limit_mb',
] as const;

export interface SysctlSourceOptions {
  intervalMs: number;
  names?: readonly string[];
  command?: string;
  logger?: Logger;
  unavailableRetryMs?: number;
}

export function createSysctlSource(opts: SysctlSourceOptions): PollSource {
  return createPollSource({
    name: 'sysctl',
    intervalMs: opts.intervalMs,
    read: commandReader(binary('sysctl', opts.command), opts.names ?? SYSCTL_NAMES, {
      timeoutMs: pollTimeoutMs(opts.intervalMs),
    }),
    createParser: () => createSysctlParser(),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.unavailableRetryMs !== undefined ? { unavailableRetryMs: opts.unavailableRetryMs } : {}),
  });
}

/** The facts the resource needs (src/export/resource.ts HostFacts), by their sysctl names. */
const FACT_NAMES = ['hw.model', 'machdep.cpu.brand_string', 'kern.osproductversion', 'kern.osversion'] as const;

/**
 * The Mac's model, chip and macOS version and build for the resource: ONE `sysctl <names>` call read
 * by the sysctl parser (the same reading the source makes). macOS only; elsewhere, or on any failure,
 * nothing (each missing fact is simply left out of the resource).
 */
export async function readHostFacts(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ hwModel?: string; cpuBrand?: string; osProductVersion?: string; osBuild?: string }> {
  if (platform !== 'darwin') return {};
  const read = commandReader(binary('sysctl', undefined, env), FACT_NAMES, { timeoutMs: 2000 });
  const r = await read(new AbortController().signal).catch(() => ({ stdout: '' }) as { stdout?: string });
  let sample: SysctlSample | undefined;
  for (const x of parseSysctl(typeof r.stdout === 'string' ? r.stdout : Buffer.from(r.stdout ?? '').toString('utf8')))
    if (x.type === 'sysctl') sample = x;
  if (!sample) return {};
  return {
    ...(sample.hwModel ? { hwModel: sample.hwModel } : {}),
    ...(sample.cpuBrand ? { cpuBrand: sample.cpuBrand } : {}),
    ...(sample.osProductVersion ? { osProductVersion: sample.osProductVersion } : {}),
    ...(sample.osBuild ? { osBuild: sample.osBuild } : {}),
  };
}
