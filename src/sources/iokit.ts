/**
 * A source read from the IOKit registry (gpu, disks): in-process through the addon's `readRegistry`
 * when it is there (raw facts, read by the module's interpretation, every `intervalMs`), else a slow
 * poll of `ioreg` (text, read by the module's parser, every `ioregIntervalMs`, never below 10 s: a
 * subprocess costs). Without either the source is unavailable, with one line giving both reasons.
 *
 * The native path is UNVERIFIED (never run on a Mac); the ioreg path is what replay and `dump` use.
 */
import type { Logger } from '../log.ts';
import type { StreamParser } from '../parsers/parser.ts';
import type { BaseSample, ParseError } from '../samples.ts';
import { binary } from './binaries.ts';
import type { NativeLoader } from './native.ts';
import type { PollSource } from './poll.ts';
import { commandReader, createPollSource, pollTimeoutMs } from './poll.ts';

/** The shortest ioreg poll: a subprocess is acceptable only at a slow poll. */
export const MIN_IOREG_INTERVAL_MS = 10_000;

export interface IokitSourceOptions<S extends BaseSample> {
  name: string;
  /** Registry class matched (`IOAccelerator`). */
  className: string;
  /** Properties read from each matched entry. */
  keys: readonly string[];
  /** Properties read from each matched entry's direct children (disks: the whole-disk IOMedia). */
  childKeys?: readonly string[];
  /** The ioreg arguments of the same reading (text form). */
  ioregArgs: readonly string[];
  intervalMs: number;
  ioregIntervalMs: number;
  native: NativeLoader;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  createParser(): StreamParser<S>;
  interpret(facts: unknown): Array<S | ParseError>;
  unavailableRetryMs?: number;
}

export function createIokitSource<S extends BaseSample>(opts: IokitSourceOptions<S>): PollSource {
  const load = opts.native();
  const readRegistry = load.addon?.readRegistry;
  const common = {
    name: opts.name,
    createParser: () => opts.createParser(),
    unavailableLevel: 'warn' as const,
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.unavailableRetryMs !== undefined ? { unavailableRetryMs: opts.unavailableRetryMs } : {}),
  };
  if (readRegistry) {
    const keys = [...opts.keys];
    const childKeys = opts.childKeys ? [...opts.childKeys] : undefined;
    return createPollSource<S>({
      ...common,
      intervalMs: opts.intervalMs,
      interpret: (facts) => opts.interpret(facts),
      read: async () => {
        const facts = childKeys ? readRegistry.call(load.addon, opts.className, keys, childKeys) : readRegistry.call(load.addon, opts.className, keys);
        return { facts };
      },
    });
  }
  const nativeWhy = load.error ?? 'the addon has no IOKit registry reader (not macOS)';
  const intervalMs = Math.max(MIN_IOREG_INTERVAL_MS, opts.ioregIntervalMs);
  const file = binary('ioreg', undefined, opts.env);
  const run = commandReader(file, opts.ioregArgs, { timeoutMs: pollTimeoutMs(intervalMs) });
  return createPollSource<S>({
    ...common,
    intervalMs,
    read: async (signal) => {
      const r = await run(signal);
      if (r.unavailable !== undefined) return { unavailable: `no in-process reader (${nativeWhy}) and no ioreg (${r.unavailable})` };
      return r;
    },
  });
}
