/**
 * Test helpers (not a test) for the real OpenTelemetry Collector test peer (docs/collector.md): find the
 * binary through test-support/collector/build.sh, run it as a plain process on loopback with a scratch
 * config, and run replaying agents that push OTLP/HTTP into it. Everything talks to the agent through its
 * CLI (`node src/cli.ts run --replay …`) and HTTP only.
 *
 * A Collector that cannot be built is a failure, never a skip: .ci/run builds it before `npm test`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, NODE_FLAGS, cleanEnv, writeConfig } from '../robustness/agent-process.ts';
import { freePort, waitFor } from './prometheus.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BUILD_SCRIPT = join(ROOT, 'test-support', 'collector', 'build.sh');

/**
 * A cold build takes minutes (docs/collector.md gives the figures); a test file has 120 s. Past this the
 * build is stopped and the test fails saying how to build it once.
 */
const BUILD_CEILING_MS = 90_000;

let cached: string | undefined;

/** The Collector binary's path, from the (cached) build script. Rejects with a clear error when it cannot be had. */
export async function collectorBinary(): Promise<string> {
  if (cached) return cached;
  // Its own process group, so a build stopped at the ceiling takes its `go build` children with it.
  const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid!);
  }, BUILD_CEILING_MS);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  if (timedOut) {
    throw new Error(
      `the test Collector is not built yet and building it took longer than ${BUILD_CEILING_MS / 1000} s (a cold build takes minutes): ` +
        'run `test-support/collector/build.sh` once (.ci/run does), then run the tests again',
    );
  }
  const path = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !path.startsWith('/')) {
    throw new Error(
      `test-support/collector/build.sh failed (exit ${code ?? signal}); the Collector tests need Go and the Go module proxy ` +
        `(docs/collector.md). Its output:\n${stderr}`,
    );
  }
  cached = path;
  return path;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Run the Collector binary to completion (e.g. `validate`); no shell. */
export async function runCollector(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; output: string }> {
  const r = spawnSync(await collectorBinary(), args, {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export interface RunningCollector {
  /** Base URL of the OTLP/HTTP receiver (`/v1/metrics` is appended by the agent). */
  otlpUrl: string;
  dir: string;
  /** Everything the Collector logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Start the Collector with `--config` for each file in `configs` (written into a scratch directory; later
 * files are merged over earlier ones by the Collector, lists replaced), `paths` are config files used in
 * place (e.g. deploy/otel-collector.yaml). Ready when its OTLP/HTTP receiver on `otlpPort` accepts an empty
 * export request (what the agent will send to), polled with a generous ceiling.
 */
export async function startCollector(opts: {
  otlpPort: number;
  configs?: string[];
  paths?: string[];
  env?: Record<string, string>;
}): Promise<RunningCollector> {
  const bin = await collectorBinary();
  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-otelcol-'));
  const files = [...(opts.paths ?? [])];
  for (const [i, text] of (opts.configs ?? []).entries()) {
    const f = join(dir, `config-${i}.yaml`);
    writeFileSync(f, text);
    files.push(f);
  }
  let out = '';
  const child = spawn(bin, files.map((f) => `--config=${f}`), {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dir, ...opts.env },
  });
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = once(child, 'exit');
  let gone = false;
  void exited.then(() => (gone = true));
  const otlpUrl = `http://127.0.0.1:${opts.otlpPort}`;
  const stop = async () => {
    await stopChild(child, exited, () => gone);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `the Collector's OTLP/HTTP receiver on ${otlpUrl}`,
      async () => {
        if (gone) throw new Error(`the Collector exited: ${out}`);
        const r = await fetch(`${otlpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        return r.ok ? true : undefined;
      },
      60_000,
      200,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { otlpUrl, dir, log: () => out, stop };
}

/** SIGTERM, then (if it does not exit within a generous ceiling) SIGKILL; resolves once it has exited. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>, gone: () => boolean): Promise<void> {
  if (gone()) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

export interface PushingAgent {
  /** The agent's own Prometheus page. */
  metricsUrl: string;
  /** Its JSON log lines so far (stderr). */
  lines(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * `node src/cli.ts run --replay <replayDir> --config <file>` with `config` (the agent's JSON config file;
 * the Prometheus endpoint is put on a free loopback port here), in an environment without the test
 * runner's instrumentation and without any OTEL_* variable of the caller's shell. Ready when its /metrics
 * serves the agent's own metrics.
 */
export async function startPushingAgent(replayDir: string, config: Record<string, unknown>): Promise<PushingAgent> {
  const port = await freePort();
  const exporters = (config.exporters ?? {}) as Record<string, unknown>;
  const file = writeConfig({ ...config, exporters: { ...exporters, prometheus: { host: '127.0.0.1', port } } });
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(cleanEnv())) if (!k.startsWith('OTEL_')) env[k] = v;
  const child = spawn(process.execPath, [...NODE_FLAGS, CLI, 'run', '--replay', replayDir, '--config', file], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...env, SILICON_AGENT_LOG_LEVEL: 'info', SILICON_AGENT_CONFIG: '' },
  });
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ msg: line, raw: true });
      }
    }
  });
  const exited = once(child, 'exit');
  let gone = false;
  void exited.then(() => (gone = true));
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const stop = async () => {
    await stopChild(child, exited, () => gone);
    rmSync(join(file, '..'), { recursive: true, force: true });
  };
  try {
    await waitFor(
      `the agent's /metrics on ${metricsUrl}`,
      async () => {
        if (gone) throw new Error(`the agent exited: ${JSON.stringify(lines.slice(-5))}`);
        const r = await fetch(metricsUrl);
        return r.ok && (await r.text()).includes('silicon_agent_') ? true : undefined;
      },
      60_000,
      200,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { metricsUrl, lines: () => lines, stop };
}

/** GET a page's text; throws on a non-200 answer. */
export async function getText(url: string): Promise<string> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return r.text();
}
