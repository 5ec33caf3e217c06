/**
 * A long-lived child process as a Source (powermetrics and iostat use it): spawn with execa and an
 * argument array (never a shell), stream stdout chunks into a fresh StreamParser per child, hand
 * every result to the sink, and supervise the child.
 *
 * Supervision (docs/child-processes.md):
 * - A child that exits, or hangs (no stdout for `hangIntervals` × interval; the first output of a run
 *   may take `startupGraceMs` longer), is killed and restarted
 *   after a full-jitter exponential backoff: delay = random() × min(capMs, baseMs × 2^attempt), never
 *   below minDelayMs. A child that produced samples and ran for `healthyMs` resets the attempt count.
 * - Every restart increments `restarts` (read it from the returned object; `onRestart` is also called)
 *   and reports `status({ state: 'restarting', reason })`.
 * - "Cannot run at all" (command not found, not executable, or a stderr line that `unavailableWhen`
 *   recognises, e.g. powermetrics' superuser message) reports `unavailable` with one reason and is
 *   retried only every `unavailableRetryMs` (default: the 60 s cap). These retries are not counted
 *   as restarts: `restarts` measures crashes and hangs of a child that could run.
 * - stderr lines are logged once per distinct kind (digits folded), at most 32 kinds per source,
 *   and are never fatal by themselves (powermetrics writes unrelated stderr lines, reference §1.1).
 * - `stop()` sends SIGTERM, SIGKILL after `graceMs` (execa's forceKillAfterDelay), clears every timer
 *   and resolves once the child is gone. execa runs with `reject: false`, so a non-zero exit is a
 *   value, never an unhandled rejection; `cleanup: true` kills the child if the agent itself exits.
 *
 * Memory is bounded: the parser bounds its own buffer, the stderr line buffer is capped at 4 KiB,
 * the set of logged stderr kinds at 32 entries.
 */
import type { execa as Execa, Result } from 'execa';
import type { Logger } from '../log.ts';
import { createLogger } from '../log.ts';
import type { StreamParser } from '../parsers/parser.ts';
import type { BaseSample, ParseError } from '../samples.ts';
import { budgetActions, type SourceWeight } from './budget-ladder.ts';
import { createSinkRelay } from './relay.ts';
import { createStderrKinds } from './stderr-kinds.ts';
import type { Source, SourceSink, SourceStatus } from './source.ts';

export interface ChildTiming {
  /** Ceiling of the first restart delay; doubles per attempt. */
  baseMs: number;
  /** Largest restart delay. */
  capMs: number;
  /** No restart delay is shorter than this (full jitter can draw 0). */
  minDelayMs: number;
  /** A child that produced a sample and lived this long resets the backoff. */
  healthyMs: number;
  /** SIGTERM → SIGKILL grace period. */
  graceMs: number;
  /** No stdout for this many intervals = hung. */
  hangIntervals: number;
  /** Extra time allowed before the first output of a run (process start, sudo). */
  startupGraceMs: number;
  /** How often an unavailable command is tried again. */
  unavailableRetryMs: number;
  /** Random source in [0, 1) for the jitter (injectable for tests). */
  random: () => number;
}

export const DEFAULT_CHILD_TIMING: ChildTiming = {
  baseMs: 1000,
  capMs: 60_000,
  minDelayMs: 100,
  healthyMs: 60_000,
  graceMs: 2000,
  hangIntervals: 3,
  startupGraceMs: 2000,
  unavailableRetryMs: 60_000,
  random: Math.random,
};

