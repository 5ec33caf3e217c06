/**
 * OTLP → Prometheus names, as the OpenTelemetry Collector's Prometheus exporters produce them
 * (translation strategy UnderscoreEscapingWithSuffixes; OTel spec "Prometheus and OpenMetrics
 * compatibility"; reference §6.2). The agent's own /metrics endpoint serves exactly these
 * names, so dashboards and alerts work the same whether data came through the collector or
 * was scraped from the agent.
 *
 * Rules, in order:
 *  1. split the OTel name into tokens on every character outside [A-Za-z0-9:] (this also
 *     collapses runs of `_`);
 *  2. unit `main/per`: the main unit maps to a word (Cel → celsius, W → watts, By → bytes, …;
 *     unknown units such as `rpm` are kept as they are; `1` and `{annotations}` give nothing)
 *     and is appended unless a token already equals it; a per unit becomes `per_<word>`;
 *  3. monotonic counters: drop any `total` token and append `total`;
 *  4. gauges with unit `1`: drop any `ratio` token and append `ratio`;
 *  5. join with `_`; a leading digit gets a `_` prefix.
 * Updowncounters are exposed as gauges and get no `_total`.
 */
import type { Instrument } from '../catalog/types.ts';

const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

const PER_UNIT_WORDS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

const INVALID_METRIC_CHAR = /[^A-Za-z0-9:]+/;
const INVALID_UNIT_CHAR = /[^A-Za-z0-9:]/g;

function cleanUnitWord(word: string): string {
  return word.replace(INVALID_UNIT_CHAR, '_').replace(/_+/g, '_').replace(/^_/, '').replace(/_$/, '');
}

/** The Prometheus unit words for a UCUM unit: [main, per] (either may be ''). */
export function unitWords(unit: string): [string, string] {
  const slash = unit.indexOf('/');
  const main = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const per = slash < 0 ? '' : unit.slice(slash + 1).trim();
  const mainWord = main !== '' && !/[{}]/.test(main) ? cleanUnitWord(UNIT_WORDS[main] ?? main) : '';
  const perWord = per !== '' && !/[{}]/.test(per) ? cleanUnitWord(PER_UNIT_WORDS[per] ?? per) : '';
  return [mainWord, perWord ? `per_${perWord}` : ''];
}

/** The Prometheus metric name the Collector gives an OTel metric. */
export function prometheusMetricName(name: string, unit: string, instrument: Instrument): string {
  let tokens = name.split(INVALID_METRIC_CHAR).filter((t) => t !== '');
  const [mainWord, perWord] = unitWords(unit);
  if (mainWord && !tokens.includes(mainWord)) tokens.push(mainWord);
  if (perWord && !tokens.includes(perWord)) tokens.push(perWord);
  if (instrument === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && instrument === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  const joined = tokens.join('_');
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/** The Prometheus label name for an OTel attribute key. */
export function prometheusLabelName(key: string): string {
  let out = key.replace(/[^A-Za-z0-9_]/g, '_');
  if (/^[0-9]/.test(out)) out = `key_${out}`;
  else if (out.startsWith('_') && !out.startsWith('__')) out = `key${out}`;
  return out;
}

/** Prometheus TYPE for an instrument: updowncounters are gauges (not monotonic). */
export function prometheusType(instrument: Instrument): 'gauge' | 'counter' {
  return instrument === 'counter' ? 'counter' : 'gauge';
}
