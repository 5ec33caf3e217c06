/**
 * Signals, with the real CLI: SIGTERM (and SIGINT) stop the sources, flush a final export and exit
 * 0; SIGHUP reloads the config file, and a bad new config keeps the old one and logs why. How long a
 * stop takes (the 5 s requirement) is a figure of `npm run bench -- lifecycle`, not a test: a busy
 * machine can stall any process.
 */
import { writeFileSync } from 'node:fs';
import t from 'tap';
import { freePort } from '../helpers/prometheus.ts';
import { agentWithFlushOnlyReceiver, startAgent } from './agent-process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function started(agent: ReturnType<typeof startAgent>) {
  await agent.waitLog((l) => l.msg === 'Prometheus endpoint listening');
  await sleep(1500); // a few replayed samples
}

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`${sig}: a final export arrives and the process exits 0`, async (t) => {
    // A 60 s export interval: the only export is the final flush.
    const { receiver, agent } = await agentWithFlushOnlyReceiver(t);
    await started(agent);
    t.equal(receiver.exports.length, 0, 'no export before the signal');
    const finalExport = receiver.next(90_000);
    agent.child.kill(sig);
    const exit = await agent.exit;
    const e = await finalExport;
    t.equal(exit.code, 0, 'exit code 0');
    t.ok(e.atMs <= exit.atMs, 'the final export arrived before exit');
    t.ok(e.names.has('hw.energy') && e.names.has('system.memory.usage'), 'final export carries the data');
    t.ok(agent.lines.some((l) => l.msg === 'stopping' && l.signal === sig));
  });
}

t.test('SIGTERM with the collector down still exits 0', async (t) => {
  const port = await freePort(); // nothing listens
  const agent = startAgent({
    exporters: { otlp: { endpoint: `http://127.0.0.1:${port}`, intervalMs: 60_000, timeoutMs: 10_000 }, prometheus: { port: await freePort() } },
  });
  t.teardown(() => agent.child.kill('SIGKILL'));
  await started(agent);
  agent.child.kill('SIGTERM');
  const exit = await agent.exit;
  t.equal(exit.code, 0);
});

t.test('SIGHUP: a bad config is rejected with the reason and the agent keeps running; a good one is applied', async (t) => {
  const promPort = await freePort();
  const good = { exporters: { otlp: { enabled: false }, prometheus: { port: promPort } } };
  const agent = startAgent(good);
  t.teardown(() => agent.child.kill('SIGKILL'));
  await started(agent);

  writeFileSync(agent.configFile, JSON.stringify({ ...good, budget: { cpuPercent: -5 } }));
  agent.child.kill('SIGHUP');
  const rejected = await agent.waitLog((l) => l.msg === 'SIGHUP: new configuration rejected; keeping the current one');
  t.equal(rejected.field, 'budget.cpuPercent', 'says which field');
  t.match(String(rejected.error), /budget\.cpuPercent|>0|greater|positive/i, `and why: ${rejected.error}`);
  await sleep(300);
  t.equal(agent.child.exitCode, null, 'still running');
  const res = await fetch(`http://127.0.0.1:${promPort}/metrics`);
  t.equal(res.status, 200, 'still serving the old configuration');

  writeFileSync(agent.configFile, '{ not json');
  agent.child.kill('SIGHUP');
  await agent.waitLog((l) => l.msg === 'SIGHUP: new configuration rejected; keeping the current one' && l.field === '(file)');
  t.equal(agent.child.exitCode, null, 'still running after unparseable JSON');

  const promPort2 = await freePort();
  writeFileSync(agent.configFile, JSON.stringify({ exporters: { otlp: { enabled: false }, prometheus: { port: promPort2 } } }));
  agent.child.kill('SIGHUP');
  await agent.waitLog((l) => l.msg === 'SIGHUP: configuration reloaded');
  await agent.waitLog((l) => l.msg === 'Prometheus endpoint listening' && String(l.url).includes(`:${promPort2}/`));
  const res2 = await fetch(`http://127.0.0.1:${promPort2}/metrics`);
  t.equal(res2.status, 200, 'the new configuration is live');

  agent.child.kill('SIGTERM');
  t.equal((await agent.exit).code, 0);
});