/** Full-jitter exponential backoff for restart number `attempt` (0-based). */
export function backoffDelay(attempt: number, t: Pick<ChildTiming, 'baseMs' | 'capMs' | 'minDelayMs' | 'random'>): number {
  const ceiling = Math.min(t.capMs, t.baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(t.minDelayMs, Math.min(t.capMs, Math.round(ceiling * t.random())));
}

export type ArgsSpec = readonly string[] | ((intervalMs: number) => readonly string[]);

export interface RestartInfo {
  restarts: number;
  delayMs: number;
  reason: string;
}

export interface ChildSourceOptions<S extends BaseSample = BaseSample> {
  name: string;
  intervalMs: number;
  /** Executable: an absolute path, or a bare name resolved through PATH. */
  file: string;
  /** Arguments, or a function of the interval (recomputed by `reconfigure({ intervalMs })`). */
  args: ArgsSpec;
  /** A fresh parser for each child run. */
  createParser: (intervalMs: number) => StreamParser<S>;
  /** Recognise a stderr line meaning "this can never run as configured"; returns the reason. */
  unavailableWhen?: (line: string) => string | undefined;
  timing?: Partial<ChildTiming>;
  logger?: Logger;
  /** Extra environment for the child (added to the agent's). */
  env?: Record<string, string>;
  onRestart?: (info: RestartInfo) => void;
  /** How the budget degrades it (./budget-ladder.ts): its interval only. Default light. */
  weight?: SourceWeight;
}

export interface ChildSource extends Source {
  /** Crash/hang restarts since creation (not reconfigures, not unavailable retries). */
  readonly restarts: number;
  /** pid of the running child, for self-metering; undefined between runs. */
  readonly pid: number | undefined;
  /** The command line the next (or current) child runs: [file, ...args]. */
  readonly commandLine: readonly string[];
  readonly status: SourceStatus;
  /** Restart the child with a new interval and/or arguments (no backoff, not counted as a restart). */
  reconfigure(change: { intervalMs?: number; args?: ArgsSpec }): Promise<void>;
  applyBudget(level: number): Promise<void>;
}

type KillReason = 'hang' | 'reconfigure' | 'stop';

interface Run {
  /** What the supervisor needs from the execa subprocess. */
  proc: { readonly pid?: number | undefined; kill(signal: NodeJS.Signals): boolean };
  parser: StreamParser;
  spawnedAt: number;
  gotSample: boolean;
  killReason?: KillReason;
  unavailable?: string;
  stderrTail: string;
  hangTimer?: NodeJS.Timeout;
  done: Promise<void>;
}

const MAX_STDERR_LINE = 4096;

// execa (~140 modules, 1.5–3.5 MiB of RSS measured) is loaded on the first spawn, not at import: a replay imports
// this module through the registry but never spawns anything.
let execaFn: typeof Execa | undefined;
let execaLoading: Promise<typeof Execa> | undefined;
function loadExeca(): Promise<typeof Execa> {
  return (execaLoading ??= import('execa').then((m) => (execaFn = m.execa)));
}

export function createChildSource<S extends BaseSample>(opts: ChildSourceOptions<S>): ChildSource {
  const timing: ChildTiming = { ...DEFAULT_CHILD_TIMING, ...opts.timing };
  const log = (opts.logger ?? createLogger()).child({ source: opts.name });
  const baseIntervalMs = opts.intervalMs;
  let intervalMs = opts.intervalMs;
  let argsSpec: ArgsSpec = opts.args;
  const relay = createSinkRelay(opts.name, log);
  const setStatus = relay.setStatus;
  let current: Run | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let stopped = true;
  let attempt = 0;
  let restarts = 0;
  const stderrKind = createStderrKinds();
  let unavailableKind: string | undefined;

  const args = (): string[] => [...(typeof argsSpec === 'function' ? argsSpec(intervalMs) : argsSpec)];

  const deliver = (run: Run, results: Array<BaseSample | ParseError>): void =>
    relay.deliver(results, run, () => {
      // Once running again, a later outage of the same kind is logged again.
      if (unavailableKind) log.clearOnce(unavailableKind);
      unavailableKind = undefined;
    });

  const onStderrLine = (run: Run, line: string): void => {
    const reason = opts.unavailableWhen?.(line);
    if (reason !== undefined) {
      run.unavailable ??= reason;
      return;
    }
    const verdict = stderrKind(line);
    if (verdict === 'full') log.once(`${opts.name}:stderr-kinds`, 'warn', 'child stderr: further distinct lines are not logged');
    if (verdict !== 'new') return;
    log.warn('child stderr', { line: line.slice(0, 300) });
  };

  const onStderr = (run: Run, chunk: Buffer): void => {
    let text = run.stderrTail + chunk.toString('utf8');
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      const line = text.slice(0, nl).trim();
      text = text.slice(nl + 1);
      if (line) onStderrLine(run, line);
    }
    // An endless line without a newline: judge the first 4 KiB and drop the rest.
    if (text.length > MAX_STDERR_LINE) {
      onStderrLine(run, text.slice(0, MAX_STDERR_LINE));
      text = '';
    }
    run.stderrTail = text;
  };

  const kill = (run: Run, why: KillReason): void => {
    run.killReason ??= why;
    run.proc.kill('SIGTERM');
  };

  let waitingForExeca = false;
  const spawnChild = (): void => {
    retryTimer = undefined;
    if (stopped) return;
    const execa = execaFn;
    if (execa === undefined) {
      // Only until the first child of the process is spawned: one spawn waits for the module.
      if (waitingForExeca) return;
      waitingForExeca = true;
      loadExeca().then(
        () => {
          waitingForExeca = false;
          spawnChild();
        },
        (err: unknown) => {
          waitingForExeca = false;
          log.error('cannot load execa; child not started', { error: err as Error });
          setStatus({ state: 'unavailable', reason: 'execa could not be loaded' });
        },
      );
      return;
    }
    const argv = args();
    const parser = opts.createParser(intervalMs);
    const proc = execa(opts.file, argv, {
      buffer: false,
      reject: false,
      stdin: 'ignore',
      cleanup: true,
      forceKillAfterDelay: timing.graceMs,
      ...(opts.env ? { env: opts.env } : {}),
    });
    let resolveDone!: () => void;
    const run: Run = {
      proc,
      parser,
      spawnedAt: Date.now(),
      gotSample: false,
      stderrTail: '',
      done: new Promise<void>((r) => (resolveDone = r)),
    };
    current = run;
    const hangMs = timing.hangIntervals * intervalMs;
    const onHang = () => {
      log.warn('child hung: no output, killing it', { silentMs: hangMs });
      kill(run, 'hang');
    };
    let sawOutput = false;
    run.hangTimer = setTimeout(onHang, hangMs + timing.startupGraceMs);
    proc.stdout?.on('data', (chunk: Buffer) => {
      if (sawOutput) run.hangTimer?.refresh();
      else {
        // From the first output on, the window is exactly hangIntervals × interval.
        sawOutput = true;
        clearTimeout(run.hangTimer);
        run.hangTimer = setTimeout(onHang, hangMs);
      }
      if (run.killReason) return;
      deliver(run, parser.push(chunk));
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      onStderr(run, chunk);
    });
    proc
      .then(
        (result) => onExit(run, result),
        // reject: false makes this unreachable; keep it so nothing can ever be unhandled.
        (err: unknown) => onExit(run, { failed: true, shortMessage: String(err) } as unknown as Result),
      )
      .catch((err: unknown) => log.error('child exit handling failed', { err: err as Error }))
      .finally(resolveDone);
  };

  const describeExit = (result: Result): string => {
    if (result.signal) return `killed by ${result.signal}`;
    if (result.exitCode !== undefined) return `exited with code ${result.exitCode}`;
    return result.shortMessage ?? 'exited';
  };

  const onExit = (run: Run, result: Result): void => {
    if (run.hangTimer) clearTimeout(run.hangTimer);
    if (current === run) current = undefined;
    if (run.stderrTail.trim()) onStderrLine(run, run.stderrTail.trim());
    if (run.killReason === 'stop' || stopped) return;
    if (run.killReason !== 'reconfigure') deliver(run, run.parser.end());

    const code = (result as { code?: string }).code;
    let unavailable: string | undefined;
    if (code === 'ENOENT') unavailable = `${opts.file}: command not found`;
    else if (code === 'EACCES') unavailable = `${opts.file}: not executable (permission denied)`;
    else if (run.unavailable) unavailable = run.unavailable;
    if (unavailable !== undefined) {
      unavailableKind = `${opts.name}:unavailable:${unavailable}`;
      log.once(unavailableKind, 'error', 'source unavailable', { reason: unavailable });
      setStatus({ state: 'unavailable', reason: unavailable });
      retryTimer = setTimeout(spawnChild, timing.unavailableRetryMs);
      return;
    }
    if (run.killReason === 'reconfigure') {
      spawnChild();
      return;
    }
    if (run.gotSample && Date.now() - run.spawnedAt >= timing.healthyMs) attempt = 0;
    const delayMs = backoffDelay(attempt, timing);
    attempt++;
    restarts++;
    const reason =
      run.killReason === 'hang'
        ? `no output for ${(timing.hangIntervals * intervalMs) / 1000} s; killed and restarting`
        : `${describeExit(result)}; restarting`;
    log.warn('child restart', { reason, restarts, delayMs });
    setStatus({ state: 'restarting', reason });
    try {
      opts.onRestart?.({ restarts, delayMs, reason });
    } catch (err) {
      log.once(`${opts.name}:onRestart`, 'error', 'onRestart threw', { err: err as Error });
    }
    retryTimer = setTimeout(spawnChild, delayMs);
  };

  const source: ChildSource = {
    name: opts.name,
    get intervalMs() {
      return intervalMs;
    },
    get restarts() {
      return restarts;
    },
    get pid() {
      return current?.proc.pid;
    },
    get commandLine() {
      return [opts.file, ...args()];
    },
    get status() {
      return relay.status;
    },
    start(s: SourceSink) {
      if (!stopped) return;
      relay.sink = s;
      stopped = false;
      attempt = 0;
      setStatus({ state: 'starting' });
      spawnChild();
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      const run = current;
      if (run) {
        kill(run, 'stop');
        await run.done;
      }
      setStatus({ state: 'stopped' });
    },
    async reconfigure(change) {
      if (change.intervalMs !== undefined) {
        if (!(change.intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${change.intervalMs}`);
        intervalMs = change.intervalMs;
      }
      if (change.args !== undefined) argsSpec = change.args;
      attempt = 0;
      if (stopped) return;
      const run = current;
      if (run) {
        kill(run, 'reconfigure');
        await run.done;
      } else if (retryTimer) {
        clearTimeout(retryTimer);
        spawnChild();
      }
    },
    async applyBudget(level) {
      const want = baseIntervalMs * budgetActions(level, opts.weight ?? 'light').intervalFactor;
      if (want !== intervalMs) await source.reconfigure({ intervalMs: want });
    },
  };
  return source;
}
