// Process-level supervision tests: real child processes (test/fakes/tools/*, found first on PATH
// through SILICON_AGENT_BIN_FROM_PATH=1) streaming real captures, dying, hanging, printing junk or
// the superuser error. Timing is injected (small intervals and backoff) so the tests run fast.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryLogger } from '../../src/log.ts';
import { defaultConfig } from '../../src/config.ts';
import { Health } from '../../src/health.ts';
import type { BaseSourceConfig } from '../../src/modules/module.ts';
import type { IostatSample } from '../../src/modules/iostat/sample.ts';
import type { SysctlSample } from '../../src/modules/sysctl/sample.ts';
import type { VmStatSample } from '../../src/modules/vm_stat/sample.ts';
import { createSources } from '../../src/registry.ts';
import type { ParseError, BaseSample as Sample } from '../../src/samples.ts';
import { BIN_FROM_PATH_ENV, binary } from '../../src/sources/binaries.ts';
import { backoffDelay, type ChildSource } from '../../src/sources/child.ts';
import { createIostatSource } from '../../src/modules/iostat/source.ts';
import { createPowermetricsSource, powermetricsArgs } from '../../src/modules/powermetrics/source.ts';
import type { SourceStatus } from '../../src/sources/source.ts';
import { createVmStatSource } from '../../src/modules/vm_stat/source.ts';
import { Store } from '../../src/store.ts';
import { withEnv } from '../helpers/env.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const FAKES = join(ROOT, 'test/fakes/tools');
// Real, small: 5 documents, M4 Pro gpu_power stream (fixtures/PROVENANCE.md).
const PM_STREAM = join(ROOT, 'fixtures/powermetrics/m4-pro-mac16-8-macos15-plist-gpu_power-stream-5samples-nul.plist');
const IOSTAT = join(ROOT, 'fixtures/replay/m2-ultra/iostat.txt');

process.env.PATH = `${FAKES}:${process.env.PATH}`;
process.env[BIN_FROM_PATH_ENV] = '1';
process.env.FAKE_POWERMETRICS_FILE = PM_STREAM;
process.env.FAKE_IOSTAT_FILE = IOSTAT;
process.env.FAKE_VM_STAT_FILE = join(ROOT, 'fixtures/replay/m2-ultra/vm_stat.txt');
process.env.FAKE_SYSCTL_FILE = join(ROOT, 'fixtures/replay/m2-ultra/sysctl.txt');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function recorder() {
  const samples: Sample[] = [];
  const errors: ParseError[] = [];
  const states: SourceStatus[] = [];
  return {
    samples,
    errors,
    states,
    sink: {
      result: (r: Sample | ParseError) => void (r.type === 'error' ? errors.push(r as ParseError) : samples.push(r)),
      status: (s: SourceStatus) => void states.push(s),
    },
  };
}

/** Poll `cond` (every 20 ms) up to a generous ceiling: true once it holds, false if it never does. */
async function waitFor(cond: () => boolean, ceilingMs = 90_000, step = 20) {
  const end = Date.now() + ceilingMs;
  while (!cond() && Date.now() < end) await sleep(step);
  return cond();
}

t.test('binaries: absolute macOS paths by default, PATH names when asked', async (t) => {
  t.equal(binary('powermetrics', undefined, {}), '/usr/bin/powermetrics');
  t.equal(binary('iostat', undefined, {}), '/usr/sbin/iostat');
  t.equal(binary('vm_stat', undefined, {}), '/usr/bin/vm_stat');
  t.equal(binary('sysctl', undefined, {}), '/usr/sbin/sysctl');
  t.equal(binary('powermetrics', undefined, { [BIN_FROM_PATH_ENV]: '1' }), 'powermetrics');
  t.equal(binary('iostat', '/opt/x/iostat', { [BIN_FROM_PATH_ENV]: '1' }), '/opt/x/iostat');
});

