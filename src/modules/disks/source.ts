/**
 * disks as a Source: each `IOBlockStorageDriver`'s "Statistics" and its whole-disk IOMedia's name,
 * in-process through the addon (UNVERIFIED) or from `ioreg -r -d 2 -l -w 0 -c IOBlockStorageDriver`
 * every `ioregIntervalMs` (src/sources/iokit.ts).
 */
import type { Logger } from '../../log.ts';
import { interpretFacts } from '../../parsers/iokit-facts.ts';
import type { ParseError } from '../../samples.ts';
import { createIokitSource } from '../../sources/iokit.ts';
import type { NativeLoader } from '../../sources/native.ts';
import type { PollSource } from '../../sources/poll.ts';
import { createDisksParser, DISKS_CLASS, DRIVER_KEYS, interpretDisks, MEDIA_KEYS } from './parser.ts';
import type { DisksSample } from './sample.ts';

/**
 * The ioreg reading: the driver and one level below it (`-d 2`: its IOMedia), with properties (`-l`).
 * UNVERIFIED that `-d 2` with `-r` prints exactly the driver and its IOMedia on a Mac: the capture
 * used `-r -l -w 0` without `-d`, which prints the whole subtree (partitions, APFS containers too).
 */
export const DISKS_IOREG_ARGS = ['-r', '-d', '2', '-l', '-w', '0', '-c', DISKS_CLASS] as const;

export function interpretDisksFacts(facts: unknown): Array<DisksSample | ParseError> {
  return interpretFacts('disks', facts, interpretDisks);
}

export function createDisksSource(opts: {
  intervalMs: number;
  ioregIntervalMs: number;
  native: NativeLoader;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}): PollSource {
  return createIokitSource<DisksSample>({
    name: 'disks',
    className: DISKS_CLASS,
    keys: DRIVER_KEYS,
    childKeys: MEDIA_KEYS,
    ioregArgs: DISKS_IOREG_ARGS,
    intervalMs: opts.intervalMs,
    ioregIntervalMs: opts.ioregIntervalMs,
    native: opts.native,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    createParser: createDisksParser,
    interpret: interpretDisksFacts,
  });
}
