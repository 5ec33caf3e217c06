import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Health } from '../../src/health.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  createSelfMeter,
  parseProcStat,
  parseProcStatusRss,
  parsePsOutput,
  parsePsTime,
  sumTrees,
  defaultChildReader,
  type ChildProc,
} from '../../src/selfmeter.ts';

t.test('ps time formats (macOS prints mm:ss.ss, procps prints [dd-]hh:mm:ss)', async (t) => {
  t.equal(parsePsTime('0:01.50'), 1.5);
  t.equal(parsePsTime('12:03.25'), 723.25);
  t.equal(parsePsTime('01:02:03'), 3723);
  t.equal(parsePsTime('2-01:00:00'), 2 * 86400 + 3600);
  t.equal(parsePsTime('garbage'), undefined);
  // Synthetic lines in the documented `ps -A -o pid=,ppid=,rss=,utime=,time=` shape (no macOS here to capture
  // one): the agent (100) runs sudo (123), which runs powermetrics (124); iostat (456) is a direct child.
  const m = parsePsOutput(
    '  100 1 50000 0:05.00 0:06.00\n  123 100 4096   0:00.01   0:00.02\n  124 123 8192 0:01.50 0:02.00\n 456 100 100 0:00.10 0:00.10\nnot a line\n',
  );
  t.same(m.get(124), { ppid: 123, userS: 1.5, systemS: 0.5, rssBytes: 8192 * 1024 });
  t.equal(m.size, 4);
  const trees = sumTrees(m, [123, 456, 999]);
  t.same(trees.get(123), { userS: 1.51, systemS: 0.51, rssBytes: (4096 + 8192) * 1024 }, 'sudo + its powermetrics');
  t.same(trees.get(456), { userS: 0.1, systemS: 0, rssBytes: 100 * 1024 });
  t.equal(trees.has(999), false, 'a vanished pid is absent');
});

t.test('/proc parsing copes with spaces and parentheses in comm', async (t) => {
  const stat = '42 (we ird) name)) S 1 42 42 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 1 0 100 1000 200';
  t.same(parseProcStat(stat), { userS: 2.5, systemS: 0.3 });
  t.equal(parseProcStat('nonsense'), undefined);
  t.equal(parseProcStatusRss('Name:\tx\nVmRSS:\t  2048 kB\n'), 2048 * 1024);
});

/** Wait until the child has used ≥ 0.4 s of CPU (read through the meter's own reader). */
async function waitBurnt(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = (await defaultChildReader()([pid])).get(pid);
    if (r && r.userS + r.systemS >= 0.4) return;
    await new Promise((res) => setTimeout(res, 50));
  }
}

t.test('meters a real child (Linux: /proc, macOS: ps), by kind, and keeps per-kind CPU monotonic across a restart', async (t) => {
  // A child that burns 400 ms of CPU time (measured by itself, so a busy machine only makes it slower), then idles.
  const burn = `while(process.cpuUsage().user<400000){};setInterval(()=>{},1000)`;
  const start = () => spawn(process.execPath, ['-e', burn], { stdio: 'ignore' });
  let child = start();
  await once(child, 'spawn');
  const health = new Health();
  let children: ChildProc[] = [{ kind: 'powermetrics', pid: child.pid! }];
  const meter = createSelfMeter({ health, children: () => children });

  const first = await meter.measure();
  t.equal(first.windowS, 0, 'first reading has no window');
  await waitBurnt(child.pid!);
  const second = await meter.measure();
  const pm1 = health.processes.get('powermetrics')!;
  t.ok(pm1.userS + pm1.systemS >= 0.4, `child CPU seen: ${pm1.userS + pm1.systemS}s`);
  t.ok(pm1.rssBytes > 10 * 1048576, `child RSS seen: ${pm1.rssBytes}`);
  t.ok(health.processes.get('agent')!.rssBytes > 10 * 1048576, 'agent RSS');
  t.ok(second.windowS > 0.1 && second.windowS < 15, `window in seconds: ${second.windowS}`);
  t.ok(second.cpuPercent > 10, `window CPU includes the child's burn: ${second.cpuPercent}%`);
  t.ok(second.rssBytes >= pm1.rssBytes + health.processes.get('agent')!.rssBytes - 1, 'RSS sums agent and children');

  // Restart: the old pid goes away, a new one appears under the same kind.
  child.kill('SIGKILL');
  await once(child, 'exit');
  child = start();
  await once(child, 'spawn');
  children = [{ kind: 'powermetrics', pid: child.pid! }];
  await waitBurnt(child.pid!);
  await meter.measure();
  const pm2 = health.processes.get('powermetrics')!;
  // ≥ old + 0.4 s, within one 10 ms clock tick (/proc counts ticks; the sums are floating point).
  t.ok(pm2.userS + pm2.systemS >= pm1.userS + pm1.systemS + 0.4 - 0.01, `CPU of the dead pid is kept, the new one added: ${pm1.userS + pm1.systemS} -> ${pm2.userS + pm2.systemS}`);
  child.kill('SIGKILL');
  await once(child, 'exit');
  // A vanished pid is simply absent.
  t.equal((await defaultChildReader()([child.pid!])).size, 0);
});

t.test('timer feeds onMeasure and stops', async (t) => {
  const seen: number[] = [];
  const meter = createSelfMeter({ health: new Health(), intervalMs: 50, onMeasure: (m) => seen.push(m.windowS) });
  meter.start();
  await waitFor(() => seen.length >= 3, { what: 'three readings' });
  meter.stop();
  const n = seen.length;
  await new Promise((r) => setTimeout(r, 120));
  t.ok(n >= 3, `measured ${n} times`);
  t.equal(seen.length, n, 'no readings after stop');
  t.equal(seen[0], 0);
  // The second reading is on the 50 ms wall-clock grid (src/sources/aligned.ts): 25–75 ms later.
  t.ok(seen[1]! > 0.02, `second window ${seen[1]} s`);
});