t.test('powermetrics command line: plist stream, -b 0, interval, samplers; sudo -n', async (t) => {
  t.same(powermetricsArgs(1000, ['cpu_power', 'gpu_power', 'ane_power', 'thermal']), [
    '-f', 'plist', '-b', '0', '-i', '1000', '--samplers', 'cpu_power,gpu_power,ane_power,thermal',
  ]);
  t.throws(() => powermetricsArgs(1000, []));
  t.throws(() => powermetricsArgs(0));
  t.throws(() => powermetricsArgs(1000, ['cpu_power;rm']));
  const s = createPowermetricsSource({ intervalMs: 2000, sudo: true, command: '/usr/bin/powermetrics', sudoCommand: '/usr/bin/sudo' });
  t.same(s.commandLine, ['/usr/bin/sudo', '-n', '/usr/bin/powermetrics', ...powermetricsArgs(2000)]);
});

t.test('backoffDelay: full jitter under a doubling ceiling, capped', async (t) => {
  const timing = { baseMs: 1000, capMs: 60_000, minDelayMs: 100 };
  t.same([0, 1, 2, 3, 4, 5, 6, 7, 10].map((a) => backoffDelay(a, { ...timing, random: () => 0.999999 })), [
    1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000,
  ]);
  t.equal(backoffDelay(3, { ...timing, random: () => 0.5 }), 4000);
  t.equal(backoffDelay(3, { ...timing, random: () => 0 }), 100, 'never below minDelayMs');
});

t.test('a child that keeps dying is restarted with growing, capped delays', async (t) => {
  withEnv(t, { FAKE_POWERMETRICS_MODE: 'stream', FAKE_POWERMETRICS_DIE_AFTER: '1' });
  const delays: number[] = [];
  const log = memoryLogger();
  const src = createPowermetricsSource({
    intervalMs: 50,
    logger: log,
    timing: { baseMs: 80, capMs: 320, minDelayMs: 0, random: () => 1, healthyMs: 60_000 },
    onRestart: (i) => delays.push(i.delayMs),
  });
  const rec = recorder();
  src.start(rec.sink);
  t.ok(await waitFor(() => src.restarts >= 5), `restarts counted (${src.restarts})`);
  await src.stop();
  t.same(delays.slice(0, 5), [80, 160, 320, 320, 320], 'doubling, then capped');
  t.ok(rec.samples.length >= 5, 'every run delivered its document before dying');
  t.equal(rec.samples[0]!.type, 'powermetrics');
  const restarting = rec.states.filter((s) => s.state === 'restarting');
  t.ok(restarting.length >= 1);
  t.match(restarting[0]!.reason, /exited with code 1; restarting/);
  t.ok(rec.states.some((s) => s.state === 'running'), 'running again between crashes');
  t.equal(rec.states.at(-1)!.state, 'stopped');
  t.ok(log.lines.filter((l) => l.msg === 'child stderr').length <= 1, 'the same stderr line is logged once');
});

t.test('the backoff resets after a healthy period', async (t) => {
  withEnv(t, { FAKE_POWERMETRICS_MODE: 'stream', FAKE_POWERMETRICS_DIE_AFTER: '6' });
  const delays: number[] = [];
  const src = createPowermetricsSource({
    intervalMs: 40,
    logger: memoryLogger(),
    // each run lives ~6 × 40 ms > healthyMs and produces samples: every restart is the first again
    timing: { baseMs: 50, capMs: 1000, minDelayMs: 0, random: () => 1, healthyMs: 150 },
    onRestart: (i) => delays.push(i.delayMs),
  });
  src.start(recorder().sink);
  t.ok(await waitFor(() => src.restarts >= 3));
  await src.stop();
  t.same(delays.slice(0, 3), [50, 50, 50]);
});

