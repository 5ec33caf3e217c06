/**
 * The running totals of the accumulated counters (energy per window, bytes per interval): each
 * accepted sample adds its increments, per metric and attribute set. The store hands it every
 * accepted sample (src/agent.ts wires `store.onSample`); the collection reads the totals.
 *
 * A counter never goes down: a negative or non-finite increment is ignored (the store's schema
 * check and the plausibility filter should already have dropped it, and counted it).
 */
import type { BaseSample } from '../samples.ts';
import type { AccumulatedMetric, AccumulatorMemory, Attributes, CatalogEntry, Emit } from './types.ts';
import { catalogParts } from './fallback.ts';
import { isAccumulated } from './types.ts';

interface Total {
  attributes: Attributes;
  value: number;
}

/** The keys of an attribute set, sorted. */
export function sortedKeys(a: object): string[] {
  const keys = Object.keys(a);
  // Sorted in place (an attribute set has a handful of keys): Array#sort would copy them first.
  for (let i = 1; i < keys.length; i++) {
    const x = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > x; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = x;
  }
  return keys;
}

/** Canonical key of an attribute set (sorted keys). */
export function attributesKey(a: Attributes): string {
  const keys = sortedKeys(a);
  let k = '';
  for (let i = 0; i < keys.length; i++) k += `${keys[i]}\u0000${a[keys[i]!]}\u0001`;
  return k;
}

export class Accumulator {
  /** The accumulated counters of each source, in catalog order. */
  private readonly bySource = new Map<string, AccumulatedMetric[]>();
  private readonly sums = new Map<string, Map<string, Total>>();
  /** Each metric's own memory between samples (AccumulatorMemory). */
  private readonly memory = new Map<string, AccumulatorMemory>();

  constructor(catalog: readonly CatalogEntry[]) {
    for (const m of catalogParts(catalog)) {
      if (!isAccumulated(m)) continue;
      const list = this.bySource.get(m.source) ?? [];
      list.push(m);
      this.bySource.set(m.source, list);
    }
  }

  /** Add one accepted sample's increments. */
  add(source: string, sample: BaseSample): void {
    const metrics = this.bySource.get(source);
    if (metrics === undefined) return;
    for (let i = 0; i < metrics.length; i++) {
      const m = metrics[i]!;
      let sums = this.sums.get(m.name);
      if (!sums) this.sums.set(m.name, (sums = new Map()));
      const into = sums;
      let memory = this.memory.get(m.name);
      if (!memory) this.memory.set(m.name, (memory = {}));
      m.accumulate(sample, (value, attributes) => {
        if (!Number.isFinite(value) || value < 0) return;
        const key = attributesKey(attributes);
        const t = into.get(key);
        if (t) t.value += value;
        else into.set(key, { attributes: { ...attributes }, value });
      }, memory);
    }
  }

  /** The running totals of one accumulated counter, per attribute set. */
  each(metric: string, emit: Emit): void {
    const sums = this.sums.get(metric);
    if (sums) for (const t of sums.values()) emit(t.value, t.attributes);
  }
}
