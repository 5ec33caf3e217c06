/**
 * The agent's timed lifecycle requirements, measured (the tests check the behaviour, never a clock):
 *
 *  - start-up: `npx --no-install silicon-agent run --replay fixtures/replay/m2-ultra` (the README's
 *    command) from spawn to the first 200 on /metrics; and the same with `node bin/silicon-agent.js`
 *    (the agent alone, without npm starting). Target: ≤ 2 s through npx.
 *    And the compiled build alone (`node <build>/src/cli.js run`, what the launchd job runs; built once
 *    into a temporary directory by scripts/build.ts). Target: ≤ 1 s.
 *  - `dump`: spawn → its first bytes (the "recording for N s" line on stderr, printed before any
 *    capture starts). Target: ≤ 1 s.
 *  - stop: SIGTERM to the agent until it has exited, with a collector receiving the final export, and
 *    with the collector down. Target: ≤ 5 s (the agent's own stop deadline is 4.5 s from the signal).
 *
 * Each figure is the median (and max) of RUNS runs, interleaved so that load on the machine falls on
 * all of them alike. Start-up runs after one warm-up start (npx links the package and Node fills its
 * compile cache the first time, as on any node after its first start).
 *
 * Env: LIFECYCLE_RUNS (default 7). Run: `npm run bench -- lifecycle`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInto } from '../scripts/build.ts';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/prometheus.ts';
import { cleanEnv, startAgent, switchableReceiver } from '../test/robustness/agent-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.LIFECYCLE_RUNS ?? 7);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Spawn → first 200 on /metrics, in ms; the process group is killed afterwards. */
async function startup(command: string, args: string[]): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    stdio: 'ignore',
    env: { ...cleanEnv(), OTEL_EXPORTER_PROMETHEUS_PORT: String(port), SILICON_AGENT_OTLP_ENABLED: 'false' },
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  try {
    for (;;) {
      if (exited) throw new Error(`${command} exited before serving /metrics`);
      const ok = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.ok, () => false);
      if (ok) return performance.now() - t0;
      if (performance.now() - t0 > 120_000) throw new Error('no /metrics after 120 s');
      await sleep(10);
    }
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    if (!exited) await new Promise((r) => child.on('exit', r));
  }
}

/** Spawn → first byte on stderr, in ms (dump prints "recording for N s" before capturing anything). */
async function firstBytes(command: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(command, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: cleanEnv() });
  try {
    return await new Promise<number>((resolve, reject) => {
      child.stderr!.once('data', () => resolve(performance.now() - t0));
      child.once('exit', (code) => reject(new Error(`${command} exited (${code}) before printing anything`)));
    });
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** SIGTERM → exit, in ms, with the final export going to `endpoint`. */
async function stop(collector: 'up' | 'down'): Promise<number> {
  const receiver = switchableReceiver(await freePort());
  if (collector === 'up') await receiver.up();
  const agent = startAgent({ exporters: { otlp: { endpoint: receiver.url, intervalMs: 60_000, timeoutMs: 10_000 }, prometheus: { port: await freePort() } } });
  try {
    await agent.waitLog((l) => l.msg === 'started', 120_000);
    await sleep(1000); // a few replayed samples
    const t0 = performance.now();
    agent.child.kill('SIGTERM');
    const exit = await agent.exit;
    if (exit.code !== 0) throw new Error(`exit ${exit.code} after SIGTERM`);
    return exit.atMs - t0;
  } finally {
    agent.child.kill('SIGKILL');
    await receiver.down();
  }
}

const npx: [string, string[]] = ['npx', ['--no-install', 'silicon-agent', 'run', '--replay', 'fixtures/replay/m2-ultra']];
const direct: [string, string[]] = [process.execPath, [join(ROOT, 'bin/silicon-agent.js'), 'run', '--replay', 'fixtures/replay/m2-ultra']];

// The compiled build, as the launchd job runs it: built once into a temporary directory beside the
// package's node_modules (linked), started with the job's Node flags.
const buildDir = mkdtempSync(join(tmpdir(), 'silicon-agent-lifecycle-build-'));
await buildInto(join(buildDir, 'dist'));
symlinkSync(join(ROOT, 'node_modules'), join(buildDir, 'node_modules'));
symlinkSync(join(ROOT, 'package.json'), join(buildDir, 'package.json'));
symlinkSync(join(ROOT, 'fixtures'), join(buildDir, 'fixtures'));
const compiled: [string, string[]] = [process.execPath, ['--max-old-space-size=96', '--min-semi-space-size=2', '--max-semi-space-size=2', '--single-threaded', '--no-opt', '--v8-pool-size=1', join(buildDir, 'dist/src/cli.js'), 'run', '--replay', join(ROOT, 'fixtures/replay/m2-ultra')]];
const dumpOut = (): string => join(mkdtempSync(join(tmpdir(), 'silicon-agent-lifecycle-dump-')), 'out');
const dump = (): [string, string[]] => [process.execPath, [join(ROOT, 'bin/silicon-agent.js'), 'dump', '--seconds', '2', '--out', dumpOut()]];

console.log(`lifecycle bench: ${RUNS} runs each, interleaved; load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
await startup(...npx); // warm-up: npx links the package, Node fills its compile cache
await startup(...compiled);
const results: Record<string, number[]> = { 'start-up through npx': [], 'start-up, node bin/silicon-agent.js': [], 'start-up, compiled build': [], 'dump, first bytes': [], 'stop (SIGTERM → exit), collector up': [], 'stop (SIGTERM → exit), collector down': [] };
for (let i = 0; i < RUNS; i++) {
  results['start-up through npx']!.push(await startup(...npx));
  results['start-up, node bin/silicon-agent.js']!.push(await startup(...direct));
  results['start-up, compiled build']!.push(await startup(...compiled));
  results['dump, first bytes']!.push(await firstBytes(...dump()));
  results['stop (SIGTERM → exit), collector up']!.push(await stop('up'));
  results['stop (SIGTERM → exit), collector down']!.push(await stop('down'));
}
rmSync(buildDir, { recursive: true, force: true });
const targets: Record<string, number> = { 'start-up through npx': 2000, 'start-up, compiled build': 1000, 'dump, first bytes': 1000, 'stop (SIGTERM → exit), collector up': 5000, 'stop (SIGTERM → exit), collector down': 5000 };
let missed = 0;
for (const [name, xs] of Object.entries(results)) {
  const m = median(xs);
  const target = targets[name];
  const verdict = target === undefined ? '' : m <= target ? `  (target ≤ ${target} ms: met)` : `  (target ≤ ${target} ms: MISSED)`;
  if (target !== undefined && m > target) missed++;
  console.log(`  ${name.padEnd(40)} median ${m.toFixed(0).padStart(5)} ms, max ${Math.max(...xs).toFixed(0).padStart(5)} ms  [${xs.map((x) => x.toFixed(0)).join(', ')}]${verdict}`);
}
console.log(`  load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
process.exitCode = missed ? 1 : 0;
