import t from 'tap';
import {
  DEFAULT_TUNING,
  createBudget,
  initialState,
  step,
  type BudgetLimits,
  type BudgetState,
  type BudgetTuning,
} from '../../src/budget.ts';
import { memoryLogger } from '../../src/log.ts';
import { budgetedRun } from '../../src/modules/powermetrics/source.ts';
import { budgetActions, MAX_LEVEL } from '../../src/sources/budget-ladder.ts';
import type { Measurement } from '../../src/selfmeter.ts';

const LIMITS: BudgetLimits = { cpuPercent: 1, rssMiB: 128 };
const MiB = 1048576;
const m = (cpuPercent: number, rssMiB = 60): Measurement => ({
  windowS: 10,
  cpuPercent,
  rssBytes: rssMiB * MiB,
  agentCpuPercent: cpuPercent,
  agentRssBytes: rssMiB * MiB,
});

/**
 * The tuning before issue 12 (no `window`, no `rssRecoverRatio`): consecutive windows. The tests below
 * that use it show such a tuning still behaves exactly as before; the majority rule of the default
 * tuning has its own tests at the end of this file.
 */
const CONSECUTIVE: BudgetTuning = { upAfter: 2, downAfter: 6, maxDownAfter: 48, recoverRatio: 0.7 };

function run(series: Measurement[], s: BudgetState = initialState(), tuning: BudgetTuning = CONSECUTIVE): { levels: number[]; state: BudgetState } {
  const levels: number[] = [];
  for (const x of series) {
    s = step(s, x, LIMITS, tuning).state;
    levels.push(s.level);
  }
  return { levels, state: s };
}

t.test('the ladder is cumulative and in the documented order, for each weight', async (t) => {
  t.same([0, 1, 2, 3].map((l) => budgetActions(l, 'heavy')), [
    { intervalFactor: 1, shedCostly: false, shedSecondary: false },
    { intervalFactor: 2, shedCostly: true, shedSecondary: false },
    { intervalFactor: 2, shedCostly: true, shedSecondary: true },
    { intervalFactor: 2, shedCostly: true, shedSecondary: true },
  ]);
  t.same([0, 1, 2, 3].map((l) => budgetActions(l, 'light').intervalFactor), [1, 1, 1, 2]);
  t.equal(MAX_LEVEL, 3);
  // powermetrics (heavy) at each level, from 1 s and all four samplers
  const all = ['cpu_power', 'gpu_power', 'ane_power', 'thermal'];
  t.same([0, 1, 2, 3].map((l) => budgetedRun(l, 1000, all)), [
    { intervalMs: 1000, samplers: all },
    { intervalMs: 2000, samplers: all },
    { intervalMs: 2000, samplers: ['cpu_power', 'thermal'] },
    { intervalMs: 2000, samplers: ['cpu_power', 'thermal'] },
  ]);
  t.same(budgetedRun(2, 1000, ['gpu_power']).samplers, ['gpu_power'], 'never an empty sampler list');
  // With tasks on, tasks is the first thing shed (level 1), before ane_power and gpu_power (level 2).
  const withTasks = [...all, 'tasks'];
  t.same([0, 1, 2, 3].map((l) => budgetedRun(l, 1000, withTasks).samplers), [withTasks, all, ['cpu_power', 'thermal'], ['cpu_power', 'thermal']]);
});

t.test('a single spike does not degrade; two windows over do', async (t) => {
  t.same(run([m(0.2), m(5), m(0.2), m(0.2)]).levels, [0, 0, 0, 0]);
  t.same(run([m(0.2), m(5), m(5)]).levels, [0, 0, 1]);
});

t.test('the first reading (windowS 0) carries no CPU figure and is ignored', async (t) => {
  const s = step(initialState(), { ...m(99), windowS: 0 }, LIMITS, CONSECUTIVE);
  t.equal(s.change, 0);
  t.same(s.state, initialState());
});

t.test('sustained overload climbs one level at a time, settling a window after each change, up to the max', async (t) => {
  const { levels } = run(Array.from({ length: 14 }, () => m(3)));
  // over,over→1, settle, over,over→2, settle, over,over→3, then stays at 3
  t.same(levels, [0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3]);
});

t.test('RSS over budget degrades too', async (t) => {
  t.same(run([m(0.1, 200), m(0.1, 200)]).levels, [0, 1]);
});

t.test('recovery needs downAfter windows under 70 % of the budget; "ok" windows (between 70 % and 100 %) hold the level', async (t) => {
  let { state } = run([m(5), m(5), m(0.1)]); // level 1, settle consumed
  t.equal(state.level, 1);
  ({ state } = run(Array.from({ length: 20 }, () => m(0.8)), state)); // 80 %: not over, not comfortably under
  t.equal(state.level, 1, 'stays degraded while near the budget');
  const r = run(Array.from({ length: DEFAULT_TUNING.downAfter }, () => m(0.5)), state);
  t.same(r.levels, [1, 1, 1, 1, 1, 0]);
  t.equal(r.state.level, 0);
});

t.test('flapping: stepping up soon after a recovery doubles the recovery patience', async (t) => {
  let { state } = run([m(5), m(5), m(0.1)]);
  ({ state } = run(Array.from({ length: 6 }, () => m(0.1)), state));
  t.equal(state.level, 0);
  ({ state } = run([m(0.1), m(5), m(5)], state)); // settle, over, over → 1 again, quickly
  t.equal(state.level, 1);
  t.equal(state.downAfter, 12);
  const r = run(Array.from({ length: 12 }, () => m(0.1)), state); // settle + 11 under: not yet
  t.equal(r.state.level, 1);
  t.equal(run([m(0.1)], r.state).state.level, 0, 'recovers after 12 windows under');
});

