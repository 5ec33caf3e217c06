/**
 * A polled Source (vm_stat, sysctl, and their replays): every interval, read one complete output,
 * feed it through a fresh StreamParser (push + end) and hand the results to the sink.
 *
 * Polls never pile up: the next poll is scheduled only after the current one finished, at the next
 * interval boundary on the wall clock at least half an interval away (./aligned.ts: polls of all
 * sources wake the process together), so a slow command delays the next poll instead of
 * overlapping it (logged once). The first poll runs at start. A command that does not exist is `unavailable` and is retried
 * only every `unavailableRetryMs` (default 60 s). stderr lines are logged once per distinct kind
 * (e.g. `sysctl: unknown oid 'hw.perflevel1'` on a chip without that level), never fatal.
 */
import type { execa as Execa } from 'execa';
import type { Logger } from '../log.ts';
import { createLogger } from '../log.ts';
import type { StreamParser } from '../parsers/parser.ts';
import type { BaseSample, ParseError } from '../samples.ts';
import { alignedDelay } from './aligned.ts';
import { budgetActions, type SourceWeight } from './budget-ladder.ts';
import { createSinkRelay } from './relay.ts';
import { createStderrKinds } from './stderr-kinds.ts';
import type { Source, SourceStatus } from './source.ts';

/** What one poll read. */
export interface PollRead {
  stdout?: string | Uint8Array;
  /** Raw facts read in-process (a native call), handed to `interpret` instead of a parser. */
  facts?: unknown;
  stderr?: string;
  /** The command can never run as configured (not found, not executable): one reason. */
  unavailable?: string;
  /** This poll failed (timeout, crash without output); the next poll tries again. */
  failure?: string;
}

export type PollReader = (signal: AbortSignal) => Promise<PollRead>;

/** What the parser of one poll may need: the seconds since the previous successful poll (energy integration). */
export interface PollContext {
  sincePreviousS?: number;
}

export interface PollSourceOptions<S extends BaseSample = BaseSample> {
  name: string;
  intervalMs: number;
  read: PollReader;
  createParser: (ctx: PollContext) => StreamParser<S>;
  /** Turns in-process facts (`PollRead.facts`) into results; default: none expected. */
  interpret?: (facts: unknown, ctx: PollContext) => Array<S | ParseError>;
  /** How the budget degrades it (./budget-ladder.ts); default light. Replays set `none`. */
  weight?: SourceWeight | 'none';
  logger?: Logger;
  /** Retry period while unavailable (default 60 000 ms). */
  unavailableRetryMs?: number;
  /** How loud "unavailable" is logged (once per reason): `warn` where running without the source is an expected state. Default error. */
  unavailableLevel?: 'warn' | 'error';
  /** Stop after this many polls (replay of a one-shot output without loop uses 1). */
  maxPolls?: number;
}

export interface PollSource extends Source {
  readonly status: SourceStatus;
  /** Completed polls. */
  readonly polls: number;
  reconfigure(change: { intervalMs?: number }): Promise<void>;
}

/**
 * Seconds since the previous successful read, for a reading's integration window: none for the first
 * read, and none after a gap longer than 3 intervals (sleep, a stalled read): one reading says nothing
 * about such a span, so it must not be charged for it.
 */
export function createSinceLast(intervalMs: () => number, now: () => number = () => performance.now()): () => number | undefined {
  let last: number | undefined;
  return () => {
    const t = now();
    const dt = last === undefined ? undefined : (t - last) / 1000;
    last = t;
    return dt !== undefined && dt > 0 && dt <= (3 * intervalMs()) / 1000 ? dt : undefined;
  };
}

/** Per-poll command timeout: the interval, kept within 2–10 s. */
export function pollTimeoutMs(intervalMs: number): number {
  return Math.min(10_000, Math.max(2000, intervalMs));
}

// execa is loaded at the first command run, not at import: replays use this module and spawn nothing.
let execaLoading: Promise<typeof Execa> | undefined;
const loadExeca = (): Promise<typeof Execa> => (execaLoading ??= import('execa').then((m) => m.execa));

/** A PollReader that runs a command once per poll (argument array, no shell, bounded output). */
export function commandReader(
  file: string,
  args: readonly string[],
  opts: { timeoutMs: number; env?: Record<string, string> },
): PollReader {
  return async (signal) => {
    const execa = await loadExeca();
    const r = await execa(file, [...args], {
      reject: false,
      stdin: 'ignore',
      cancelSignal: signal,
      timeout: opts.timeoutMs,
      maxBuffer: 1024 * 1024,
      stripFinalNewline: false,
      ...(opts.env ? { env: opts.env } : {}),
    });
    const code = (r as { code?: string }).code;
    if (code === 'ENOENT') return { unavailable: `${file}: command not found` };
    if (code === 'EACCES') return { unavailable: `${file}: not executable (permission denied)` };
    const stdout = typeof r.stdout === 'string' ? r.stdout : '';
    const stderr = typeof r.stderr === 'string' ? r.stderr : '';
    if (r.isCanceled) return { stdout: '', stderr: '' };
    if (r.timedOut) return { stderr, failure: `${file} timed out after ${opts.timeoutMs} ms` };
    if (r.isMaxBuffer) return { stderr, failure: `${file} printed more than 1 MiB` };
    // A non-zero exit with output is normal for sysctl asked for a name this Mac lacks: parse what came.
    if (r.failed && stdout.trim() === '') return { stderr, failure: `${file}: ${r.shortMessage ?? 'failed'}` };
    return { stdout, stderr };
  };
}

