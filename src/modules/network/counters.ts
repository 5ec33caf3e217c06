/**
 * From since-boot counters to what the agent's counters add (pure, stateful per tracker).
 *
 * - At the first sight of an interface its since-boot counts are added (the counter starts there).
 * - After that each reading adds its increase. A counter never goes down: an interface reset (any
 *   64-bit counter lower than before, or a new index under the same name: the interface was
 *   detached and attached again) adds the new counts as they stand.
 * - The send-queue drop count is 32-bit: lower without a reset is a wrap (adds up to 2^32 - 1).
 * - At most `maxInterfaces` distinct names over the tracker's life: the SDK keeps exporting every
 *   series it has seen, so the cap must hold for the agent's whole life, not per sample. Names are
 *   admitted in the sample's order (physical first) and, once admitted, always counted; later names
 *   past the cap are never counted (`capped` says how many were refused).
 */
import type { NetworkInterface, NetworkSample } from './sample.ts';
import { UINT32_LIMIT } from './sample.ts';

export const COUNTER_FIELDS = ['rxBytes', 'txBytes', 'rxPackets', 'txPackets', 'rxErrors', 'txErrors', 'rxDropped', 'txDropped'] as const;
export type CounterField = (typeof COUNTER_FIELDS)[number];
export type Increments = { name: string } & Partial<Record<CounterField, number>>;

const WIDE = ['rxBytes', 'txBytes', 'rxPackets', 'txPackets', 'rxErrors', 'txErrors', 'rxDropped'] as const;

export interface CounterTracker {
  /** What this sample adds, per interface (in sample order). */
  add(sample: NetworkSample): Increments[];
  /** Names refused because the cap was reached. */
  readonly capped: number;
  readonly names: ReadonlySet<string>;
}

export function createCounterTracker(): CounterTracker {
  const last = new Map<string, NetworkInterface>();
  const names = new Set<string>();
  const refused = new Set<string>();
  return {
    get capped() {
      return refused.size;
    },
    names,
    add(sample) {
      const out: Increments[] = [];
      for (const x of sample.interfaces) {
        if (!names.has(x.name)) {
          if (names.size >= sample.maxInterfaces) {
            refused.add(x.name);
            continue;
          }
          names.add(x.name);
        }
        const prev = last.get(x.name);
        last.set(x.name, x);
        const inc: Increments = { name: x.name };
        const reset =
          prev !== undefined &&
          ((prev.index !== undefined && x.index !== undefined && prev.index !== x.index) ||
            WIDE.some((f) => prev[f] !== undefined && x[f] !== undefined && x[f] < prev[f]));
        for (const f of COUNTER_FIELDS) {
          const now = x[f];
          if (now === undefined) continue;
          const before = prev?.[f];
          if (prev === undefined || before === undefined || reset) inc[f] = now;
          else if (now >= before) inc[f] = now - before;
          else if (f === 'txDropped') inc[f] = now + UINT32_LIMIT - before;
          else inc[f] = now;
        }
        out.push(inc);
      }
      return out;
    },
  };
}
