/**
 * The one parser interface. Parsers are pure: bytes or text in, typed samples or typed errors
 * out, no I/O, and they never throw (a thrown exception inside is caught and reported as a
 * `malformed` error by `safely`).
 *
 * Streams (powermetrics, iostat) keep framing state between `push` calls; one-shot outputs
 * (vm_stat, sysctl) buffer in `push` and parse in `end`. Either way a caller feeds chunks as
 * they arrive and calls `end` when the stream closes, so replay, live sources and the `parse`
 * command all share one code path.
 */
import type { BaseSample, ParseError, ParseResult } from '../samples.ts';
import { parseError } from '../samples.ts';

export interface StreamParser<S extends BaseSample = BaseSample> {
  readonly source: string;
  /** Feed the next chunk; returns every result completed by it, in input order. */
  push(chunk: Uint8Array | string): Array<S | ParseError>;
  /** The stream ended: flush what is held (an incomplete document becomes a `truncated` error). */
  end(): Array<S | ParseError>;
}

/** Run `fn`, turning any exception into a typed `malformed` error so a parser never throws. */
export function safely<S extends BaseSample>(
  source: string,
  fn: () => Array<S | ParseError>,
): Array<S | ParseError> {
  try {
    return fn();
  } catch (err) {
    return [parseError(source, 'malformed', `parser exception: ${(err as Error)?.message ?? String(err)}`)];
  }
}

/** Parse a whole capture at once through a stream parser. */
export function parseAll<S extends BaseSample>(parser: StreamParser<S>, input: Uint8Array | string): ParseResult<S>[] {
  return [...parser.push(input), ...parser.end()];
}
