/**
 * One snapshot from a set of sources: start them, keep the latest sample of each, and resolve
 * when every source has produced a usable sample, has given up (unavailable, or a replay that
 * finished), or the timeout passed; then stop them all. Used by `silicon-agent sample`.
 *
 * "Usable": any sample, except iostat's first row, which averages since boot — the snapshot waits
 * for an interval row and keeps the since-boot row only when nothing else came.
 */
import type { ParseError, Sample, SampleBySource, SourceName } from '../samples.ts';
import type { Source, SourceStatus } from './source.ts';

export interface Snapshot {
  latest: Partial<SampleBySource>;
  status: Partial<Record<SourceName, SourceStatus>>;
  /** Parse errors seen while waiting, in arrival order (at most 100). */
  errors: ParseError[];
  /** Sources that had nothing usable when the snapshot was taken. */
  missing: SourceName[];
  timedOut: boolean;
}

const MAX_ERRORS = 100;

function usable(s: Sample): boolean {
  return !(s.type === 'iostat' && s.sinceBoot);
}

export async function takeSnapshot(sources: readonly Source[], opts: { timeoutMs: number }): Promise<Snapshot> {
  const latest: Partial<Record<SourceName, Sample>> = {};
  const status: Partial<Record<SourceName, SourceStatus>> = {};
  const errors: ParseError[] = [];
  const done = new Set<SourceName>();
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const check = () => {
    if (done.size >= sources.length) finish();
  };

  for (const src of sources) {
    src.start({
      result(r) {
        if (r.type === 'error') {
          if (errors.length < MAX_ERRORS) errors.push(r);
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
  return { latest: latest as Partial<SampleBySource>, status: finalStatus, errors, missing, timedOut };
}
