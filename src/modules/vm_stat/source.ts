/**
 * vm_stat as a Source: `/usr/bin/vm_stat` (one-shot form) polled every interval, each output
 * parsed by the vm_stat parser. The interval form (`vm_stat 1`) is avoided on purpose: it mixes
 * gauges and deltas and abbreviates large values (reference §3.1).
 */
import type { Logger } from '../../log.ts';
import { createVmStatParser } from './parser.ts';
import type { PollSource } from '../../sources/poll.ts';
import { commandReader, createPollSource, pollTimeoutMs } from '../../sources/poll.ts';
import { binary } from '../../sources/binaries.ts';

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
