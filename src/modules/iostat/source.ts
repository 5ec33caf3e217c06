/**
 * iostat as a Source: ONE long-lived `/usr/sbin/iostat -d -n 16 -w <s>` child (devices only, a row
 * every s seconds, forever), parsed by the iostat stream parser, supervised by the child runner.
 *
 * `-w` takes whole seconds ≥ 1 (reference §2), so the interval is rounded to seconds, at least 1;
 * every interval row carries that as `intervalS`. The first row is since boot (`sinceBoot: true`,
 * set by the parser). Each restart starts a new iostat, so its first row is since boot again.
 * With `-d` and no device list iostat shows at most 4 devices by default; a Mac Studio may have more
 * (internal SSD, Thunderbolt/USB drives), so `-n 16` asks for iostat's own maximum (reference §2).
 */
import type { Logger } from '../../log.ts';
import { createIostatParser } from './parser.ts';
import type { ChildSource, ChildTiming, RestartInfo } from '../../sources/child.ts';
import { createChildSource } from '../../sources/child.ts';
import { binary } from '../../sources/binaries.ts';

/** iostat's `-w` seconds for an interval in ms. */
export function iostatSeconds(intervalMs: number): number {
  return Math.max(1, Math.round(intervalMs / 1000));
}

export function iostatArgs(intervalMs: number): string[] {
  return ['-d', '-n', '16', '-w', String(iostatSeconds(intervalMs))];
}

export interface IostatSourceOptions {
  intervalMs: number;
  command?: string;
  logger?: Logger;
  timing?: Partial<ChildTiming>;
  onRestart?: (info: RestartInfo) => void;
}

export function createIostatSource(opts: IostatSourceOptions): ChildSource {
  return createChildSource({
    name: 'iostat',
    // The real period is whole seconds; staleness and hang detection use it.
    intervalMs: iostatSeconds(opts.intervalMs) * 1000,
    file: binary('iostat', opts.command),
    args: iostatArgs,
    createParser: (ms) => createIostatParser({ intervalS: iostatSeconds(ms) }),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.timing ? { timing: opts.timing } : {}),
    ...(opts.onRestart ? { onRestart: opts.onRestart } : {}),
  });
}