t.test('createBudget logs each step once and recovery once, and returns the level only on change', async (t) => {
  const log = memoryLogger();
  const b = createBudget(LIMITS, log, CONSECUTIVE);
  const changes: Array<number> = [];
  const feed = (x: Measurement) => {
    const level = b.observe(x);
    if (level !== undefined) changes.push(level);
  };
  for (let i = 0; i < 10; i++) feed(m(3));
  t.same(changes, [1, 2, 3]);
  t.equal(b.level, 3);
  for (let i = 0; i < 40; i++) feed(m(0.1));
  t.same(changes, [1, 2, 3, 2, 1, 0]);
  const warns = log.lines.filter((l) => l.level === 'warn');
  t.same(warns.map((l) => l.level === 'warn' && l.kind), ['budget.level.1', 'budget.level.2', 'budget.level.3']);
  t.equal(warns[0]!.cpuPercent, 3);
  t.equal(log.lines.filter((l) => l.msg === 'back under budget: full fidelity').length, 1);
  // After recovery the step messages are re-armed.
  for (let i = 0; i < 2; i++) feed(m(3));
  feed(m(3));
  t.equal(log.lines.filter((l) => l.kind === 'budget.level.1').length, 2);
});

// ---- the default tuning: a strict majority of the last 5 windows at the current level (issue 12) ----

t.test('default tuning: the scrape burst of issue 12 does not move the level', async (t) => {
  // Issue 12's figures: 1,000 scrapes in 6 s pushed RSS from 77 to 130 MiB (over the 128 MiB budget)
  // for up to two 10 s windows, and the process kept about 100 MiB afterwards.
  const burst = [m(0.4, 77), m(0.4, 77), m(0.9, 130), m(0.6, 129), m(0.4, 100), m(0.4, 100), m(0.4, 100), m(0.4, 100)];
  t.same(run(burst, initialState(), CONSECUTIVE).levels, [0, 0, 0, 1, 1, 1, 1, 1], 'before: two windows over shed powermetrics work');
  const before = run([...burst, ...Array.from({ length: 60 }, () => m(0.4, 100))], initialState(), CONSECUTIVE);
  t.equal(before.state.level, 1, 'and 100 MiB (over 70 % of 128) never counted as under: level 1 for good');
  t.same(run(burst, initialState(), DEFAULT_TUNING).levels, [0, 0, 0, 0, 0, 0, 0, 0], 'now: 2 of 5 windows over is no majority');
  t.equal(DEFAULT_TUNING.window, 5);
  t.equal(DEFAULT_TUNING.rssRecoverRatio, 0.9);
});

t.test('default tuning: a steady cost over budget still degrades, one level per majority', async (t) => {
  const { levels } = run(Array.from({ length: 14 }, () => m(3)), initialState(), DEFAULT_TUNING);
  // over×3 → 1, settle, over×3 → 2, settle, over×3 → 3
  t.same(levels, [0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  t.same(run([m(0.1, 140), m(0.1, 50), m(0.1, 140), m(0.1, 50), m(0.1, 140)], initialState(), DEFAULT_TUNING).levels, [0, 0, 0, 0, 1], '3 of 5 over, not consecutive: degrades');
});

t.test('default tuning: the previous level\'s windows are forgotten after a change', async (t) => {
  let { state } = run([m(3), m(3), m(3)], initialState(), DEFAULT_TUNING);
  t.equal(state.level, 1);
  t.same(state.history, []);
  ({ state } = run([m(0.1), m(3), m(3)], state, DEFAULT_TUNING)); // settle, then only 2 over at level 1
  t.equal(state.level, 1, 'the 3 overs of level 0 do not count at level 1');
  t.equal(run([m(3)], state, DEFAULT_TUNING).state.level, 2, 'a third over at this level does');
});

t.test('default tuning: recovery needs no over and a majority under in the last downAfter windows; RSS under up to 90 %', async (t) => {
  let { state } = run([m(3), m(3), m(3), m(0.1)], initialState(), DEFAULT_TUNING); // level 1, settle consumed
  t.equal(state.level, 1);
  ({ state } = run(Array.from({ length: 20 }, (_, i) => (i % 2 ? m(0.5, 115) : m(0.8, 100))), state, DEFAULT_TUNING));
  t.equal(state.level, 1, 'half "ok" (80 % CPU), half under: no majority, level held');
  ({ state } = run(Array.from({ length: 6 }, () => m(0.8)), state, DEFAULT_TUNING));
  const r = run([m(0.5, 115), m(0.5, 115), m(0.8), m(0.5, 115), m(0.5, 115), m(0.5, 115)], state, DEFAULT_TUNING);
  t.same(r.levels, [1, 1, 1, 1, 0, 0], '115 MiB (90 % of 128 is 115.2) counts as under; 4 of the last 6 under and none over → down');
  const withOver = run([m(5), m(0.5), m(0.5), m(0.5), m(0.5), m(0.5)], state, DEFAULT_TUNING);
  t.equal(withOver.state.level, 1, 'one over among the last 6: not yet');
  t.equal(run([m(0.5)], withOver.state, DEFAULT_TUNING).state.level, 0, 'once it has left the last 6: down');
});
