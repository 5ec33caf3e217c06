import t from 'tap';
import type { Agent } from '../../src/agent.ts';
import { emptySelfStats } from '../../src/catalog/catalog.ts';
import { defaultConfig } from '../../src/config.ts';
import { createGovernor } from '../../src/governor.ts';
import { memoryLogger } from '../../src/log.ts';
import { Store } from '../../src/store.ts';
import type { SourceSink } from '../../src/sources/source.ts';

/** A source with the reconfigure surface of src/sources/powermetrics.ts / poll.ts, recording calls. */
function fakeSource(name: 'powermetrics' | 'iostat' | 'vm_stat' | 'sysctl', intervalMs: number, samplers?: string[]) {
  const calls: Array<{ intervalMs?: number; samplers?: readonly string[] }> = [];
  const s = {
    name,
    intervalMs,
    samplers: samplers as readonly string[] | undefined,
    pid: undefined as number | undefined,
    calls,
    start(_sink: SourceSink) {},
    async stop() {},
    async reconfigure(change: { intervalMs?: number; samplers?: readonly string[] }) {
      calls.push(change);
      if (change.intervalMs !== undefined) s.intervalMs = change.intervalMs;
      if (change.samplers !== undefined) s.samplers = change.samplers;
    },
  };
  return s;
}

t.test('over budget: levels applied to sources in the documented order, then recovered', async (t) => {
  const config = defaultConfig();
  const self = emptySelfStats();
  const store = new Store({ self });
  const pm = fakeSource('powermetrics', 1000, ['cpu_power', 'gpu_power', 'ane_power', 'thermal']);
  const io = fakeSource('iostat', 1000);
  const vm = fakeSource('vm_stat', 5000);
  const agent = { config, self, store, sources: [pm, io, vm] } as unknown as Agent;
  for (const s of agent.sources) store.sink(s.name, s.intervalMs);

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
  const until = async (f: () => boolean) => {
    for (let i = 0; i < 400 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  };
  await until(() => self.budgetLevel === 3 && vm.calls.length > 0);
  t.equal(self.budgetLevel, 3);
  t.same(pm.calls, [{ intervalMs: 2000 }, { samplers: ['cpu_power', 'thermal'] }], 'powermetrics: interval ×2, then ane/gpu dropped');
  t.same(io.calls, [{ intervalMs: 2000 }], 'others: interval ×2 at level 3');
  t.same(vm.calls, [{ intervalMs: 10000 }]);
  t.ok(self.processes.agent!.rssBytes > 0, 'agent metered into SelfStats');
  t.same(
    log.lines.filter((l) => l.level === 'warn').map((l) => l.budgetLevel),
    [1, 2, 3],
    'one warning per step',
  );

  // Budget lifted (as by a SIGHUP reload): back down to 0, restoring intervals and samplers.
  config.budget.cpuPercent = 100;
  config.budget.rssMiB = 65536;
  await until(() => self.budgetLevel === 0 && pm.samplers!.length === 4);
  t.equal(self.budgetLevel, 0);
  t.equal(pm.intervalMs, 1000);
  t.same(pm.samplers, ['cpu_power', 'gpu_power', 'ane_power', 'thermal']);
  t.equal(io.intervalMs, 1000);
  t.equal(vm.intervalMs, 5000);
  t.equal(log.lines.filter((l) => l.msg === 'back under budget: full fidelity').length, 1);
  await gov.stop!();
  const n = levels.length;
  await new Promise((r) => setTimeout(r, 80));
  t.equal(levels.length, n, 'no measurements after stop');
});

t.test('a source rebuilt by a reload gets the current level', async (t) => {
  const config = defaultConfig();
  config.budget.cpuPercent = 1e-9;
  const self = emptySelfStats();
  const store = new Store({ self });
  const agent = { config, self, store, sources: [fakeSource('iostat', 1000)] } as unknown as Agent;
  const gov = createGovernor({ log: memoryLogger(), intervalMs: 20, tuning: { upAfter: 1, downAfter: 50, maxDownAfter: 50, recoverRatio: 0.7 } });
  gov.start!(agent);
  for (let i = 0; i < 400 && self.budgetLevel < 3; i++) await new Promise((r) => setTimeout(r, 10));
  const fresh = fakeSource('iostat', 1000);
  agent.sources = [fresh];
  for (let i = 0; i < 100 && fresh.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.same(fresh.calls, [{ intervalMs: 2000 }]);
  await gov.stop!();
});
