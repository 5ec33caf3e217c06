// Aligned ticks (src/sources/aligned.ts): the next read of every periodic source falls on the
// wall-clock grid of its interval, so sources with the same interval wake the process together.
import { mock } from 'node:test';
import t from 'tap';
import fc from 'fast-check';
import { createVmStatParser } from '../../src/modules/vm_stat/parser.ts';
import { alignedDelay } from '../../src/sources/aligned.ts';
import { createPollSource } from '../../src/sources/poll.ts';
import { readFileSync } from 'node:fs';

const VM_STAT = readFileSync(new URL('../../fixtures/replay/m2-ultra/vm_stat.txt', import.meta.url));

t.test('the delay reaches the next boundary at least half an interval ahead', async (t) => {
  t.equal(alignedDelay(1000, 5000), 1000, 'on a boundary: the next one');
  t.equal(alignedDelay(1000, 4999), 1001, 'a timer that fired 1 ms early does not read again at once');
  t.equal(alignedDelay(1000, 5300), 700, 'late by 300 ms: back on the grid at the next second');
  t.equal(alignedDelay(1000, 5600), 1400, 'late by more than half: the second after');
  t.equal(alignedDelay(10_000, 1_700_000_003_000), 7000, '10 s interval: the next multiple of 10 s');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3_600_000 }), fc.integer({ min: 0, max: 4_000_000_000_000 }), (interval, now) => {
      const d = alignedDelay(interval, now);
      return (now + d) % interval === 0 && d >= interval / 2 && d <= 1.5 * interval;
    }),
    { numRuns: 10_000, seed: 7 },
  );
  t.pass('10,000 random intervals and times: on the grid, 0.5–1.5 intervals ahead');
});

t.test('two poll sources started apart read at the same instants (mocked clock: no wall-clock timing)', async (t) => {
  // node:test's MockTimers drive setTimeout and Date, so the test checks where the timers were aimed,
  // whatever the machine's load. The clock advances 1 ms at a time, letting each read's promise settle.
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_700_000_000_123 });
  t.teardown(() => mock.timers.reset());
  const INTERVAL = 200;
  const reads: number[][] = [[], []];
  const sources = [0, 1].map((i) =>
    createPollSource({
      name: 'vm_stat',
      intervalMs: INTERVAL,
      createParser: createVmStatParser,
      read: async () => {
        reads[i]!.push(Date.now());
        return { stdout: VM_STAT };
      },
    }),
  );
  const sink = { result: () => {}, status: () => {} };
  const advance = async (ms: number) => {
    for (let k = 0; k < ms; k++) {
      mock.timers.tick(1);
      await new Promise((r) => setImmediate(r));
    }
  };
  sources[0]!.start(sink);
  await advance(70);
  sources[1]!.start(sink);
  await advance(5 * INTERVAL + 50);
  for (const s of sources) await s.stop();
  // The first read is at start; every later one is exactly on the 200 ms grid.
  const later = reads.map((r) => r.slice(1));
  t.ok(later[0]!.length >= 4 && later[1]!.length >= 4, `reads after the first: ${later.map((r) => r.length).join(', ')}`);
  for (const r of later) for (const at of r) t.equal(at % INTERVAL, 0, `read at ${at}: on a ${INTERVAL} ms boundary`);
  // Both are on the same grid: every read of the second source is at an instant the first one reads too.
  const first = new Set(later[0]);
  t.ok(later[1]!.every((at) => first.has(at)), 'the sources started 70 ms apart read at the same instants');
});
