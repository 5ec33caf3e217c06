/**
 * What every sample and every parse error has in common: the one contract between parsers (which
 * produce them) and everything downstream. Each source's own sample schema lives in its module
 * (src/modules/<name>/sample.ts); this file holds the shared parts and the value ranges they use.
 *
 * Units: inside the agent every value is in SI base units and its field name says which:
 * `powerW`, `energyJ`, `freqHz`, `bytes`, `ratio` (0..1), `S` for seconds, `celsius` for
 * temperatures (the one non-SI unit, because OTel's `hw.temperature` is in Cel).
 * Conversions from the tools' own units (mW, mJ, MHz, MiB, pages) happen in the parsers.
 *
 * Ranges: every schema states each field's real range with the helpers below (bytes, counts and
 * pages finite and ≥ 0, ratios within [0, 1], temperatures and powers finite). zod's `z.number()`
 * already refuses NaN and ±Infinity. The store checks every sample against its schema before it is
 * kept (src/store.ts), so an impossible value is dropped and counted, never exported.
 */
import { z } from 'zod';

/**
 * Every sample names its source in `type` (the discriminant). A parser that left values out of a
 * sample because they were implausible says how many, per reason, in `dropped` (the store counts them).
 */
export interface BaseSample {
  readonly type: string;
  readonly dropped?: Readonly<Partial<Record<DropReason, number>>>;
}

// ---------------------------------------------------------------------------------------------
// Ranges

/** A finite number ≥ 0: bytes, counts, pages, rates, frequencies, seconds. */
export const nonNegative = () => z.number().nonnegative();
/** A finite count ≥ 0 that is a whole number. */
export const count = () => z.number().int().nonnegative();
/** A ratio in [0, 1]. */
export const ratio = () => z.number().min(0).max(1);
/** A finite number of either sign (a temperature, a signed delta). */
export const finite = () => z.number();

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * Kinds of parse error. Bounded on purpose: they become a metric attribute
 * (`error.type`) and a log key, so a new kind is a code change, never free text.
 */
export const PARSE_ERROR_KINDS = [
  'empty', // no content at all where content was required
  'truncated', // a document or line cut off at the end of the stream
  'malformed', // syntax that is not what the tool prints (garbage, binary junk, bad XML)
  'missing_field', // a required key or column is absent
  'invalid_value', // present but not a usable number/enum (NaN, negative where impossible)
  'unknown_layout', // a header, cluster name or label shape never seen before and not mappable
  'too_large', // more input than the parser's own limit (a document, a line, a whole capture)
] as const;
export const ParseErrorKind = z.enum(PARSE_ERROR_KINDS);
export type ParseErrorKind = z.infer<typeof ParseErrorKind>;

export const ParseError = z.object({
  type: z.literal('error'),
  /** The source whose parser produced it. */
  source: z.string().min(1),
  kind: ParseErrorKind,
  message: z.string(),
  /** Where in the input: byte offset for streams, 1-based line for line formats. */
  offset: z.number().int().nonnegative().optional(),
  line: z.number().int().positive().optional(),
});
export type ParseError = z.infer<typeof ParseError>;

export function parseError(
  source: string,
  kind: ParseErrorKind,
  message: string,
  where: { offset?: number; line?: number } = {},
): ParseError {
  return { type: 'error', source, kind, message, ...where };
}

/** What a parser yields: a sample or a typed error, in input order. */
export type ParseResult<S extends BaseSample = BaseSample> = S | ParseError;

export function isParseError(r: BaseSample): r is ParseError {
  return r.type === 'error';
}

// ---------------------------------------------------------------------------------------------
// Dropped values

/**
 * Why a value was dropped before export (`silicon_agent.drop_reason`). Parsers (the SMC
 * interpretation), the plausibility filter and the store all write these; a new reason is a code change.
 */
export const DROP_REASONS = [
  'above_ceiling', // power above the chip class's ceiling (src/plausibility.ts)
  'negative', // negative power or energy
  'beyond_dvfs', // a frequency above the DVFS table printed in the same sample
  'implausible_temperature', // an SMC/HID reading outside the silicon range
  'undecodable', // an SMC key whose bytes do not decode as its type says
  'unknown_over_limit', // unknown SMC sensors past the export limit
  'stale', // a sample older than 3 intervals, dropped unexported
  'out_of_range', // a value outside its schema's range (the store's check)
  'over_limit', // filesystems: volumes past maxVolumes
] as const;
export type DropReason = (typeof DROP_REASONS)[number];
