/**
 * gpu as a Source: the `IOAccelerator` entries' "PerformanceStatistics", "model" and "gpu-core-count",
 * in-process through the addon (UNVERIFIED) or from `ioreg -r -d 1 -w 0 -c IOAccelerator` every
 * `ioregIntervalMs` (src/sources/iokit.ts).
 */
import type { Logger } from '../../log.ts';
import { interpretFacts } from '../../parsers/iokit-facts.ts';
import type { ParseError } from '../../samples.ts';
import { createIokitSource } from '../../sources/iokit.ts';
import type { NativeLoader } from '../../sources/native.ts';
import type { PollSource } from '../../sources/poll.ts';
import { createGpuParser, GPU_CLASS, GPU_KEYS, interpretGpu } from './parser.ts';
import type { GpuSample } from './sample.ts';

/** The ioreg reading (live fallback, `dump`, `doctor`): the text form replay reads. */
export const GPU_IOREG_ARGS = ['-r', '-d', '1', '-w', '0', '-c', GPU_CLASS] as const;

/** The addon's facts → results, through the same interpretation as the text. */
export function interpretGpuFacts(facts: unknown): Array<GpuSample | ParseError> {
  return interpretFacts('gpu', facts, interpretGpu);
}

export function createGpuSource(opts: {
  intervalMs: number;
  ioregIntervalMs: number;
  native: NativeLoader;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}): PollSource {
  return createIokitSource<GpuSample>({
    name: 'gpu',
    className: GPU_CLASS,
    keys: GPU_KEYS,
    ioregArgs: GPU_IOREG_ARGS,
    intervalMs: opts.intervalMs,
    ioregIntervalMs: opts.ioregIntervalMs,
    native: opts.native,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    createParser: createGpuParser,
    interpret: interpretGpuFacts,
  });
}
