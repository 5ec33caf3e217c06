/**
 * The resource budget: a pure state machine that turns self-meter measurements (src/selfmeter.ts)
 * into a degradation level. What each level asks of a source is the ladder in
 * src/sources/budget-ladder.ts (each source applies it to itself). docs/budget.md is the user-facing
 * description; keep the three in step.
 *
 * Hysteresis, so it does not flap:
 * - step up one level after `upAfter` consecutive windows over budget (CPU % or RSS);
 * - step down one level after `downAfter` consecutive windows under `recoverRatio` × budget;
 * - the window right after a change is ignored (restarting powermetrics costs CPU itself);
 * - each time the agent has to step up again soon after stepping down, `downAfter` doubles (up to
 *   `maxDownAfter`), so a workload that sits right at the budget settles instead of oscillating.
 *
 * `step` is pure; `createBudget` wraps it with logging: one line per step (warn going up, info going
 * down), and one "back under budget" line when level 0 is reached again.
 */
import type { Logger } from './log.ts';
import type { Measurement } from './selfmeter.ts';
import { LEVEL_DESCRIPTIONS, MAX_LEVEL } from './sources/budget-ladder.ts';

export interface BudgetLimits {
  /** % of one core for the agent plus its children (config budget.cpuPercent, default 1). */
  cpuPercent: number;
  /** MiB of RSS for the agent plus its children (config budget.rssMiB, default 128). */
  rssMiB: number;
}

export interface BudgetTuning {
  upAfter: number;
  downAfter: number;
  maxDownAfter: number;
  recoverRatio: number;
}

export const DEFAULT_TUNING: BudgetTuning = { upAfter: 2, downAfter: 6, maxDownAfter: 48, recoverRatio: 0.7 };

export interface BudgetState {
  level: number;
  over: number; // consecutive windows over budget
  under: number; // consecutive windows comfortably under budget
  settle: boolean; // ignore the next window (a change was just applied)
  downAfter: number; // current recovery patience (grows on flapping)
  windowsSinceDown: number; // windows since the last step down (Infinity if none)
}

export function initialState(t: BudgetTuning = DEFAULT_TUNING): BudgetState {
  return { level: 0, over: 0, under: 0, settle: false, downAfter: t.downAfter, windowsSinceDown: Infinity };
}

export type BudgetVerdict = 'over' | 'ok' | 'under';

export function verdict(m: Pick<Measurement, 'cpuPercent' | 'rssBytes'>, b: BudgetLimits, t: BudgetTuning): BudgetVerdict {
  const rssMiB = m.rssBytes / 1048576;
  if (m.cpuPercent > b.cpuPercent || rssMiB > b.rssMiB) return 'over';
  if (m.cpuPercent <= b.cpuPercent * t.recoverRatio && rssMiB <= b.rssMiB * t.recoverRatio) return 'under';
  return 'ok';
}

export interface StepResult {
  state: BudgetState;
  /** +1 stepped up, −1 stepped down, 0 unchanged. */
  change: -1 | 0 | 1;
  verdict: BudgetVerdict;
}

/** One window: pure. A window with windowS 0 (the first reading) carries no CPU figure and is skipped. */
export function step(
  s: BudgetState,
  m: Pick<Measurement, 'cpuPercent' | 'rssBytes' | 'windowS'>,
  b: BudgetLimits,
  t: BudgetTuning = DEFAULT_TUNING,
): StepResult {
  const v = verdict(m, b, t);
  if (m.windowS <= 0) return { state: s, change: 0, verdict: v };
  const since = s.windowsSinceDown + 1;
  if (s.settle) return { state: { ...s, settle: false, over: 0, under: 0, windowsSinceDown: since }, change: 0, verdict: v };
  const over = v === 'over' ? s.over + 1 : 0;
  const under = v === 'under' ? s.under + 1 : 0;
  if (over >= t.upAfter && s.level < MAX_LEVEL) {
    // Stepping up again soon after a step down: be slower to recover next time.
    const flapped = since <= s.downAfter * 2;
    const downAfter = flapped ? Math.min(s.downAfter * 2, t.maxDownAfter) : s.downAfter;
    return {
      state: { level: s.level + 1, over: 0, under: 0, settle: true, downAfter, windowsSinceDown: since },
      change: 1,
      verdict: v,
    };
  }
  if (under >= s.downAfter && s.level > 0) {
    return {
      state: { level: s.level - 1, over: 0, under: 0, settle: true, downAfter: s.downAfter, windowsSinceDown: 0 },
      change: -1,
      verdict: v,
    };
  }
  return { state: { ...s, over, under, windowsSinceDown: since }, change: 0, verdict: v };
}

export interface Budget {
  readonly level: number;
  /** Feed one measurement; returns the new level when it changed, else undefined. */
  observe(m: Measurement): number | undefined;
  /** New limits (config reload); the level is kept and re-evaluated from the next window. */
  setLimits(b: BudgetLimits): void;
}

export function createBudget(limits: BudgetLimits, log: Logger, tuning: BudgetTuning = DEFAULT_TUNING): Budget {
  let state = initialState(tuning);
  let b = limits;
  return {
    get level() {
      return state.level;
    },
    setLimits(nb) {
      b = nb;
    },
    observe(m) {
      const r = step(state, m, b, tuning);
      state = r.state;
      if (r.change === 0) return undefined;
      const fields = {
        budgetLevel: state.level,
        action: LEVEL_DESCRIPTIONS[state.level],
        cpuPercent: Math.round(m.cpuPercent * 100) / 100,
        rssMiB: Math.round((m.rssBytes / 1048576) * 10) / 10,
        budgetCpuPercent: b.cpuPercent,
        budgetRssMiB: b.rssMiB,
      };
      if (r.change > 0) {
        // Each step is logged once; re-armed when the agent is back under budget.
        log.once(`budget.level.${state.level}`, 'warn', 'over budget: degrading', fields);
      } else if (state.level > 0) {
        log.info('budget: stepping back up one level', fields);
      } else {
        log.info('back under budget: full fidelity', fields);
        for (let l = 1; l <= MAX_LEVEL; l++) log.clearOnce(`budget.level.${l}`);
      }
      return state.level;
    },
  };
}