t.test('a hung child (no stdout for 3 intervals) is killed and restarted; its value goes stale', async (t) => {
  withEnv(t, { FAKE_POWERMETRICS_MODE: 'hang' });
  const health = new Health();
  const store = new Store({ health });
  const src = createPowermetricsSource({
    intervalMs: 200,
    logger: memoryLogger(),
    timing: { baseMs: 3000, capMs: 3000, minDelayMs: 3000, random: () => 1, graceMs: 200 },
  });
  const rec = recorder();
  const storeSink = store.register(src);
  src.start({
    result: (r) => (rec.sink.result(r), storeSink.result(r)),
    status: (s) => (rec.sink.status(s), storeSink.status(s)),
  });
  t.ok(await waitFor(() => rec.samples.length === 1), 'one document before hanging');
  const pid = src.pid!;
  t.ok(store.latest('powermetrics'), 'fresh right after the document');
  t.ok(await waitFor(() => src.restarts === 1), 'hang detected');
  const started = rec.states.findLast((s) => s.state === 'restarting');
  t.match(started?.reason, /^no output for 0\.6 s; killed and restarting$/);
  t.ok(await waitFor(() => !alive(pid)), 'the hung process is gone');
  await sleep(100); // > 3 intervals since the document
  store.expire();
  t.equal(store.latest('powermetrics'), undefined, 'the old sample is stale, not exported');
  t.equal(health.sources.get('powermetrics')?.up, false);
  t.equal(health.sources.get('powermetrics')?.dropped.get('stale'), 1);
  await src.stop();
});

t.test('the superuser error: one unavailable reason, no restart loop', async (t) => {
  withEnv(t, { FAKE_POWERMETRICS_MODE: 'superuser', FAKE_LOG: join(t.testdir({}), 'spawns.log') });
  const log = memoryLogger();
  const src = createPowermetricsSource({ intervalMs: 50, logger: log, timing: { baseMs: 10, minDelayMs: 0 } });
  const rec = recorder();
  src.start(rec.sink);
  await sleep(1200);
  await src.stop();
  const spawns = readFileSync(process.env.FAKE_LOG!, 'utf8').split('\n').filter((l) => l.startsWith('start'));
  t.equal(spawns.length, 1, 'spawned once in 1.2 s (retry only every 60 s)');
  t.equal(src.restarts, 0);
  t.same(
    rec.states.map((s) => s.state),
    ['starting', 'unavailable', 'stopped'],
  );
  t.match(rec.states[1]!.reason, /^powermetrics must run as root/);
  t.equal(log.lines.filter((l) => l.msg === 'source unavailable').length, 1);
  t.equal(log.lines.filter((l) => l.msg === 'child stderr').length, 0, 'the reason, not a stderr warning');
});

t.test('sudo -n without a sudoers rule: unavailable with one reason', async (t) => {
  withEnv(t, { FAKE_SUDO_MODE: 'password' });
  const src = createPowermetricsSource({ intervalMs: 50, sudo: true, logger: memoryLogger() });
  t.equal(src.commandLine[0], 'sudo');
  t.same(src.commandLine.slice(1, 3), ['-n', 'powermetrics']);
  const rec = recorder();
  src.start(rec.sink);
  t.ok(await waitFor(() => rec.states.some((s) => s.state === 'unavailable')));
  await src.stop();
  t.match(rec.states.find((s) => s.state === 'unavailable')?.reason, /^sudo -n refused to run powermetrics/);
});

t.test('command not found: unavailable, no restart loop', async (t) => {
  const src = createPowermetricsSource({ intervalMs: 50, command: '/nonexistent/powermetrics', logger: memoryLogger(), timing: { baseMs: 10 } });
  const rec = recorder();
  src.start(rec.sink);
  t.ok(await waitFor(() => rec.states.length >= 2));
  await sleep(300);
  await src.stop();
  t.same(rec.states.slice(0, 2), [{ state: 'starting' }, { state: 'unavailable', reason: '/nonexistent/powermetrics: command not found' }]);
  t.equal(src.restarts, 0);
});

t.test('stderr noise is logged once per kind and never fatal; junk stdout gives typed errors', async (t) => {
  withEnv(t, { FAKE_POWERMETRICS_MODE: 'stderr-noise' });
  const log = memoryLogger();
  const src = createPowermetricsSource({ intervalMs: 30, logger: log });
  const rec = recorder();
  src.start(rec.sink);
  t.ok(await waitFor(() => rec.samples.length >= 8));
  await src.stop();
  t.equal(src.restarts, 0);
  const noise = log.lines.filter((l) => l.msg === 'child stderr');
  t.equal(noise.length, 1, 'digits folded: one kind');
  t.match(noise[0]!.line, /^Second underflow occured \d+$/);

  withEnv(t, { FAKE_IOSTAT_MODE: 'junk', FAKE_INTERVAL_MS: '30' });
  const io = createIostatSource({ intervalMs: 1000, logger: memoryLogger() });
  const r2 = recorder();
  io.start(r2.sink);
  t.ok(await waitFor(() => r2.errors.length >= 3), 'junk lines become parse errors');
  await io.stop();
  t.equal(r2.samples.length, 0);
  t.equal(io.restarts, 0, 'output is flowing: not hung, not restarted');
  t.ok(r2.errors.every((e) => e.source === 'iostat'));
});

