/**
 * The one source interface: I/O only. A source spawns or reads, feeds bytes to its parser and
 * hands every result to `emit`. It never interprets values (that is the parser's job) and never
 * exports (that is the catalog's). Live sources and replay sources implement the same interface.
 */
import type { ParseError, Sample, SourceName } from '../samples.ts';

/** Why a source is not producing samples right now; bounded, it becomes a metric attribute. */
export type SourceState = 'starting' | 'running' | 'restarting' | 'unavailable' | 'stopped';

export interface SourceStatus {
  state: SourceState;
  /** One human sentence when unavailable or restarting (e.g. "powermetrics needs root"). */
  reason?: string;
}

export interface SourceSink {
  /** A parsed sample or a typed parse error, in the order the source produced them. */
  result(r: Sample | ParseError): void;
  /** State changes (start, child exit, unavailable). */
  status(s: SourceStatus): void;
}

export interface Source {
  readonly name: SourceName;
  /** The nominal sampling interval, used for staleness (a value older than 3 intervals is stale). */
  readonly intervalMs: number;
  start(sink: SourceSink): void;
  /** Stop children and timers; resolves when everything is released. */
  stop(): Promise<void>;
}
