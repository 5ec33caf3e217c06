/**
 * The governor: an agent plugin (src/agent.ts AgentPlugin) that keeps the agent within its budget.
 * Every 10 s it meters the agent and its children (src/selfmeter.ts), feeds the measurement to the
 * budget state machine (src/budget.ts), records the level in the health recorder, and hands it to
 * every running source's `applyBudget` (the ladder each source follows is src/sources/budget-ladder.ts).
 * It knows no source by name: sources declare how they degrade.
 *
 * Applying is idempotent and survives a config reload: sources rebuilt by `agent.reload` get the
 * current level when the governor next applies it (each source remembers its configured cadence and
 * derives the degraded one from it). Sources without `applyBudget` (replays) are left alone. The store
 * reads each source's current interval at every freshness check, so staleness follows a degraded
 * cadence without any re-registration.
 */
import type { Agent, AgentPlugin } from './agent.ts';
import { createBudget, type Budget, type BudgetLimits, type BudgetTuning } from './budget.ts';
import type { Logger } from './log.ts';
import { createSelfMeter, type ChildProc, type ChildReader, type Measurement, type SelfMeter } from './selfmeter.ts';
import type { Source } from './sources/source.ts';

export interface GovernorOptions {
  log: Logger;
  intervalMs?: number;
  tuning?: BudgetTuning;
  readChildren?: ChildReader;
  /** Called after each measurement (tests, bench). */
  onMeasure?: (m: Measurement, level: number) => void;
}

export interface Governor extends AgentPlugin {
  readonly budget: Budget | undefined;
  readonly meter: SelfMeter | undefined;
}

export function createGovernor(opts: GovernorOptions): Governor {
  const log = opts.log.child({ component: 'budget' });
  /** The level each source object was last given. */
  const applied = new WeakMap<Source, number>();
  let agent: Agent | undefined;
  let budget: Budget | undefined;
  let meter: SelfMeter | undefined;
  let applying: Promise<void> = Promise.resolve();

  const limits = (a: Agent): BudgetLimits => ({ cpuPercent: a.config.budget.cpuPercent, rssMiB: a.config.budget.rssMiB });

  function children(): ChildProc[] {
    const out: ChildProc[] = [];
    for (const s of agent?.sources ?? []) {
      const pid = s.pid;
      if (typeof pid === 'number' && pid > 0) out.push({ kind: s.name, pid });
    }
    return out;
  }

  async function applyLevel(level: number): Promise<void> {
    for (const s of agent?.sources ?? []) {
      if (s.applyBudget === undefined || (applied.get(s) ?? 0) === level) continue;
      applied.set(s, level);
      try {
        await s.applyBudget(level);
        log.debug('source degraded for budget', { source: s.name, budgetLevel: level, intervalMs: s.intervalMs });
      } catch (err) {
        log.warn('could not apply the budget level to a source', { source: s.name, budgetLevel: level, error: err as Error });
      }
    }
  }

  function onMeasure(m: Measurement): void {
    const a = agent;
    if (!a || !budget) return;
    budget.setLimits(limits(a));
    budget.observe(m);
    const level = budget.level;
    a.health.budget(level);
    // Serialised: applying a level restarts a child, never two at once for the same source.
    applying = applying.then(() => applyLevel(level)).catch(() => undefined);
    opts.onMeasure?.(m, level);
  }

  return {
    name: 'governor',
    get budget() {
      return budget;
    },
    get meter() {
      return meter;
    },
    start(a) {
      agent = a;
      budget = createBudget(limits(a), log, opts.tuning);
      a.health.budget(0);
      meter = createSelfMeter({
        health: a.health,
        children,
        ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
        ...(opts.readChildren ? { readChildren: opts.readChildren } : {}),
        onMeasure,
      });
      meter.start();
    },
    async stop() {
      meter?.stop();
      await applying;
      agent = undefined;
    },
  };
}
