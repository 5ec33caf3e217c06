/**
 * Signals that arrive while the real CLI starts or stops (src/signals.ts): handlers are installed
 * before anything slow, so a SIGHUP during start-up is queued (one reload once the agent is up), a
 * SIGHUP during shutdown is ignored, and SIGTERM still means final export + exit 0 (how fast: the
 * lifecycle bench) —
 * also when it arrives during start-up.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { freePort } from '../helpers/prometheus.ts';
import { agentWithFlushOnlyReceiver, startAgent, type AgentProcess } from './agent-process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves as soon as the process catches SIGHUP and SIGTERM: on Linux from the SigCgt mask in
 * /proc/<pid>/status (so the storm starts while modules are still loading), elsewhere at its first log line.
 */
async function handlersInstalled(agent: AgentProcess): Promise<void> {
  const pid = agent.child.pid!;
  const want = (1n << 0n) | (1n << 14n); // SIGHUP (1) and SIGTERM (15): bit n-1
  if (process.platform !== 'linux') return void (await agent.waitLog(() => true));
  for (let i = 0; i < 5000; i++) {
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m && (BigInt(`0x${m[1]}`) & want) === want) return;
    await sleep(1);
  }
  throw new Error('the agent never installed its signal handlers');
}

/** Send `sig` to the agent every 5 ms from now until `until` resolves. */
function barrage(agent: AgentProcess, sig: NodeJS.Signals, until: Promise<unknown>): { sent: () => number } {
  let sent = 0;
  const timer = setInterval(() => {
    if (agent.child.exitCode === null && agent.child.signalCode === null && agent.child.kill(sig)) sent++;
  }, 5);
  void until.finally(() => clearInterval(timer));
  return { sent: () => sent };
}

t.test('SIGHUP storm during start-up and shutdown: queued, then ignored; SIGTERM still exits 0 with a final export', async (t) => {
  // A 60 s export interval: the only export is the final flush.
  const { receiver, agent } = await agentWithFlushOnlyReceiver(t);

  // From the moment its handlers are in place (while it still loads its modules) until it is started.
  await handlersInstalled(agent);
  t.notOk(agent.lines.some((l) => l.msg === 'started'), 'not started yet');
  const started = agent.waitLog((l) => l.msg === 'started');
  const during = barrage(agent, 'SIGHUP', started);
  await started;
  t.ok(during.sent() > 3, `${during.sent()} SIGHUPs sent during start-up`);
  // None was lost to Node's default action, none reloaded a half-started agent: they are applied
  // once it is up (queued by the handler, or held by the event loop until start-up yields to it;
  // test/signals.test.ts covers the queue itself), coalesced into a few reloads.
  await agent.waitLog((l) => l.msg === 'SIGHUP: configuration reloaded');
  const msgs = agent.lines.map((l) => l.msg);
  t.ok(msgs.indexOf('reloading configuration') > msgs.indexOf('started'), 'the first reload comes after the start');
  await sleep(300);
  t.equal(agent.child.exitCode, null, 'still running');
  t.ok(agent.lines.filter((l) => l.msg === 'reloading configuration').length < during.sent(), 'SIGHUPs coalesced');

  const finalExport = receiver.next(90_000);
  agent.child.kill('SIGTERM');
  const stopping = barrage(agent, 'SIGHUP', agent.exit);
  const exit = await agent.exit;
  t.ok(stopping.sent() > 3, `${stopping.sent()} SIGHUPs sent while stopping`);
  t.equal(exit.signal, null, `not killed by a signal (${exit.signal}); last lines: ${JSON.stringify(agent.lines.slice(-3).map((l) => l.msg))}`);
  t.equal(exit.code, 0, 'exit code 0');
  const e = await finalExport;
  t.ok(e.names.has('hw.energy'), 'the final export arrived with the data');
  t.equal(agent.lines.filter((l) => l.msg === 'SIGHUP while stopping: ignored').length, 1, 'one log line for the ignored SIGHUPs');
  t.notOk(agent.lines.some((l) => l.msg === 'reloading configuration' && agent.lines.indexOf(l) > agent.lines.findIndex((x) => x.msg === 'stopping')), 'no reload after the stop began');
});

t.test('SIGTERM during start-up: the agent finishes starting, then stops and exits 0', async (t) => {
  const agent = startAgent({ exporters: { otlp: { enabled: false }, prometheus: { port: await freePort() } } });
  t.teardown(() => agent.child.kill('SIGKILL'));
  await handlersInstalled(agent);
  t.equal(agent.lines.length, 0, 'nothing logged yet: the signal arrives while modules load');
  agent.child.kill('SIGTERM');
  const exit = await agent.exit;
  t.equal(exit.signal, null, 'not killed by the signal');
  t.equal(exit.code, 0);
  const msgs = agent.lines.map((l) => l.msg);
  t.ok(msgs.indexOf('stopping') > msgs.indexOf('starting silicon-agent'), 'stopping logged after the start');
  t.ok(agent.lines.some((l) => l.msg === 'stopping' && l.signal === 'SIGTERM'));
  t.ok(msgs.includes('stopped'));
});
