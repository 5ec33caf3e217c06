/**
 * One snapshot from a set of sources: start them, keep the latest sample of each, and resolve
 * when every source has produced a usable sample, has given up (unavailable, or a replay that
 * finished), or the timeout passed; then stop them all. Used by `silicon-agent sample`.
 *
 * "Usable" is the caller's predicate (a module's `usable`, e.g. iostat's first row, which averages
 * since boot, is not): the snapshot waits for a usable sample and keeps an unusable one only when
 * nothing else came.
 */
import type { BaseSample, ParseError } from '../samples.ts';
import type { Source, SourceStatus } from './source.ts';

export interface Snapshot {
  latest: Partial<Record<string, BaseSample>>;
  status: Partial<Record<string, SourceStatus>>;
  /** Parse errors seen while waiting, in arrival order (at most 100). */
  errors: ParseError[];
  /** Sources that had nothing usable when the snapshot was taken. */
  missing: string[];
  timedOut: boolean;
}

const MAX_ERRORS = 100;

export async function takeSnapshot(
  sources: readonly Source[],
  opts: { timeoutMs: number; usable?: (s: BaseSample) => boolean },
): Promise<Snapshot> {
  const usable = opts.usable ?? (() => true);
  const latest: Partial<Record<string, BaseSample>> = {};
  const status: Partial<Record<string, SourceStatus>> = {};
  const errors: ParseError[] = [];
  const done = new Set<string>();
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const check = () => {
    if (done.size >= sources.length) finish();
  };

  for (const src of sources) {
    src.start({
      result(r) {
        if (r.type === 'error') {
          if (errors.length < MAX_ERRORS) errors.push(r as ParseError);
          return;
        }
        const prev = latest[src.name];
        if (!prev || usable(r) || !usable(prev)) latest[src.name] = r;
        if (usable(r)) {
          done.add(src.name);
          check();
        }
      },
      status(s) {
        status[src.name] = s;
        if (s.state === 'unavailable' || (s.state === 'stopped' && s.reason !== undefined)) {
          done.add(src.name);
          check();
        }
      },
    });
  }
  check();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    finished.then(() => false),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(true), opts.timeoutMs))),
  ]);
  clearTimeout(timer);
  // Final status before stop() overwrites it with 'stopped'.
  const finalStatus = { ...status };
  await Promise.all(sources.map((s) => s.stop()));
  const missing = sources.map((s) => s.name).filter((n) => latest[n] === undefined || !usable(latest[n]!));
  return { latest, status: finalStatus, errors, missing, timedOut };
}