t.test('stop() terminates a child that ignores SIGTERM (SIGKILL after the grace period)', async (t) => {
  withEnv(t, { FAKE_POWERMETRICS_MODE: 'ignore-term' });
  const src = createPowermetricsSource({ intervalMs: 50, logger: memoryLogger(), timing: { graceMs: 300 } });
  const rec = recorder();
  src.start(rec.sink);
  t.ok(await waitFor(() => rec.samples.length >= 1));
  const pid = src.pid!;
  const t0 = Date.now();
  await src.stop();
  const took = Date.now() - t0;
  t.notOk(alive(pid), 'no orphan');
  t.ok(took >= 250, `waited for the grace period (${took} ms)`);
  t.equal(src.pid, undefined);
  const n = rec.samples.length;
  await sleep(200);
  t.equal(rec.samples.length, n, 'nothing after stop');
});

t.test('the budget restarts powermetrics with a longer interval, then without its secondary samplers', async (t) => {
  withEnv(t, { FAKE_POWERMETRICS_MODE: 'stream', FAKE_LOG: join(t.testdir({}), 'spawns.log') });
  const src = createPowermetricsSource({ intervalMs: 50, logger: memoryLogger() });
  const rec = recorder();
  src.start(rec.sink);
  t.ok(await waitFor(() => rec.samples.length >= 2));
  const first = src.pid!;
  await src.applyBudget!(2);
  t.equal(src.intervalMs, 100, 'heavy source: interval × 2 (level ≥ 1)');
  t.same(src.samplers, ['cpu_power', 'thermal'], 'ane_power and gpu_power shed (level ≥ 2)');
  t.ok(await waitFor(() => src.pid !== undefined && src.pid !== first));
  t.notOk(alive(first));
  const n = rec.samples.length;
  t.ok(await waitFor(() => rec.samples.length > n), 'samples continue');
  await src.stop();
  t.equal(src.restarts, 0, 'a reconfigure is not a restart');
  const starts = readFileSync(process.env.FAKE_LOG!, 'utf8').split('\n').filter((l) => l.startsWith('start'));
  t.equal(starts.length, 2);
  t.match(starts[0], / powermetrics -f plist -b 0 -i 50 --samplers cpu_power,gpu_power,ane_power,thermal$/);
  t.match(starts[1], / powermetrics -f plist -b 0 -i 100 --samplers cpu_power,thermal$/);
});

t.test('iostat: one long-lived -d -w child; intervalS on interval rows', async (t) => {
  withEnv(t, { FAKE_IOSTAT_MODE: 'stream', FAKE_INTERVAL_MS: '40', FAKE_LOG: join(t.testdir({}), 'spawns.log') });
  const src = createIostatSource({ intervalMs: 2000, logger: memoryLogger() });
  const rec = recorder();
  src.start(rec.sink);
  t.ok(await waitFor(() => rec.samples.length >= 6));
  await src.stop();
  const rows = rec.samples.filter((s) => s.type === 'iostat') as IostatSample[];
  t.equal(rows[0]!.sinceBoot, true);
  t.equal(rows[0]!.intervalS, undefined);
  t.equal(rows[1]!.intervalS, 2);
  t.same(rows[1]!.disks.map((d) => [d.device, d.transfersPerS]), [['disk0', 2], ['disk4', 0]]);
  const starts = readFileSync(process.env.FAKE_LOG!, 'utf8').split('\n').filter((l) => l.startsWith('start'));
  t.equal(starts.length, 1, 'one child for the whole stream');
  t.match(starts[0], / iostat -d -n 16 -w 2$/);
});

