/**
 * The sink side every runner shares (child, poll, replay): the source's current status, sent to
 * the sink only when it changes, and the delivery of results in order, where the first sample of
 * a run turns the status to `running`. A throwing sink never breaks the source: each kind of
 * throw is logged once.
 */
import type { Logger } from '../log.ts';
import type { BaseSample, ParseError } from '../samples.ts';
import type { SourceSink, SourceStatus } from './source.ts';

/** One run of a source (a child's lifetime, a poll, a replay): has it produced a sample yet? */
export interface RunFlag {
  gotSample: boolean;
}

export interface SinkRelay {
  /** The last status set (initially `stopped`). */
  readonly status: SourceStatus;
  /** Where results and status changes go; set at `start`. */
  sink: SourceSink | undefined;
  /** Record a status and send it, unless it equals the current one (same state and reason). */
  setStatus(s: SourceStatus): void;
  /**
   * Hand results to the sink in order. The first sample of `run` sets `running` (and calls
   * `onFirstSample` right after), before the sample itself is delivered.
   */
  deliver(results: Iterable<BaseSample | ParseError>, run: RunFlag, onFirstSample?: () => void): void;
}

export function createSinkRelay(name: string, log: Logger): SinkRelay {
  let status: SourceStatus = { state: 'stopped' };
  const relay: SinkRelay = {
    sink: undefined,
    get status() {
      return status;
    },
    setStatus(s) {
      if (s.state === status.state && s.reason === status.reason) return;
      status = s;
      try {
        relay.sink?.status(s);
      } catch (err) {
        log.once(`${name}:sink-status`, 'error', 'sink.status threw', { err: err as Error });
      }
    },
    deliver(results, run, onFirstSample) {
      for (const r of results) {
        if (r.type !== 'error' && !run.gotSample) {
          run.gotSample = true;
          relay.setStatus({ state: 'running' });
          onFirstSample?.();
        }
        try {
          relay.sink?.result(r);
        } catch (err) {
          log.once(`${name}:sink-result`, 'error', 'sink.result threw', { err: err as Error });
        }
      }
    },
  };
  return relay;
}
