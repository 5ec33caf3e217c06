/**
 * Test helpers for driving Debian's real Prometheus (2.42, package `prometheus`, which also ships
 * promtool) and the agent in replay mode, on loopback with free ports and scratch directories.
 *
 * A missing tool is a failure, never a skip: .ci/run installs the package, and a developer gets the
 * command that installs it.
 */
import { until, WAIT_CEILING_MS } from './wait.ts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';

/**
 * The absolute path of a command on PATH; throws (failing the test file) when it is missing, naming the
 * Debian package that ships it (`prometheus` for prometheus and promtool, `prometheus-alertmanager` for
 * prometheus-alertmanager and amtool).
 */
export function requireTool(name: string, pkg = 'prometheus'): string {
  try {
    return execFileSync('sh', ['-c', `command -v "$1"`, 'sh', name], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      `${name} is not installed: run \`apt-get install -y --no-install-recommends ${pkg}\` (Debian's package ${pkg} ships it; .ci/run installs it)` +
        (process.env.CI === 'true' ? ' — CI must have it' : ''),
    );
  }
}

/** A TCP port that was free on `host` a moment ago. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A free port below Linux's ephemeral range (32768–60999 by default): no outgoing connection on the
 * machine takes it as its source port meanwhile. A port from `freePort` can be taken that way while
 * nothing listens on it, even by a client connecting to it (a TCP self-connect on loopback), and a later
 * listen then fails with EADDRINUSE. For servers that start late or stop and start again.
 */
export async function stablePort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; ; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const ok = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
    if (tries > 1000) throw new Error('no free port in 20000-31999');
  }
}

/** The first defined value `probe` gives, polled every `everyMs` (./wait.ts `until`). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = WAIT_CEILING_MS, everyMs = 200): Promise<T> {
  return until(probe, { what, timeoutMs, everyMs });
}

export interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus {
  url: string;
  dir: string;
  /** Instant query through /api/v1/query; throws on a Prometheus error (bad query). */
  query(expr: string): Promise<PromSeries[]>;
  /** The scrape targets as /api/v1/targets reports them. */
  targets(): Promise<{ labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }[]>;
  stop(): Promise<void>;
}

/**
 * Start `prometheus` with the given configuration text on a free loopback port, with a scratch TSDB,
 * and wait until it is ready. `files` are written into the scratch directory first (e.g. a file_sd
 * target list the configuration points at); `args` are extra flags (e.g. --web.enable-remote-write-receiver).
 */
export async function startPrometheus(
  config: (dir: string) => string,
  files: Record<string, string> = {},
  args: string[] = [],
): Promise<RunningPrometheus> {
  const bin = requireTool('prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-prometheus-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'prometheus.yml'), config(dir));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ResultPromise = execa(
    bin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...args,
    ],
    { reject: false, stdin: 'ignore', all: true, buffer: true },
  );
  let exited = false;
  void child.finally(() => (exited = true));
  const stop = async () => {
    child.kill('SIGTERM');
    await child;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('Prometheus to be ready', async () => {
      if (exited) throw new Error(`prometheus exited: ${String((await child).all)}`);
      const r = await fetch(`${url}/-/ready`);
      return r.ok ? true : undefined;
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    dir,
    async query(expr) {
      const r = await fetch(`${url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: expr }),
      });
      const body = (await r.json()) as { status: string; error?: string; data?: { resultType: string; result: PromSeries[] } };
      if (body.status !== 'success' || !body.data) throw new Error(`query failed: ${body.error ?? r.status}: ${expr}`);
      if (body.data.resultType !== 'vector') throw new Error(`expected a vector, got ${body.data.resultType}: ${expr}`);
      return body.data.result;
    },
    async targets() {
      const r = await fetch(`${url}/api/v1/targets`);
      const body = (await r.json()) as { data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }[] } };
      return body.data.activeTargets;
    },
    stop,
  };
}

export interface RunningAgent {
  /** host:port of the agent's /metrics endpoint. */
  address: string;
  /** Everything the agent printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Start `node src/cli.ts run --replay <dir>` serving Prometheus metrics on `host` and a free port
 * (OTEL_EXPORTER_PROMETHEUS_HOST/PORT), OTLP push off, and wait until /metrics answers with
 * the agent's own metrics.
 */
export async function startReplayAgent(
  root: string,
  replayDir: string,
  opts: { host?: string; speed?: number } = {},
): Promise<RunningAgent> {
  const host = opts.host ?? '127.0.0.1';
  const port = await freePort(host);
  let out = '';
  const child = execa(
    process.execPath,
    [join(root, 'src', 'cli.ts'), 'run', '--replay', replayDir, ...(opts.speed ? ['--speed', String(opts.speed)] : [])],
    {
      cwd: root,
      reject: false,
      stdin: 'ignore',
      env: {
        OTEL_EXPORTER_PROMETHEUS_HOST: host,
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
        SILICON_AGENT_OTLP_ENABLED: 'false',
        SILICON_AGENT_LOG_LEVEL: 'warn',
      },
    },
  );
  let exited = false;
  void child.finally(() => (exited = true));
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const stop = async () => {
    child.kill('SIGTERM');
    await child;
  };
  const address = `${host}:${port}`;
  try {
    await waitFor(`the agent's /metrics on ${address}`, async () => {
      if (exited) throw new Error(`agent exited: ${out}`);
      const r = await fetch(`http://${address}/metrics`);
      return r.ok && (await r.text()).includes('silicon_agent_') ? true : undefined;
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { address, output: () => out, stop };
}
