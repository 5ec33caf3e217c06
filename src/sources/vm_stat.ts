/**
 * vm_stat as a Source: `/usr/bin/vm_stat` (one-shot form) polled every interval, each output
 * parsed by the vm_stat parser. The interval form (`vm_stat 1`) is avoided on purpose: it mixes
 * gauges and deltas and abbreviates large values (reference §3.1).
 */
import type { Logger } from '../log.ts';
import { createVmStatParser } from '../parsers/vm_stat.ts';
import type { PollSource } from './poll.ts';
import { commandReader, createPollSource } from './poll.ts';
import { binary } from './binaries.ts';

/** Per-poll command timeout: the interval, kept within 2–10 s. */
export function pollTimeoutMs(intervalMs: number): number {
  return Math.min(10_000, Math.max(2000, intervalMs));
}

export interface VmStatSourceOptions {
  intervalMs: number;
  command?: string;
  logger?: Logger;
  unavailableRetryMs?: number;
}

export function createVmStatSource(opts: VmStatSourceOptions): PollSource {
  return createPollSource({
    name: 'vm_stat',
    intervalMs: opts.intervalMs,
    read: commandReader(binary('vm_stat', opts.command), [], { timeoutMs: pollTimeoutMs(opts.intervalMs) }),
    createParser: createVmStatParser,
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.unavailableRetryMs !== undefined ? { unavailableRetryMs: opts.unavailableRetryMs } : {}),
  });
}
