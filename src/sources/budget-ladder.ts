/**
 * The budget ladder: what each degradation level asks of a source, by the source's weight. The
 * governor (src/governor.ts) only decides the level and hands it to every source's `applyBudget`;
 * each source applies the actions for its own weight. docs/budget.md describes the same ladder.
 *
 * Weights: a `heavy` source costs most of the agent's budget (powermetrics: a root child that
 * samples every CPU and the GPU); every other source is `light`. Levels are cumulative:
 *   0  full fidelity
 *   1  heavy sources sample half as often and shed their costliest detail (powermetrics: the tasks sampler)
 *   2  heavy sources shed their secondary detail (powermetrics: the ane_power and gpu_power samplers)
 *   3  light sources sample half as often
 */
export type SourceWeight = 'heavy' | 'light';

export const MAX_LEVEL = 3;

export const LEVEL_DESCRIPTIONS: readonly string[] = [
  'full fidelity',
  'heavy sources (powermetrics) sample half as often and shed their costliest detail (the tasks sampler)',
  'heavy sources shed secondary detail (powermetrics: the ane_power and gpu_power samplers)',
  'every other source samples half as often',
];

/** What a level asks of one source. */
export interface BudgetActions {
  /** Multiply the configured interval by this. */
  intervalFactor: number;
  /** Leave out the source's costliest detail (powermetrics: the tasks sampler); the first thing shed. */
  shedCostly: boolean;
  /** Leave out the source's secondary detail. */
  shedSecondary: boolean;
}

export function budgetActions(level: number, weight: SourceWeight): BudgetActions {
  if (weight === 'heavy') return { intervalFactor: level >= 1 ? 2 : 1, shedCostly: level >= 1, shedSecondary: level >= 2 };
  return { intervalFactor: level >= 3 ? 2 : 1, shedCostly: false, shedSecondary: false };
}
