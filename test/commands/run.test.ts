/**
 * `npx --no-install silicon-agent run --replay fixtures/replay/m2-ultra` (the README's command, through
 * npm's own npx and the package's bin) serves /metrics, says it is replaying, and stops cleanly on
 * SIGTERM. How fast it answers (the 2 s start-up requirement) is a figure of
 * `npm run bench -- lifecycle` (docs/benchmarks.md), not an assertion here: a busy machine can stall
 * any process for a moment.
 */
import { spawn } from 'node:child_process';
import t from 'tap';
import { freePort } from '../export/capture.ts';
import { until } from '../helpers/wait.ts';
import { cleanEnv } from '../robustness/agent-process.ts';

const root = new URL('../..', import.meta.url).pathname;

t.test('npx --no-install silicon-agent run --replay <M2 Ultra folder> serves /metrics', async (t) => {
  const port = await freePort();
  const startedAt = performance.now();
  // Its own process group, so the whole tree it started (npx → node) gets the signal. The environment
  // has no tap instrumentation (NODE_OPTIONS loaders, coverage): a user's shell has none of it.
  const child = spawn('npx', ['--no-install', 'silicon-agent', 'run', '--replay', 'fixtures/replay/m2-ultra'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...cleanEnv(), OTEL_EXPORTER_PROMETHEUS_PORT: String(port), SILICON_AGENT_OTLP_ENABLED: 'false' },
  });
  let stderr = '';
  let exitCode: number | null | undefined;
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve((exitCode = code))));
  const text = await until(
    async () => {
      if (exitCode !== undefined) throw new Error(`silicon-agent exited (${exitCode}) before serving /metrics: ${stderr.slice(-500)}`);
      const r = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
      return r?.ok ? r.text() : undefined;
    },
    { what: '/metrics to answer', everyMs: 20 },
  );
  t.comment(`/metrics answered ${Math.round(performance.now() - startedAt)} ms after spawn (the timed figure is the lifecycle bench's)`);
  t.teardown(() => {
    if (exitCode === undefined) process.kill(-child.pid!, 'SIGKILL');
  });
  t.match(text, /^target_info\{.*silicon_agent_replay="true"/m, 'replay marked in the resource');
  t.match(text, /^silicon_agent_budget_level\{/m, 'the agent\'s own metrics');

  // data from the capture arrives (powermetrics is replayed first thing)
  const withData = await until(
    async () => {
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return body.includes('hw_power_watts{') ? body : undefined;
    },
    { what: 'the replayed powermetrics data on /metrics', everyMs: 50 },
  );
  t.match(withData, /^hw_power_watts\{hw_id="cpu",hw_type="cpu",/m);

  // SIGTERM to the group: npx dies of the signal itself; the agent must log a clean stop.
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
  t.match(stderr, /REPLAY MODE/, 'banner');
  const lines = stderr.trim().split('\n').filter((l) => l.startsWith('{'));
  t.ok(lines.length >= 3 && lines.every((l) => typeof (JSON.parse(l) as { msg?: unknown }).msg === 'string'), 'one JSON object per line');
  t.ok(lines.some((l) => (JSON.parse(l) as { msg: string }).msg === 'stopped'));
});
