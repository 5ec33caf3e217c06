import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { emptySelfStats } from '../../src/catalog/catalog.ts';
import {
  createSelfMeter,
  parseProcStat,
  parseProcStatusRss,
  parsePsOutput,
  parsePsTime,
  defaultChildReader,
  type ChildProc,
} from '../../src/selfmeter.ts';

t.test('ps time formats (macOS prints mm:ss.ss, procps prints [dd-]hh:mm:ss)', async (t) => {
  t.equal(parsePsTime('0:01.50'), 1.5);
  t.equal(parsePsTime('12:03.25'), 723.25);
  t.equal(parsePsTime('01:02:03'), 3723);
  t.equal(parsePsTime('2-01:00:00'), 2 * 86400 + 3600);
  t.equal(parsePsTime('garbage'), undefined);
  // Synthetic lines in the documented `ps -o pid=,rss=,utime=,time=` shape (no macOS here to capture one).
  const m = parsePsOutput('  123  4096   0:01.50   0:02.00\n 456 100 0:00.10 0:00.10\nnot a line\n');
  t.same(m.get(123), { userS: 1.5, systemS: 0.5, rssBytes: 4096 * 1024 });
  t.same(m.get(456), { userS: 0.1, systemS: 0, rssBytes: 100 * 1024 });
  t.equal(m.size, 2);
});

t.test('/proc parsing copes with spaces and parentheses in comm', async (t) => {
  const stat = '42 (we ird) name)) S 1 42 42 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 1 0 100 1000 200';
  t.same(parseProcStat(stat), { userS: 2.5, systemS: 0.3 });
  t.equal(parseProcStat('nonsense'), undefined);
  t.equal(parseProcStatusRss('Name:\tx\nVmRSS:\t  2048 kB\n'), 2048 * 1024);
});

t.test('meters a real child (Linux: /proc, macOS: ps), by kind, and keeps per-kind CPU monotonic across a restart', async (t) => {
  // A child that burns ~400 ms of CPU, then idles until killed.
  const burn = `const e=Date.now()+400;while(Date.now()<e){};setInterval(()=>{},1000)`;
  const start = () => spawn(process.execPath, ['-e', burn], { stdio: 'ignore' });
  let child = start();
  await once(child, 'spawn');
  const stats = emptySelfStats();
  let children: ChildProc[] = [{ kind: 'powermetrics', pid: child.pid! }];
  const meter = createSelfMeter({ stats, children: () => children });

  const first = await meter.measure();
  t.equal(first.windowS, 0, 'first reading has no window');
  await new Promise((r) => setTimeout(r, 800));
  const second = await meter.measure();
  const pm1 = stats.processes.powermetrics!;
  t.ok(pm1.userS + pm1.systemS >= 0.3, `child CPU seen: ${pm1.userS + pm1.systemS}s`);
  t.ok(pm1.rssBytes > 10 * 1048576, `child RSS seen: ${pm1.rssBytes}`);
  t.ok(stats.processes.agent!.rssBytes > 10 * 1048576, 'agent RSS');
  t.ok(second.windowS > 0.7 && second.windowS < 5, 'window in seconds');
  t.ok(second.cpuPercent > 20, `window CPU includes the child's burn: ${second.cpuPercent}%`);
  t.ok(second.rssBytes >= pm1.rssBytes + stats.processes.agent!.rssBytes - 1, 'RSS sums agent and children');

  // Restart: the old pid goes away, a new one appears under the same kind.
  child.kill('SIGKILL');
  await once(child, 'exit');
  child = start();
  await once(child, 'spawn');
  children = [{ kind: 'powermetrics', pid: child.pid! }];
  await new Promise((r) => setTimeout(r, 600));
  await meter.measure();
  const pm2 = stats.processes.powermetrics!;
  t.ok(pm2.userS + pm2.systemS >= pm1.userS + pm1.systemS + 0.3, 'CPU of the dead pid is kept, the new one added');
  child.kill('SIGKILL');
  await once(child, 'exit');
  // A vanished pid is simply absent.
  t.equal((await defaultChildReader()([child.pid!])).size, 0);
});

t.test('timer feeds onMeasure and stops', async (t) => {
  const stats = emptySelfStats();
  const seen: number[] = [];
  const meter = createSelfMeter({ stats, intervalMs: 50, onMeasure: (m) => seen.push(m.windowS) });
  meter.start();
  await new Promise((r) => setTimeout(r, 180));
  meter.stop();
  const n = seen.length;
  await new Promise((r) => setTimeout(r, 120));
  t.ok(n >= 3, `measured ${n} times`);
  t.equal(seen.length, n, 'no readings after stop');
  t.equal(seen[0], 0);
  t.ok(seen[1]! > 0.03);
});
