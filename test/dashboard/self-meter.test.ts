// The process CPU and memory panels read `process.cpu.time` / `process.memory.usage`, written by the
// self-meter the governor runs inside `run` (src/governor.ts, src/selfmeter.ts). The meter measures
// once when it starts and then every 10 s, so a freshly started agent serves these series within a
// moment of its first answer on /metrics, not 10 s later.
import t from 'tap';
import { metric } from '../../src/dashboard/model.ts';
import { startReplayAgent, waitFor } from '../helpers/prometheus.ts';
import { ROOT } from './queries.ts';

const agent = await startReplayAgent(ROOT, `${ROOT}/fixtures/replay/m1-pro`);
const readyAt = Date.now();
t.teardown(() => agent.stop());

/** `name{…silicon_agent_process="agent"…} value` lines of a /metrics text. */
function agentSeries(text: string, name: string): Array<{ labels: string; value: number }> {
  const out: Array<{ labels: string; value: number }> = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\{([^}]*)\} (\S+)$/.exec(line);
    if (m && m[1] === name && m[2]!.includes('silicon_agent_process="agent"')) out.push({ labels: m[2]!, value: Number(m[3]) });
  }
  return out;
}

t.test('process CPU time and RSS of the agent are on /metrics right after start', async (t) => {
  const cpu = metric('process.cpu.time');
  const mem = metric('process.memory.usage');
  t.equal(cpu, 'process_cpu_time_seconds_total');
  t.equal(mem, 'process_memory_usage_bytes');
  const text = await waitFor(
    'the self-meter series',
    async () => {
      const body = await (await fetch(`http://${agent.address}/metrics`)).text();
      return agentSeries(body, cpu).length && agentSeries(body, mem).length ? body : undefined;
    },
    undefined,
    100,
  );
  // That the meter reads once at start rather than only at its first 10 s tick is proven without a
  // clock in test/robustness/selfmeter.test.ts (its first reading has no window: it is the one at start).
  t.comment(`present ${Date.now() - readyAt} ms after /metrics first answered`);
  const cpuSeries = agentSeries(text, cpu);
  t.same(cpuSeries.map((s) => /cpu_mode="(\w+)"/.exec(s.labels)?.[1]).sort(), ['system', 'user'], 'user and system CPU');
  for (const s of cpuSeries) t.ok(s.value > 0 && s.value < 600, `${cpu}{${s.labels}} = ${s.value} s`);
  const [rss] = agentSeries(text, mem);
  t.ok(rss !== undefined && rss.value > 16 * 1048576 && rss.value < 4096 * 1048576, `${mem} = ${rss?.value} bytes (a Node process: 16 MiB–4 GiB)`);
});
