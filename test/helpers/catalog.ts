/**
 * Test helpers for the catalog: an entry by name, and its points for given samples — what one
 * collection would read (observed entries), what one sample adds (accumulated), or what the health
 * recorder says (the agent's own). Not a test file.
 */
import { Accumulator } from '../../src/catalog/accumulate.ts';
import { pointsOf } from '../../src/catalog/collect.ts';
import { catalogParts } from '../../src/catalog/fallback.ts';
import type { CatalogEntry, Point } from '../../src/catalog/types.ts';
import { isAccumulated } from '../../src/catalog/types.ts';
import { Health, type HealthView } from '../../src/health.ts';
import { CATALOG } from '../../src/registry.ts';
import type { BaseSample } from '../../src/samples.ts';

export function metric(name: string): CatalogEntry {
  const m = CATALOG.find((x) => x.name === name);
  if (!m) throw new Error(`no catalog entry ${name}`);
  return m;
}

/**
 * The points of `name` for these latest samples (by source name). An accumulated counter shows the
 * increments of its source's sample, added once.
 */
export function observe(name: string, latest: Readonly<Record<string, BaseSample>>, health: HealthView = new Health()): Point[] {
  const m = metric(name);
  const totals = new Accumulator(CATALOG);
  for (const part of catalogParts([m])) if (isAccumulated(part) && latest[part.source] !== undefined) totals.add(part.source, latest[part.source]!);
  return pointsOf(m, { latest: (s) => latest[s], health, totals });
}

/** Every entry's points for these samples, by metric name (accumulated entries: one sample added). */
export function observeAll(latest: Readonly<Record<string, BaseSample>>, health: HealthView = new Health()): Map<string, Point[]> {
  const totals = new Accumulator(CATALOG);
  for (const [source, s] of Object.entries(latest)) totals.add(source, s);
  const out = new Map<string, Point[]>();
  for (const m of CATALOG) out.set(m.name, pointsOf(m, { latest: (s) => latest[s], health, totals }));
  return out;
}
