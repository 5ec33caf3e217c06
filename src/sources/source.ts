/**
 * The one source interface: I/O only. A source spawns or reads, feeds bytes to its parser and
 * hands every result to `emit`. It never interprets values (that is the parser's job) and never
 * exports (that is the catalog's). Live sources and replay sources implement the same interface.
 */
import type { BaseSample, ParseError } from '../samples.ts';

/** Why a source is or is not producing samples right now (bounded: it is reported per source). */
export const SOURCE_STATES = ['starting', 'running', 'restarting', 'unavailable', 'stopped'] as const;
export type SourceState = (typeof SOURCE_STATES)[number];

export interface SourceStatus {
  state: SourceState;
  /** One human sentence when unavailable or restarting (e.g. "powermetrics needs root"). */
  reason?: string;
}

export interface SourceSink {
  /** A parsed sample or a typed parse error, in the order the source produced them. */
  result(r: BaseSample | ParseError): void;
  /** State changes (start, child exit, unavailable). */
  status(s: SourceStatus): void;
}

export interface Source {
  readonly name: string;
  /**
   * The current sampling interval (it changes when the budget degrades the source). Staleness reads
   * it at each check: a value older than 3 intervals is stale.
   */
  readonly intervalMs: number;
  start(sink: SourceSink): void;
  /** Stop children and timers; resolves when everything is released. */
  stop(): Promise<void>;
  /** The pid of the child process this source runs now (for self-metering), if any. */
  readonly pid?: number | undefined;
  /**
   * Degrade to budget level `level` (0: as configured), following the ladder in ./budget-ladder.ts.
   * Sources without it (replays, in-process reads) are left as they are. Idempotent.
   */
  applyBudget?(level: number): Promise<void>;
}