t.test('polls never overlap: a slow vm_stat delays the next poll', async (t) => {
  withEnv(t, { FAKE_VM_STAT_MODE: 'slow', FAKE_SLOW_MS: '250', FAKE_LOG: join(t.testdir({}), 'polls.log') });
  const log = memoryLogger();
  const src = createVmStatSource({ intervalMs: 50, logger: log });
  const rec = recorder();
  src.start(rec.sink);
  t.ok(await waitFor(() => rec.samples.length >= 3));
  await src.stop();
  const events = readFileSync(process.env.FAKE_LOG!, 'utf8').trim().split('\n').map((l) => l.split(' '));
  // start, end, start, end, …: never two starts in a row
  for (let i = 1; i < events.length; i++) t.not(events[i]![0] === 'start' && events[i - 1]![0] === 'start', true);
  t.ok(log.lines.some((l) => l.msg === 'a poll took longer than the interval; the next one waits'));
  const vm = rec.samples[0] as VmStatSample | undefined;
  if (vm?.type !== 'vm_stat') throw new Error('no vm_stat');
  t.equal(vm.counters['Pages free'], 39656);
});

t.test('one broken source does not stop the others (createSources, live, fakes on PATH)', async (t) => {
  withEnv(t, {
    FAKE_POWERMETRICS_MODE: 'die',
    FAKE_IOSTAT_MODE: 'stream',
    FAKE_INTERVAL_MS: '50',
    FAKE_SYSCTL_MODE: 'missing-oid',
  });
  const ms: Record<string, number> = { powermetrics: 100, iostat: 1000, vm_stat: 100, sysctl: 100, smc: 1000 };
  const cfg: Record<string, BaseSourceConfig> = {};
  for (const [n, c] of Object.entries(defaultConfig().sources) as [string, BaseSourceConfig][]) cfg[n] = { ...c, enabled: n !== 'smc', intervalMs: ms[n]! };
  cfg.powermetrics = { ...cfg.powermetrics!, samplers: ['cpu_power'] } as BaseSourceConfig;
  const restarts: string[] = [];
  const log = memoryLogger();
  const sources = createSources({
    sources: cfg,
    logger: log,
    timing: { baseMs: 50, capMs: 200, minDelayMs: 0 },
    onRestart: (n) => restarts.push(n),
  });
  const got: Partial<Record<string, Sample[]>> = {};
  const states: Partial<Record<string, string[]>> = {};
  for (const s of sources)
    s.start({
      result: (r) => void (r.type !== 'error' && (got[s.name] ??= []).push(r)),
      status: (st) => void (states[s.name] ??= []).push(st.state),
    });
  const pm = sources.find((s) => s.name === 'powermetrics') as ChildSource;
  const count = (n: string) => got[n]?.length ?? 0;
  t.ok(
    await waitFor(() => pm.restarts >= 3 && count('iostat') >= 5 && count('vm_stat') >= 3 && count('sysctl') >= 3),
    'all conditions reached',
  );
  await Promise.all(sources.map((s) => s.stop()));
  t.ok(pm.restarts >= 3, `powermetrics keeps restarting (${pm.restarts})`);
  t.ok(restarts.every((n) => n === 'powermetrics') && restarts.length === pm.restarts, 'onRestart names the source');
  t.notOk(got.powermetrics, 'no powermetrics samples');
  t.ok((got.iostat?.length ?? 0) >= 5, 'iostat carries on');
  t.ok((got.vm_stat?.length ?? 0) >= 3, 'vm_stat carries on');
  t.ok((got.sysctl?.length ?? 0) >= 3, 'sysctl carries on despite a missing name (exit 1, stderr)');
  const sc = got.sysctl![0] as SysctlSample | undefined;
  if (sc?.type !== 'sysctl') throw new Error('no sysctl');
  t.equal(sc.memsizeBytes, 137438953472);
  t.same(states.sysctl?.slice(0, 2), ['starting', 'running']);
  t.equal(log.lines.filter((l) => l.msg === 'command stderr' && l.source === 'sysctl').length, 1, "unknown oid logged once");
});
