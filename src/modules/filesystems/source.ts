/**
 * The filesystems source, live: a poll (src/sources/poll.ts) whose read builds the facts JSON
 * (./facts.ts) and hands it to the same parser a replayed dump goes through, so a dump replays to
 * exactly the live sample.
 *
 * The mount table: getfsstat(2) with MNT_NOWAIT through the addon (native/fsstat.cc, raw entries;
 * UNVERIFIED, never run on a Mac), in-process at every read. Without the addon, `/sbin/mount` is run at
 * most every `mountListIntervalMs` (default 60 s, never under 10 s) and its table reused between runs.
 *
 * Sizes: always `fs.statfs` on each shown volume, never getfsstat's counters (with MNT_NOWAIT they may
 * be stale; MNT_WAIT can block on a dead network share). A statfs that has not answered after 5 s is
 * abandoned for that read and not started again for that mountpoint while it is still pending: a hung
 * share costs one libuv thread, never one per poll.
 */
import { statfs as fsStatfs } from 'node:fs/promises';
import type { Logger } from '../../log.ts';
import type { NativeLoader } from '../../sources/native.ts';
import { loadNative } from '../../sources/native.ts';
import type { PollRead, PollSource } from '../../sources/poll.ts';
import { commandReader, createPollSource } from '../../sources/poll.ts';
import { FACTS_FORMAT, readFacts } from './facts.ts';
import type { FsFacts, MountFact, StatfsCounters } from './facts.ts';
import { createFilesystemsParser } from './parser.ts';
import type { SelectConfig } from './select.ts';
import { dumpable, selectMounts } from './select.ts';

export const STATFS_TIMEOUT_MS = 5000;

export type StatfsFn = (path: string) => Promise<StatfsCounters>;

/** fs.statfs in bigint form, as counters (a count past 2^53 is refused). */
export const nodeStatfs: StatfsFn = async (path) => {
  const s = await fsStatfs(path, { bigint: true });
  const n = (v: bigint, what: string): number => {
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`statfs ${what} out of range: ${v}`);
    return Number(v);
  };
  return { bsize: n(s.bsize, 'bsize'), blocks: n(s.blocks, 'blocks'), bfree: n(s.bfree, 'bfree'), bavail: n(s.bavail, 'bavail') };
};

export interface FsReaderOptions {
  select: SelectConfig;
  mountListIntervalMs: number;
  /** The mount executable (default /sbin/mount, from src/sources/binaries.ts). */
  mountCommand: string;
  native?: NativeLoader;
  statfs?: StatfsFn;
  statfsTimeoutMs?: number;
  logger?: Logger;
  now?: () => number;
}

type MountTable = { mounts: MountFact[]; from: string } | { unavailable: string } | { failure: string };

/**
 * The reader behind the live source and `dump`: the mount table (addon, or a slow `mount` poll) and
 * statfs on the chosen mounts, with the hang guard. `read('shown')` statfs's the volumes the selection
 * shows; `read('all')` (dump) every local mount that is not a pseudo filesystem.
 */
