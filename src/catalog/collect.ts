/**
 * Reading the catalog's points for one collection: each entry from its source's latest fresh sample,
 * from the running totals, or from the health recorder. The OTel instruments (src/export/instruments.ts)
 * call `observeEntry` with an emit bound to their instrument; tests and docs use `pointsOf`.
 */
import type { HealthView } from '../health.ts';
import type { BaseSample } from '../samples.ts';
import type { Accumulator } from './accumulate.ts';
import type { CatalogEntry, Emit, ObserveContext, Point } from './types.ts';
import { isAccumulated, isFallback, isHealthMetric } from './types.ts';

export interface CollectionInput extends ObserveContext {
  /** The latest fresh sample of a source (the store has already dropped stale ones). */
  latest(source: string): BaseSample | undefined;
  readonly health: HealthView;
  readonly totals: Accumulator;
}

export function observeEntry(m: CatalogEntry, input: CollectionInput, emit: Emit): void {
  if (isFallback(m)) {
    const { primary, secondary } = m.fallback;
    observeEntry(input.latest(primary.source) !== undefined ? primary : secondary, input, emit);
  } else if (isHealthMetric(m)) m.observeHealth(input.health, emit);
  else if (isAccumulated(m)) input.totals.each(m.name, emit);
  else {
    const s = input.latest(m.source);
    if (s !== undefined) m.observe(s, emit, input);
  }
}

/** Every point of one entry now, as a list (tests, docs, the series budget). */
export function pointsOf(m: CatalogEntry, input: CollectionInput): Point[] {
  const out: Point[] = [];
  observeEntry(m, input, (value, attributes) => out.push({ value, attributes }));
  return out;
}
