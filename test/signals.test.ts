/**
 * src/signals.ts in this process: real signals to ourselves. SIGHUPs while starting are queued and
 * become one reload once running; SIGHUPs during a reload coalesce into one more; SIGHUPs after a stop
 * request are ignored with one log line. (The real CLI under a signal storm: test/robustness/early-signals.test.ts.)
 */
import t from 'tap';
import { memoryLogger } from '../src/log.ts';
import { processSignals } from '../src/signals.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hup = async (n: number) => {
  for (let i = 0; i < n; i++) {
    process.kill(process.pid, 'SIGHUP');
    await sleep(5); // let the event loop run the handler
  }
};

t.test('SIGHUP: queued while starting, coalesced while reloading, ignored while stopping', async (t) => {
  const sig = processSignals();
  t.teardown(() => sig.dispose());
  t.equal(processSignals(), sig, 'installed once');
  const log = memoryLogger('debug');
  sig.attach(log);
  t.equal(sig.phase, 'starting');

  await hup(3);
  let reloads = 0;
  let release: (() => void) | undefined;
  sig.running(async () => {
    reloads++;
    await new Promise<void>((r) => (release = r));
  });
  t.equal(sig.phase, 'running');
  t.equal(reloads, 1, 'three SIGHUPs during start-up: one reload once running');
  t.match(log.lines.find((r) => r.msg === 'SIGHUP arrived during start-up: reloading now'), { signals: 3 });

  await hup(4);
  t.equal(reloads, 1, 'SIGHUPs during a reload wait for it');
  release!();
  await sleep(10);
  t.equal(reloads, 2, '... and coalesce into one more reload');
  release!();
  await sleep(10);
  t.equal(reloads, 2);

  await hup(1);
  t.equal(reloads, 3, 'a SIGHUP while running reloads');
  sig.requestStop('test');
  t.equal(sig.phase, 'stopping');
  t.equal(await sig.stop, 'test');
  t.ok(sig.stopRequestedAt !== undefined);
  const settled = sig.reloadsSettled();
  release!();
  await settled;
  await hup(3);
  t.equal(reloads, 3, 'no reload once stopping');
  t.equal(log.lines.filter((r) => r.msg === 'SIGHUP while stopping: ignored').length, 1, 'one log line for them');
});
