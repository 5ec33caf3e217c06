/**
 * The governor: an agent plugin (src/agent.ts AgentPlugin) that keeps the agent within its budget.
 * Every 10 s it meters the agent and its children (src/selfmeter.ts), feeds the measurement to the
 * budget state machine (src/budget.ts), publishes the level in `self.budgetLevel`, and applies the
 * level's actions to the running sources through their `reconfigure`.
 *
 * Applying is idempotent and survives a config reload: each source object remembers the interval
 * (and samplers) it was created with, and the action for the current level is (re)applied to any
 * source whose applied level differs — so sources rebuilt by `agent.reload` get the current level
 * too. Sources without `reconfigure` (replays) are left alone.
 *
 * When a source's interval changes, the store is told the new interval (Store.sink re-registers
 * it), so staleness (3 intervals) follows the degraded cadence instead of marking data stale.
 */
import type { Agent, AgentPlugin } from './agent.ts';
import { actionsFor, createBudget, type Budget, type BudgetLimits, type BudgetTuning } from './budget.ts';
import type { Logger } from './log.ts';
import { createSelfMeter, type ChildProc, type ChildReader, type Measurement, type SelfMeter } from './selfmeter.ts';
import type { Source } from './sources/source.ts';

/** What a source may offer beyond the Source contract (src/sources/child.ts, poll.ts, powermetrics.ts). */
interface Reconfigurable extends Source {
  readonly pid?: number | undefined;
  readonly samplers?: readonly string[];
  reconfigure?(change: { intervalMs?: number; samplers?: readonly string[] }): Promise<void>;
}

interface Applied {
  baseIntervalMs: number;
  baseSamplers: readonly string[] | undefined;
  level: number;
}

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
  const applied = new WeakMap<Source, Applied>();
  let agent: Agent | undefined;
  let budget: Budget | undefined;
  let meter: SelfMeter | undefined;
  let applying: Promise<void> = Promise.resolve();

  const limits = (a: Agent): BudgetLimits => ({ cpuPercent: a.config.budget.cpuPercent, rssMiB: a.config.budget.rssMiB });

  function children(): ChildProc[] {
    const out: ChildProc[] = [];
    for (const s of (agent?.sources ?? []) as Reconfigurable[]) {
      const pid = s.pid;
      if (typeof pid === 'number' && pid > 0) out.push({ kind: s.name, pid });
    }
    return out;
  }

  async function applyLevel(level: number): Promise<void> {
    const a = agent;
    if (!a) return;
    const act = actionsFor(level);
    for (const s of a.sources as Reconfigurable[]) {
      if (typeof s.reconfigure !== 'function') continue;
      let st = applied.get(s);
      if (!st) {
        st = { baseIntervalMs: s.intervalMs, baseSamplers: s.samplers ? [...s.samplers] : undefined, level: 0 };
        applied.set(s, st);
      }
      if (st.level === level) continue;
      const isPm = s.name === 'powermetrics';
      const intervalMs = st.baseIntervalMs * (isPm ? act.powermetricsIntervalFactor : act.otherIntervalFactor);
      const change: { intervalMs?: number; samplers?: readonly string[] } = {};
      if (intervalMs !== s.intervalMs) change.intervalMs = intervalMs;
      if (isPm && st.baseSamplers) {
        const samplers = st.baseSamplers.filter((x) => !act.dropSamplers.includes(x));
        if (samplers.join() !== (s.samplers ?? []).join()) change.samplers = samplers;
      }
      st.level = level;
      if (change.intervalMs === undefined && change.samplers === undefined) continue;
      try {
        await s.reconfigure(change);
        // Re-register the interval so staleness follows the new cadence.
        if (change.intervalMs !== undefined) a.store.sink(s.name, change.intervalMs);
        log.debug('source reconfigured for budget', { source: s.name, budgetLevel: level, ...change });
      } catch (err) {
        log.warn('could not reconfigure source for budget', { source: s.name, error: err as Error });
      }
    }
  }

  function onMeasure(m: Measurement): void {
    const a = agent;
    if (!a || !budget) return;
    budget.setLimits(limits(a));
    budget.observe(m);
    a.self.budgetLevel = budget.level;
    const level = budget.level;
    // Serialised: a reconfigure restarts a child, never two at once for the same source.
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
      a.self.budgetLevel = 0;
      meter = createSelfMeter({
        stats: a.self,
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
