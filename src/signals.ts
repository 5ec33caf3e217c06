/**
 * Process signals for `run`, installed before anything slow happens: src/cli.ts calls
 * `processSignals()` before it even loads the run command, so no signal that arrives while modules
 * load, the configuration is read or the exporters and sources start falls through to Node's
 * default action (which terminates the process, SIGHUP included).
 *
 * - SIGTERM / SIGINT: the first one requests the stop (`stop` resolves with its name), whenever it
 *   arrives; during start-up the agent finishes starting, then stops at once, and the 5 s shutdown
 *   budget counts from the signal (`stopRequestedAt`). A second one while stopping exits at once (130).
 * - SIGHUP (reload the configuration):
 *   - while starting: queued — any number of them count as one reload, run as soon as the agent is up;
 *   - while running: reloads; SIGHUPs during a reload coalesce into one more reload after it;
 *   - while stopping (and until the process exits): ignored, with one log line.
 * Only the first `processSignals()` call installs handlers; later calls return the same object.
 */
import type { Logger } from './log.ts';

export type SignalPhase = 'starting' | 'running' | 'stopping';

export interface ProcessSignals {
  /** Resolves with the reason of the first stop request (a signal name, or `requestStop`'s reason). */
  readonly stop: Promise<string>;
  /** performance.now() of the first stop request, if any. */
  readonly stopRequestedAt: number | undefined;
  readonly phase: SignalPhase;
  /** Set once the logger exists; events before that are logged when it is set. */
  attach(log: Logger): void;
  /** The agent is up: run the queued reload (if a SIGHUP came during start-up) and reload on SIGHUP. */
  running(reload: () => Promise<unknown>): void;
  /** Resolves once no reload is in flight (the stop waits for it, within its deadline). */
  reloadsSettled(): Promise<void>;
  /** Stop for a reason other than a signal (log rotation). */
  requestStop(reason: string): void;
  /** Remove the handlers (tests). */
  dispose(): void;
}

let installed: ProcessSignals | undefined;

export function processSignals(): ProcessSignals {
  installed ??= createProcessSignals();
  return installed;
}

function createProcessSignals(): ProcessSignals {
  let phase: SignalPhase = 'starting';
  let log: Logger | undefined;
  let resolveStop!: (reason: string) => void;
  const stop = new Promise<string>((r) => (resolveStop = r));
  let stopRequestedAt: number | undefined;
  let queuedHup = 0;
  let ignoredHup = 0;
  let reload: (() => Promise<unknown>) | undefined;
  let reloading: Promise<unknown> | undefined;
  let again = false;

  const requestStop = (reason: string): void => {
    if (phase === 'stopping') return;
    phase = 'stopping';
    stopRequestedAt = performance.now();
    resolveStop(reason);
  };

  const runReload = (): void => {
    if (!reload || phase !== 'running') return;
    if (reloading) {
      again = true;
      return;
    }
    reloading = reload()
      .catch(() => undefined) // reloadConfig logs its own failures
      .finally(() => {
        reloading = undefined;
        if (again) {
          again = false;
          runReload();
        }
      });
  };

  const onTerm = (sig: NodeJS.Signals): void => {
    if (phase === 'stopping') {
      // A second signal while stopping ends the process at once.
      log?.warn('second stop signal: exiting now', { signal: sig });
      process.exit(130);
    }
    requestStop(sig);
  };
  const onHup = (): void => {
    if (phase === 'starting') queuedHup++;
    else if (phase === 'stopping') {
      if (ignoredHup++ === 0) log?.info('SIGHUP while stopping: ignored');
    } else runReload();
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onTerm);
  process.on('SIGHUP', onHup);

  return {
    stop,
    get stopRequestedAt() {
      return stopRequestedAt;
    },
    get phase() {
      return phase;
    },
    attach(l) {
      log = l;
      if (phase === 'stopping' && ignoredHup > 0) l.info('SIGHUP while stopping: ignored');
    },
    running(fn) {
      reload = fn;
      if (phase !== 'starting') return;
      phase = 'running';
      if (queuedHup > 0) {
        log?.info('SIGHUP arrived during start-up: reloading now', { signals: queuedHup });
        queuedHup = 0;
        runReload();
      }
    },
    async reloadsSettled() {
      while (reloading) await reloading;
    },
    requestStop,
    dispose() {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onTerm);
      process.off('SIGHUP', onHup);
      if (installed === this) installed = undefined;
    },
  };
}