export function createFsReader(opts: FsReaderOptions) {
  const statfs = opts.statfs ?? nodeStatfs;
  const timeoutMs = opts.statfsTimeoutMs ?? STATFS_TIMEOUT_MS;
  const now = opts.now ?? Date.now;
  const pending = new Map<string, Promise<unknown>>();
  let cached: { mounts: MountFact[]; at: number } | undefined;
  let mountRuns = 0;
  const runMount = commandReader(opts.mountCommand, [], { timeoutMs: 10_000 });

  async function mountTable(signal: AbortSignal): Promise<MountTable> {
    const addon = (opts.native ?? loadNative)().addon;
    if (addon?.getfsstat) {
      const r = addon.getfsstat();
      if (r.ok) return { from: 'getfsstat', mounts: r.mounts.map((e) => ({ device: e.from, mountpoint: e.on, type: e.type, flags: e.flags >>> 0 })) };
      opts.logger?.once('filesystems:getfsstat', 'warn', 'getfsstat failed; reading the mount table with mount', { reason: r.error ?? 'unknown' });
    }
    if (cached && now() - cached.at < opts.mountListIntervalMs) return { from: 'mount', mounts: cached.mounts };
    const r: PollRead = await runMount(signal);
    mountRuns++;
    if (r.unavailable !== undefined) return cached ? { from: 'mount', mounts: cached.mounts } : { unavailable: r.unavailable };
    const text = typeof r.stdout === 'string' ? r.stdout : Buffer.from(r.stdout ?? '').toString('utf8');
    const facts = r.failure === undefined ? readFacts(text, []) : undefined;
    if (!facts || facts.mounts.length === 0) {
      const why = r.failure ?? 'mount printed no mount table';
      if (cached) {
        opts.logger?.once('filesystems:mount-failed', 'warn', 'mount failed; the previous mount table is kept', { reason: why });
        return { from: 'mount', mounts: cached.mounts };
      }
      return { failure: why };
    }
    cached = { mounts: facts.mounts.map((m) => ({ device: m.device, mountpoint: m.mountpoint, ...(m.type !== undefined ? { type: m.type } : {}), ...(m.options ? { options: m.options } : {}) })), at: now() };
    return { from: 'mount', mounts: cached.mounts };
  }

  /** statfs with the hang guard: undefined when it failed, timed out, or is still pending from before. */
  async function guardedStatfs(path: string): Promise<StatfsCounters | undefined> {
    if (pending.has(path)) return undefined;
    const p = statfs(path);
    pending.set(path, p);
    const settled = p.then(
      (v) => v,
      (err: unknown) => {
        opts.logger?.once(`filesystems:statfs:${path}`, 'warn', 'statfs failed', { mountpoint: path, reason: (err as Error)?.message ?? String(err) });
        return undefined;
      },
    );
    void settled.finally(() => pending.delete(path));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((res) => {
      timer = setTimeout(() => res('timeout'), timeoutMs);
    });
    const r = await Promise.race([settled, timeout]);
    clearTimeout(timer);
    if (r === 'timeout') {
      opts.logger?.once(`filesystems:statfs-hang:${path}`, 'warn', 'statfs did not answer; abandoned until it does', { mountpoint: path, timeoutMs });
      return undefined;
    }
    return r;
  }

  async function read(which: 'shown' | 'all', signal: AbortSignal): Promise<{ facts: FsFacts } | { unavailable: string } | { failure: string }> {
    const t = await mountTable(signal);
    if (!('mounts' in t)) return t;
    const mounts = t.mounts.map((m) => ({ ...m }));
    const chosen = which === 'all' ? mounts.filter(dumpable) : selectMounts(mounts, opts.select).shown.map((c) => c.fact);
    const counters = await Promise.all(chosen.map((m) => guardedStatfs(m.mountpoint)));
    chosen.forEach((m, i) => {
      const c = counters[i];
      if (c) m.statfs = c;
    });
    return { facts: { format: FACTS_FORMAT, from: t.from, mounts } };
  }

  return {
    read,
    /** How many times `mount` ran (tests: the slow poll). */
    get mountRuns() {
      return mountRuns;
    },
    get pending() {
      return pending.size;
    },
  };
}

export interface FilesystemsSourceOptions extends FsReaderOptions {
  intervalMs: number;
  unavailableRetryMs?: number;
}

export function createFilesystemsSource(opts: FilesystemsSourceOptions): PollSource & { reader: ReturnType<typeof createFsReader> } {
  const reader = createFsReader(opts);
  const source = createPollSource({
    name: 'filesystems',
    intervalMs: opts.intervalMs,
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.unavailableRetryMs !== undefined ? { unavailableRetryMs: opts.unavailableRetryMs } : {}),
    createParser: () => createFilesystemsParser(opts.select),
    async read(signal) {
      const r = await reader.read('shown', signal);
      if ('facts' in r) return { stdout: JSON.stringify(r.facts) };
      return r;
    },
  });
  return Object.assign(source, { reader });
}
