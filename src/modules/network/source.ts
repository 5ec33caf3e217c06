/**
 * The network source, live: a poll source whose read is, by preference, in-process — the addon's
 * `readNetworkInterfaces` (native/net_ifmib.cc: the sysctl `net.link.generic.ifalldata`, 64-bit
 * counters, no root; UNVERIFIED on a Mac) — and otherwise a slow poll of `/usr/sbin/netstat -i -b -d -n`,
 * never more often than every 10 s. Both readings go through the same interpretation (./parser.ts).
 *
 * Why not `NET_RT_IFLIST2` (what netstat itself reads): current XNU (bsd/net/rtsock.c) floors its byte
 * counters to 1 KiB and cuts them to 32 bits for binaries that are not Apple's. `if_mib.c` copies the
 * 64-bit counters unchanged. (netstat is Apple's binary, so it still gets the full counters.)
 */
import type { Logger } from '../../log.ts';
import { binary } from '../../sources/binaries.ts';
import type { NativeLoader } from '../../sources/native.ts';
import { loadNative } from '../../sources/native.ts';
import type { PollSource } from '../../sources/poll.ts';
import { commandReader, createPollSource, pollTimeoutMs } from '../../sources/poll.ts';
import type { IfmibFacts } from './facts.ts';
import { createNetworkParser, interpretFacts } from './parser.ts';
import type { NetworkSelection } from './select.ts';

export const NETSTAT_ARGS = ['-i', '-b', '-d', '-n'] as const;
/** netstat is a subprocess: polled no more often than this. */
export const NETSTAT_MIN_INTERVAL_MS = 10_000;
export const NETWORK_READER_CHOICES = ['auto', 'addon', 'netstat'] as const;
export type NetworkReaderChoice = (typeof NETWORK_READER_CHOICES)[number];

/** The addon's facts, or why not. */
export function readIfmib(native: NativeLoader = loadNative): IfmibFacts | { error: string } {
  const load = native();
  const read = load.addon?.readNetworkInterfaces;
  if (!read) return { error: `network addon reader unavailable: ${load.error ?? 'the addon has no readNetworkInterfaces (not a macOS build)'}` };
  const r = read.call(load.addon);
  if (!r.ok) return { error: `net.link.generic.ifalldata: ${r.error ?? 'unknown error'}` };
  return { reader: 'ifmib', interfaces: r.interfaces };
}

/** Which reader runs: the configured one, or with `auto` the addon where it is built, else netstat. */
export function chooseReader(choice: NetworkReaderChoice, native: NativeLoader = loadNative): 'addon' | 'netstat' {
  if (choice !== 'auto') return choice;
  return native().addon?.readNetworkInterfaces ? 'addon' : 'netstat';
}

export interface NetworkSourceOptions {
  intervalMs: number;
  reader: NetworkReaderChoice;
  selection: NetworkSelection;
  command?: string;
  env?: NodeJS.ProcessEnv;
  native?: NativeLoader;
  logger?: Logger;
  unavailableRetryMs?: number;
}

export function createNetworkSource(opts: NetworkSourceOptions): PollSource {
  const native = opts.native ?? loadNative;
  const reader = chooseReader(opts.reader, native);
  const common = {
    name: 'network',
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.unavailableRetryMs !== undefined ? { unavailableRetryMs: opts.unavailableRetryMs } : {}),
    createParser: () => createNetworkParser(opts.selection),
  };
  if (reader === 'addon') {
    return createPollSource({
      ...common,
      intervalMs: opts.intervalMs,
      unavailableLevel: 'warn',
      interpret: (facts) => interpretFacts(facts, opts.selection),
      async read() {
        const r = readIfmib(native);
        if ('error' in r) return { unavailable: `${r.error} (set sources.network.reader: "netstat" to poll netstat instead)` };
        return { facts: r };
      },
    });
  }
  const intervalMs = Math.max(opts.intervalMs, NETSTAT_MIN_INTERVAL_MS);
  if (intervalMs !== opts.intervalMs)
    opts.logger?.info('network: netstat is polled every 10 s at most', { source: 'network', configuredMs: opts.intervalMs, intervalMs });
  return createPollSource({
    ...common,
    intervalMs,
    read: commandReader(binary('netstat', opts.command, opts.env), NETSTAT_ARGS, {
      timeoutMs: pollTimeoutMs(intervalMs),
      ...(opts.env ? { env: opts.env as Record<string, string> } : {}),
    }),
  });
}

/** One `netstat -i -b -d -n`, its output unchanged (for `dump`), or why not. */
export async function captureNetstat(env: NodeJS.ProcessEnv = process.env): Promise<{ text: string } | { error: string }> {
  const file = binary('netstat', undefined, env);
  const r = await commandReader(file, NETSTAT_ARGS, { timeoutMs: 10_000, env: env as Record<string, string> })(new AbortController().signal);
  if (r.unavailable ?? r.failure) return { error: (r.unavailable ?? r.failure)! };
  return { text: typeof r.stdout === 'string' ? r.stdout : Buffer.from(r.stdout ?? '').toString('utf8') };
}
