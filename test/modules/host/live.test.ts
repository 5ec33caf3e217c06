/**
 * The in-process host reading, live on Linux: what `os.cpus()`, `os.loadavg()` and `os.uptime()` give
 * the source agrees with /proc/stat, /proc/loadavg and /proc/uptime read in the same test. (On a Mac
 * the same calls go to host_processor_info; docs/verification.md has the check for the first node.)
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { factsToSample } from '../../../src/modules/host/facts.ts';
import { createHostSource, readHost } from '../../../src/modules/host/source.ts';
import type { HostSample } from '../../../src/modules/host/sample.ts';
import type { BaseSample, ParseError } from '../../../src/samples.ts';
import { until } from '../../helpers/wait.ts';

if (process.platform !== 'linux') {
  t.pass('live host test runs on Linux (/proc)');
} else {
  const MODES = ['user', 'nice', 'sys', 'idle', 'irq'] as const;
  // /proc/stat columns after the cpu name: user nice system idle iowait irq softirq …
  const COLUMN: Record<(typeof MODES)[number], number> = { user: 0, nice: 1, sys: 2, idle: 3, irq: 5 };
  const procStat = (): number[][] =>
    readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((l) => /^cpu\d+ /.test(l))
      .map((l) => l.trim().split(/\s+/).slice(1).map(Number));
  const first = (file: string): string => readFileSync(file, 'utf8').trim();

  t.test('every CPU × mode lies between /proc/stat read just before and just after', async (t) => {
    const tck = Number((await execa('getconf', ['CLK_TCK'], { reject: false })).stdout) || 100;
    const msPerTick = 1000 / tck;
    for (let round = 0; round < 20; round++) {
      const before = procStat();
      const facts = readHost();
      const after = procStat();
      t.equal(facts.cpus.length, before.length, 'one entry per cpuN line');
      for (let i = 0; i < facts.cpus.length; i++)
        for (const m of MODES) {
          const v = facts.cpus[i]![m];
          const lo = before[i]![COLUMN[m]]! * msPerTick;
          const hi = after[i]![COLUMN[m]]! * msPerTick;
          if (!(v >= lo && v <= hi)) t.fail(`cpu${i} ${m}: ${v} ms not within [${lo}, ${hi}]`);
        }
    }
    t.pass(`20 rounds, ${readHost().cpus.length} CPUs × ${MODES.length} modes, ${msPerTick} ms per tick`);
  });

  t.test('uptime lies between /proc/uptime read just before and just after', async (t) => {
    for (let round = 0; round < 20; round++) {
      const before = Number(first('/proc/uptime').split(/\s+/)[0]);
      const up = readHost().uptimeS;
      const after = Number(first('/proc/uptime').split(/\s+/)[0]);
      if (!(up >= before && up <= after)) t.fail(`uptime ${up} not within [${before}, ${after}]`);
    }
    t.pass('20 rounds');
  });

  t.test('load average equals /proc/loadavg whenever it did not change during the read', async (t) => {
    let matched = 0;
    for (let tries = 0; matched < 5; tries++) {
      const before = first('/proc/loadavg');
      const load = readHost().loadavg;
      const after = first('/proc/loadavg');
      if (before !== after) continue; // the kernel updated it meanwhile: read again
      t.same(load, before.split(/\s+/).slice(0, 3).map(Number), `/proc/loadavg: ${before}`);
      matched++;
    }
  });

  t.test('counters never go backwards (per CPU and summed), through the same function as the source', async (t) => {
    let prev: HostSample | undefined;
    let prevSum: HostSample | undefined;
    for (let round = 0; round < 50; round++) {
      const f = readHost();
      const [s] = factsToSample(f, { perCpu: true }) as HostSample[];
      const [sum] = factsToSample(f) as HostSample[];
      t.equal(s!.type, 'host');
      for (const [cur, old] of [[s!, prev], [sum!, prevSum]] as const) {
        if (!old) continue;
        cur.cpuTimes.forEach((c, i) => {
          const o = old.cpuTimes[i]!;
          for (const k of ['userS', 'niceS', 'systemS', 'idleS', 'interruptS'] as const)
            if ((c[k] ?? 0) < (o[k] ?? 0)) t.fail(`cpu ${c.cpu ?? 'all'} ${k} went back: ${o[k]} → ${c[k]}`);
        });
        if (cur.uptimeS < old.uptimeS) t.fail('uptime went back');
      }
      prev = s;
      prevSum = sum;
      await new Promise((r) => setTimeout(r, 10));
    }
    t.ok(prev!.cpuTimes.every((c) => c.interruptS !== undefined), 'Linux counts interrupt time');
  });

  t.test('the live poll source delivers samples (no subprocess)', async (t) => {
    const got: Array<BaseSample | ParseError> = [];
    const src = createHostSource({ intervalMs: 200, perCpu: true });
    src.start({ result: (r) => got.push(r), status: () => {} });
    t.teardown(() => src.stop());
    await until(() => got.filter((r) => r.type === 'host').length >= 2, { what: 'two host samples' });
    const s = got.find((r): r is HostSample => r.type === 'host')!;
    t.equal(s.cpuTimes.length, procStat().length);
    t.same(got.filter((r) => r.type === 'error'), []);
  });
}