export function createPollSource<S extends BaseSample>(opts: PollSourceOptions<S>): PollSource {
  const log = (opts.logger ?? createLogger()).child({ source: opts.name });
  const retryMs = opts.unavailableRetryMs ?? 60_000;
  const baseIntervalMs = opts.intervalMs;
  let intervalMs = opts.intervalMs;
  const sinceLast = createSinceLast(() => intervalMs);
  const relay = createSinkRelay(opts.name, log);
  const setStatus = relay.setStatus;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let abort: AbortController | undefined;
  let polls = 0;
  const stderrKind = createStderrKinds();

  const logStderr = (stderr: string): void => {
    for (const raw of stderr.split('\n')) {
      const line = raw.trim().slice(0, 300);
      if (!line) continue;
      const verdict = stderrKind(line);
      if (verdict === 'full') {
        log.once(`${opts.name}:stderr-kinds`, 'warn', 'stderr: further distinct lines are not logged');
        return;
      }
      if (verdict === 'seen') continue;
      log.info('command stderr', { line });
    }
  };

  const pollOnce = async (): Promise<number> => {
    abort = new AbortController();
    let read: PollRead;
    try {
      read = await opts.read(abort.signal);
    } catch (err) {
      read = { failure: `read failed: ${(err as Error)?.message ?? String(err)}` };
    }
    if (stopped) return intervalMs;
    if (read.stderr) logStderr(read.stderr);
    if (read.unavailable !== undefined) {
      log.once(`${opts.name}:unavailable:${read.unavailable}`, opts.unavailableLevel ?? 'error', 'source unavailable', { reason: read.unavailable });
      setStatus({ state: 'unavailable', reason: read.unavailable });
      return retryMs;
    }
    if (read.failure !== undefined) {
      log.once(`${opts.name}:poll-failure:${read.failure.replace(/\d+/g, 'N')}`, 'warn', 'poll failed', {
        reason: read.failure,
      });
      setStatus({ state: 'restarting', reason: read.failure });
      return intervalMs;
    }
    const ctx: PollContext = {};
    const since = sinceLast();
    if (since !== undefined) ctx.sincePreviousS = since;
    if (read.facts !== undefined && opts.interpret) {
      relay.deliver(opts.interpret(read.facts, ctx), { gotSample: false });
      return intervalMs;
    }
    const parser = opts.createParser(ctx);
    relay.deliver([...parser.push(read.stdout ?? ''), ...parser.end()], { gotSample: false });
    return intervalMs;
  };

  const tick = (): void => {
    timer = undefined;
    if (stopped) return;
    const started = Date.now();
    const after = (nextMs: number): void => {
      inFlight = undefined;
      polls++;
      if (stopped) return;
      if (opts.maxPolls !== undefined && polls >= opts.maxPolls) {
        setStatus({ state: 'stopped', reason: 'replay finished' });
        return;
      }
      const now = Date.now();
      const elapsed = now - started;
      if (elapsed > intervalMs)
        log.once(`${opts.name}:slow-poll`, 'warn', 'a poll took longer than the interval; the next one waits', {
          elapsedMs: elapsed,
          intervalMs,
        });
      timer = setTimeout(tick, alignedDelay(nextMs, now));
    };
    inFlight = pollOnce()
      .catch((err: unknown) => {
        log.error('poll failed unexpectedly', { err: err as Error });
        return intervalMs;
      })
      .then(after);
  };

  const reconfigure = async (change: { intervalMs?: number }): Promise<void> => {
    if (change.intervalMs !== undefined) {
      if (!(change.intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${change.intervalMs}`);
      intervalMs = change.intervalMs;
    }
    // Takes effect at the next scheduling; a pending wait is shortened/lengthened now.
    if (timer && !stopped) {
      clearTimeout(timer);
      timer = setTimeout(tick, alignedDelay(intervalMs));
    }
  };
  const weight = opts.weight ?? 'light';

  const source: PollSource = {
    name: opts.name,
    get intervalMs() {
      return intervalMs;
    },
    get status() {
      return relay.status;
    },
    get polls() {
      return polls;
    },
    start(s) {
      if (!stopped) return;
      relay.sink = s;
      stopped = false;
      setStatus({ state: 'starting' });
      tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      abort?.abort();
      await inFlight;
      setStatus({ state: 'stopped' });
    },
    reconfigure,
  };
  if (weight !== 'none') {
    source.applyBudget = async (level) => {
      const want = baseIntervalMs * budgetActions(level, weight).intervalFactor;
      if (want !== intervalMs) await reconfigure({ intervalMs: want });
    };
  }
  return source;
}
