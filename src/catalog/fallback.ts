/**
 * One metric name from two sources, never both at once. An entry that declares `yieldsTo: 'X'`
 * (iostat's `system.disk.io` yields to `disks`; powermetrics' `hw.gpu.utilization` to `gpu`) is merged
 * with source X's entry of the same name into ONE catalog entry (one instrument, one doc row): at each
 * collection it reads X's points while X has a fresh sample (the store has already dropped a stale
 * one), else the yielding entry's points. So a series never comes from both, and the fallback takes
 * over by itself when X is disabled, unavailable or stale.
 *
 * The two must agree on instrument and unit (checked here, at load). The running totals of an
 * accumulated part keep running while it is not shown (src/catalog/accumulate.ts reads the parts).
 */
import type { CatalogEntry, FallbackMetric } from './types.ts';
import { isFallback } from './types.ts';

/** Merge each yielding entry into its primary; the merged entry takes the primary's place and source. */
export function mergeYielding(entries: readonly CatalogEntry[]): CatalogEntry[] {
  const yielding = entries.filter((e) => e.yieldsTo !== undefined);
  if (yielding.length === 0) return [...entries];
  const out: CatalogEntry[] = [];
  const used = new Set<CatalogEntry>();
  for (const e of entries) {
    if (e.yieldsTo !== undefined) {
      if (!entries.some((p) => p.name === e.name && p.source === e.yieldsTo))
        throw new Error(`catalog: ${e.source}'s ${e.name} yields to ${e.yieldsTo}, which has no ${e.name}`);
      continue;
    }
    const secondary = yielding.find((y) => y.name === e.name && y.yieldsTo === e.source);
    if (!secondary) {
      out.push(e);
      continue;
    }
    if (secondary.instrument !== e.instrument || secondary.unit !== e.unit)
      throw new Error(`catalog: ${e.name} from ${e.source} and ${secondary.source} differ in instrument or unit`);
    used.add(secondary);
    const merged: FallbackMetric & { source: string } = {
      name: e.name,
      unit: e.unit,
      instrument: e.instrument,
      description: `${e.description} Falls back to ${secondary.source} while ${e.source} has no fresh sample: ${secondary.description}`,
      attributes: [...new Set([...e.attributes, ...secondary.attributes])],
      source: e.source,
      fallback: { primary: e, secondary },
    };
    out.push(merged);
  }
  for (const y of yielding) if (!used.has(y)) throw new Error(`catalog: ${y.name} yields twice or to itself`);
  return out;
}

/** Every entry with merged ones split into their parts (the accumulator registers each part). */
export function catalogParts(catalog: readonly CatalogEntry[]): CatalogEntry[] {
  return catalog.flatMap((m) => (isFallback(m) ? [m.fallback.primary, m.fallback.secondary] : [m]));
}
