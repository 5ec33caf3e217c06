/**
 * Test helper (not a test): runs the real CLI (`node src/cli.ts run --replay …`) as a child
 * process with a JSON config file, collects its JSON log lines, and provides an OTLP/HTTP
 * receiver on a fixed port that can be taken down and brought back (outage tests).
 */
import { WAIT_CEILING_MS } from '../helpers/wait.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOtlpSchema } from '../export/otlp-receiver.ts';
import { freePort } from '../helpers/prometheus.ts';

export const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
export const M2_ULTRA = new URL('../../fixtures/replay/m2-ultra', import.meta.url).pathname;

export interface AgentProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  configFile: string;
  /** Resolves with the first log line matching, or rejects after `ms`. */
  waitLog(pred: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>;
}

export function writeConfig(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-test-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/**
 * The environment without the test runner's instrumentation (tap passes NODE_OPTIONS loaders and
 * NODE_V8_COVERAGE to children): the agent under test runs as it would in production.
 */
export function cleanEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(NODE_OPTIONS|NODE_V8_COVERAGE|TAP|_TAPJS)/.test(k)) env[k] = v;
  return env;
}

/** Same flags as `npm start` (package.json) and the launchd job. */
export const NODE_FLAGS = ['--max-old-space-size=96', '--min-semi-space-size=2', '--max-semi-space-size=2', '--single-threaded', '--no-opt', '--v8-pool-size=1'];

export interface StartOptions {
  /** The CLI entry to run (default: src/cli.ts; a compiled dist/src/cli.js for production-like runs). */
  cli?: string;
  /** Shell commands run first, in `sh -c '<prefix>; exec node …'` (e.g. `ulimit -n 256`). */
  shellPrefix?: string;
}

export function startAgent(config: unknown, extraArgs: string[] = [], opts: StartOptions = {}): AgentProcess {
  const configFile = writeConfig(config);
  const argv = [...NODE_FLAGS, opts.cli ?? CLI, 'run', '--replay', M2_ULTRA, '--config', configFile, ...extraArgs];
  const env = { ...cleanEnv(), SILICON_AGENT_LOG_LEVEL: 'info', SILICON_AGENT_CONFIG: '' };
  const child =
    opts.shellPrefix === undefined
      ? spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], env })
      : spawn('sh', ['-c', `${opts.shellPrefix}; exec "$0" "$@"`, process.execPath, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = [];
  let buf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        rec = { msg: line, raw: true };
      }
      lines.push(rec);
      for (const w of [...waiters]) if (w.pred(rec)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(rec);
      }
    }
  });
  const exit = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
    atMs: performance.now(),
  }));
  return {
    child,
    lines,
    configFile,
    exit,
    waitLog(pred, ms = WAIT_CEILING_MS) {
      const found = lines.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching log line in ${ms} ms; last: ${JSON.stringify(lines.slice(-3))}`)), ms);
        waiters.push({ pred, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
  };
}

export interface Export {
  atMs: number;
  /** Metric names in the request. */
  names: Set<string>;
  /** `silicon_agent.exports` points summed by outcome (failures over every error.type), as the agent reported them in this request. */
  exportsByOutcome: Record<string, number>;
  /** `process.memory.usage{agent}`, when present. */
  agentRssBytes?: number;
}

/** A minimal OTLP/HTTP protobuf receiver on a fixed port that can go down and come back. */
export interface SwitchableReceiver {
  port: number;
  url: string;
  exports: Export[];
  up(): Promise<void>;
  down(): Promise<void>;
  /** Resolves with the first export received after the call. */
  next(ms?: number): Promise<Export>;
}

type Any = Record<string, unknown>;

export function switchableReceiver(port: number): SwitchableReceiver {
  const schema = loadOtlpSchema();
  const exports: Export[] = [];
  const waiters: Array<(e: Export) => void> = [];
  let server: http.Server | undefined;
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const msg = schema.request.toObject(schema.request.decode(Buffer.concat(chunks)), { longs: String, enums: String }) as Any;
      const metrics = ((msg.resourceMetrics as Any[]) ?? []).flatMap((rm) =>
        ((rm.scopeMetrics as Any[]) ?? []).flatMap((sm) => (sm.metrics as Any[]) ?? []),
      );
      const e: Export = { atMs: performance.now(), names: new Set(metrics.map((m) => String(m.name))), exportsByOutcome: {} };
      for (const m of metrics) {
        const pts = (((m.sum ?? m.gauge) as Any | undefined)?.dataPoints as Any[] | undefined) ?? [];
        for (const p of pts) {
          const attrs = Object.fromEntries(((p.attributes as Any[]) ?? []).map((kv) => [kv.key, Object.values(kv.value as Any)[0]]));
          const v = Number(p.asDouble ?? p.asInt);
          if (m.name === 'silicon_agent.exports') {
            const outcome = String(attrs['silicon_agent.outcome']);
            e.exportsByOutcome[outcome] = (e.exportsByOutcome[outcome] ?? 0) + v;
          }
          if (m.name === 'process.memory.usage' && attrs['silicon_agent.process'] === 'agent') e.agentRssBytes = v;
        }
      }
      exports.push(e);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(schema.response.encode({}).finish());
      for (const w of waiters.splice(0)) w(e);
    });
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    exports,
    async up() {
      server = http.createServer(handler);
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    async down() {
      const s = server;
      server = undefined;
      if (!s) return;
      const closed = once(s, 'close');
      s.close();
      s.closeAllConnections();
      await closed;
    },
    next(ms = WAIT_CEILING_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no export in ${ms} ms`)), ms);
        waiters.push((e) => (clearTimeout(timer), resolve(e)));
      });
    },
  };
}

/** RSS of a pid from /proc (Linux) in bytes, or undefined. */
export async function rssOf(pid: number): Promise<number | undefined> {
  const { readChildrenLinux, readChildrenPs } = await import('../../src/selfmeter.ts');
  const read = process.platform === 'linux' ? readChildrenLinux : readChildrenPs;
  return (await read([pid])).get(pid)?.rssBytes;
}

/**
 * A receiver that is up and an agent exporting to it only when flushed (60 s interval), each on a
 * free port; both are torn down with the test. The shape of every signal test.
 */
export async function agentWithFlushOnlyReceiver(t: { teardown(fn: () => unknown): void }) {
  const receiver = switchableReceiver(await freePort());
  await receiver.up();
  const agent = startAgent({
    exporters: { otlp: { endpoint: receiver.url, intervalMs: 60_000 }, prometheus: { port: await freePort() } },
  });
  t.teardown(() => {
    agent.child.kill('SIGKILL');
    return receiver.down();
  });
  return { receiver, agent };
}
