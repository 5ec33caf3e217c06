/**
 * The resource budget: a pure state machine that turns self-meter measurements (src/selfmeter.ts)
 * into a degradation level. What each level asks of a source is the ladder in
 * src/sources/budget-ladder.ts (each source applies it to itself). docs/budget.md is the user-facing
 * description; keep the three in step.
 *
 * It reacts to the agent's steady cost, not to a transient spike (issue 12: a burst of 1,000 scrapes
 * pushed RSS over the budget for two windows and shed powermetrics samplers for 5–10 minutes):
 * - with `window` set (the default, 5): step up one level only when a strict majority of the last
 *   `window` windows at the current level were over budget (CPU % or RSS); step down one level only
 *   when none of the last `downAfter` windows at this level was over and a strict majority of them
 *   were under. The windows of the previous level are forgotten after a change;
 * - RSS counts as under budget up to `rssRecoverRatio` (default 0.9) of its limit: memory a burst
 *   leaves behind is not given back by a Node process soon, and 70 % kept the level up for minutes;
 * - a tuning without `window` (and `rssRecoverRatio`) behaves as before: step up after `upAfter`
 *   consecutive windows over, down after `downAfter` consecutive windows under `recoverRatio`;
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
  /** Majority rule over this many windows at the current level (absent: consecutive windows, as before). */
  window?: number;
  /** RSS is under budget up to this ratio of its limit (absent: `recoverRatio`). */
  rssRecoverRatio?: number;
}

export const DEFAULT_TUNING: BudgetTuning = { upAfter: 2, downAfter: 6, maxDownAfter: 48, recoverRatio: 0.7, window: 5, rssRecoverRatio: 0.9 };

export interface BudgetState {
  level: number;
  over: number; // consecutive windows over budget
  under: number; // consecutive windows comfortably under budget
  settle: boolean; // ignore the next window (a change was just applied)
  downAfter: number; // current recovery patience (grows on flapping)
  windowsSinceDown: number; // windows since the last step down (Infinity if none)
  history: readonly BudgetVerdict[]; // verdicts at the current level, newest last (majority rule)
}

export function initialState(t: BudgetTuning = DEFAULT_TUNING): BudgetState {
  return { level: 0, over: 0, under: 0, settle: false, downAfter: t.downAfter, windowsSinceDown: Infinity, history: [] };
}

export type BudgetVerdict = 'over' | 'ok' | 'under';

export function verdict(m: Pick<Measurement, 'cpuPercent' | 'rssBytes'>, b: BudgetLimits, t: BudgetTuning): BudgetVerdict {
  const rssMiB = m.rssBytes / 1048576;
  if (m.cpuPercent > b.cpuPercent || rssMiB > b.rssMiB) return 'over';
  if (m.cpuPercent <= b.cpuPercent * t.recoverRatio && rssMiB <= b.rssMiB * (t.rssRecoverRatio ?? t.recoverRatio)) return 'under';
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
  if (s.settle) return { state: { ...s, settle: false, over: 0, under: 0, windowsSinceDown: since, history: [] }, change: 0, verdict: v };
  const over = v === 'over' ? s.over + 1 : 0;
  const under = v === 'under' ? s.under + 1 : 0;
  const history = t.window === undefined ? s.history : [...s.history, v].slice(-Math.max(t.window, t.maxDownAfter));
  const { up, down } = t.window === undefined ? { up: over >= t.upAfter, down: under >= s.downAfter } : majority(history, t.window, s.downAfter);
  if (up && s.level < MAX_LEVEL) {
    // Stepping up again soon after a step down: be slower to recover next time.
    const flapped = since <= s.downAfter * 2;
    const downAfter = flapped ? Math.min(s.downAfter * 2, t.maxDownAfter) : s.downAfter;
    return {
      state: { level: s.level + 1, over: 0, under: 0, settle: true, downAfter, windowsSinceDown: since, history: [] },
      change: 1,
      verdict: v,
    };
  }
  if (down && s.level > 0) {
    return {
      state: { level: s.level - 1, over: 0, under: 0, settle: true, downAfter: s.downAfter, windowsSinceDown: 0, history: [] },
      change: -1,
      verdict: v,
    };
  }
  return { state: { ...s, over, under, windowsSinceDown: since, history }, change: 0, verdict: v };
}

/** The majority rule: up when most of the last `window` windows were over; down when none of the
 *  last `downAfter` was over and most of them were under. Only windows at the current level count. */
function majority(history: readonly BudgetVerdict[], window: number, downAfter: number): { up: boolean; down: boolean } {
  const count = (xs: readonly BudgetVerdict[], v: BudgetVerdict): number => xs.filter((x) => x === v).length;
  const last = history.slice(-window);
  const up = count(last, 'over') * 2 > window;
  const recent = history.slice(-downAfter);
  const down = recent.length >= downAfter && count(recent, 'over') === 0 && count(recent, 'under') * 2 > downAfter;
  return { up, down };
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
