/**
 * sysctl as a Source: ONE `/usr/sbin/sysctl <name> <name> …` call per poll, asking by name
 * (kern.memorystatus_vm_pressure_level and hw.model are masked from `sysctl -a`, reference
 * §3.3/§3.6). `hw.perflevel0` / `hw.perflevel1` are nodes: sysctl prints every leaf under them
 * (`.name`, `.physicalcpu`, `.logicalcpu`, cache sizes). A name this Mac lacks (e.g. perflevel1 on
 * a single-tier chip) makes sysctl print an error on stderr and exit non-zero while still printing
 * the others: the poll runner parses stdout anyway and logs the stderr line once.
 */
import type { Logger } from '../log.ts';
import { createSysctlParser } from '../parsers/sysctl.ts';
import type { PollSource } from './poll.ts';
import { commandReader, createPollSource } from './poll.ts';
import { binary } from './binaries.ts';
import { pollTimeoutMs } from './vm_stat.ts';

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
