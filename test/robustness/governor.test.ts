import t from 'tap';
import type { Agent } from '../../src/agent.ts';
import { defaultConfig } from '../../src/config.ts';
import { createGovernor } from '../../src/governor.ts';
import { Health } from '../../src/health.ts';
import { memoryLogger } from '../../src/log.ts';
import type { Source, SourceSink } from '../../src/sources/source.ts';
import { waitFor } from '../helpers/wait.ts';

/** A source declaring `applyBudget`, recording the levels it is given. */
function fakeSource(name: string, intervalMs: number): Source & { levels: number[] } {
  const levels: number[] = [];
  return {
    name,
    intervalMs,
    levels,
    start(_sink: SourceSink) {},
    async stop() {},
    async applyBudget(level: number) {
      levels.push(level);
    },
  };
}

/** A source without `applyBudget` (a replay): the governor leaves it alone. */
const replayLike = (name: string): Source => ({ name, intervalMs: 1000, start() {}, async stop() {} });

t.test('over budget: each level is handed to every source that declares applyBudget, then recovered', async (t) => {
  const config = defaultConfig();
  const health = new Health();
  const pm = fakeSource('powermetrics', 1000);
  const io = fakeSource('iostat', 1000);
  const agent = { config, health, sources: [pm, io, replayLike('vm_stat')] } as unknown as Agent;

  const log = memoryLogger();
  const levels: number[] = [];
  // A budget nothing can meet: every window is over (the test process itself uses CPU).
  config.budget.cpuPercent = 1e-9;
  const gov = createGovernor({
    log,
    intervalMs: 20,
    tuning: { upAfter: 1, downAfter: 2, maxDownAfter: 2, recoverRatio: 0.7 },
    onMeasure: (_m, level) => levels.push(level),
  });
  gov.start!(agent);
  await waitFor(() => health.budgetLevel === 3 && io.levels.includes(3), { what: 'level 3 applied' });
  t.equal(health.budgetLevel, 3, 'the level is recorded in the health recorder');
  t.same(pm.levels, [1, 2, 3], 'every step, in order, once');
  t.same(io.levels, [1, 2, 3]);
  t.ok(health.processes.get('agent')!.rssBytes > 0, 'the agent metered into the health recorder');
  t.same(
    log.lines.filter((l) => l.level === 'warn').map((l) => l.budgetLevel),
    [1, 2, 3],
    'one warning per step',
  );

  // Budget lifted (as by a SIGHUP reload): back down to 0.
  config.budget.cpuPercent = 100;
  config.budget.rssMiB = 65536;
  await waitFor(() => health.budgetLevel === 0 && pm.levels.at(-1) === 0, { what: 'level 0 applied' });
  t.same(pm.levels, [1, 2, 3, 2, 1, 0]);
  t.same(io.levels, [1, 2, 3, 2, 1, 0]);
  t.equal(log.lines.filter((l) => l.msg === 'back under budget: full fidelity').length, 1);
  await gov.stop!();
  const n = levels.length;
  await new Promise((r) => setTimeout(r, 80));
  t.equal(levels.length, n, 'no measurements after stop');
});

t.test('a source rebuilt by a reload gets the current level', async (t) => {
  const config = defaultConfig();
  config.budget.cpuPercent = 1e-9;
  const health = new Health();
  const agent = { config, health, sources: [fakeSource('iostat', 1000)] } as unknown as Agent;
  const gov = createGovernor({ log: memoryLogger(), intervalMs: 20, tuning: { upAfter: 1, downAfter: 50, maxDownAfter: 50, recoverRatio: 0.7 } });
  gov.start!(agent);
  await waitFor(() => health.budgetLevel === 3, { what: 'level 3' });
  const fresh = fakeSource('iostat', 1000);
  agent.sources = [fresh];
  await waitFor(() => fresh.levels.length > 0, { what: 'the rebuilt source to be given the level' });
  t.same(fresh.levels, [3], 'straight to the current level');
  await gov.stop!();
});
