/**
 * Test helper (not a test): the export-failure scenarios of issue 16 item 4, run by
 * export-failures-{1s,2s,15s}.test.ts. A real agent with the real OTLP exporter pushes the M2 Ultra
 * replay to a collector on loopback that is, in turn:
 *
 * - `down`: nothing listens (connection refused);
 * - `hang`: reads the whole request and never answers;
 * - `stall`: accepts the connection and never reads it;
 * - `trickle`: answers 200 and sends its body one byte at a time, forever;
 * - `ok`: reads the request and answers 200.
 *
 * Each outage is a fixed number of failed exports, then the collector comes back. The collector
 * changes state inside the agent's answer to the reader (before the next export can start), so the
 * sequence of outcomes is exact on any machine, at any speed: no wall-clock deadline is asserted.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import http, { type ClientRequest } from 'node:http';
import net from 'node:net';
import type { Test } from 'tap';
import { createAgent, type Agent } from '../../src/agent.ts';
import { ConfigSchema } from '../../src/config.ts';
import { EXPORT_ERROR_TYPES, type ExportErrorType } from '../../src/health.ts';
import { memoryLogger } from '../../src/log.ts';
import { statusOf } from '../../src/status-file.ts';
import { until } from '../helpers/wait.ts';
import { captureSources, M2_ULTRA, readCapture } from './capture.ts';
import { stablePort } from '../helpers/prometheus.ts';

export type FailureMode = 'down' | 'hang' | 'stall' | 'trickle';
export type CollectorMode = FailureMode | 'ok';

/** The class every export to a collector in this state must fail with. */
export const EXPECTED_TYPE: Record<FailureMode, ExportErrorType> = { down: 'unavailable', hang: 'timeout', stall: 'timeout', trickle: 'timeout' };

export const SECRETS = { header: 'hdr-s3cret-6b1f0e', password: 'pw-s3cret-90ac4d' };

export interface Collector {
  port: number;
  url: string;
  /** Change state now: `down` stops listening and drops every connection; any other state listens. */
  set(mode: CollectorMode): void;
  close(): Promise<void>;
}

export async function startCollector(port: number, initial: CollectorMode): Promise<Collector> {
  let mode: CollectorMode = initial;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const web = http.createServer((req, res) => {
    const m = mode;
    if (m === 'stall' || m === 'down') return void req.pause(); // a reused connection: never read
    req.resume();
    req.on('end', () => {
      if (m === 'hang') return;
      const type = String(req.headers['content-type'] ?? '').startsWith('application/json') ? 'application/json' : 'application/x-protobuf';
      if (m === 'ok') return void res.writeHead(200, { 'content-type': type }).end(type === 'application/json' ? '{}' : '');
      res.writeHead(200, { 'content-type': type });
      const tick = setInterval(() => res.write('\n'), 50);
      timers.add(tick);
      res.on('close', () => {
        clearInterval(tick);
        timers.delete(tick);
      });
    });
  });
  const raw = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (mode === 'stall') return void socket.pause();
    web.emit('connection', socket);
  });
  let listening = false;
  const listen = () => {
    if (listening) return;
    listening = true;
    raw.listen(port, '127.0.0.1');
  };
  const unlisten = () => {
    if (listening) raw.close();
    listening = false;
    for (const s of sockets) s.destroy();
  };
  const set = (m: CollectorMode) => {
    mode = m;
    if (m === 'down') unlisten();
    else listen();
  };
  set(initial);
  if (listening) await new Promise((r) => raw.once('listening', r));
  return {
    port,
    url: `http://user:${SECRETS.password}@127.0.0.1:${port}`,
    set,
    async close() {
      unlisten();
      for (const tick of timers) clearInterval(tick);
      web.close();
    },
  };
}

interface Answer {
  i: number;
  ok: boolean;
  type: ExportErrorType | undefined;
}

export interface Scenario {
  intervalMs: number;
  timeoutMs?: number;
  mode: FailureMode;
  /** `ticks`: the reader's own timer; `flush`: agent.flush() one export after the other (long intervals). */
  drive: 'ticks' | 'flush';
  failuresPerOutage: number;
  outages: number;
}

/** One scenario, asserted in full. */
export async function exportFailures(tt: Test, s: Scenario): Promise<void> {
  // Below the ephemeral range: while `down`, the agent's own connection attempts could otherwise take it.
  const port = await stablePort();
  const collector = await startCollector(port, s.mode);
  const config = ConfigSchema.parse({
    exporters: {
      otlp: {
        endpoint: collector.url,
        intervalMs: s.intervalMs,
        ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}),
        headers: { authorization: `Bearer ${SECRETS.header}` },
      },
      prometheus: { port: 0 },
    },
  });
  const log = memoryLogger();
  const agent: Agent = createAgent(config, { log, sources: captureSources(readCapture(M2_ULTRA)) });

  // Every request to the collector, in order with the exports (node:diagnostics_channel).
  const events: string[] = [];
  const open = new Set<ClientRequest>();
  let maxOpen = 0;
  const onRequest = (m: unknown) => {
    const req = (m as { request: ClientRequest }).request;
    if (req.getHeader('host') !== `127.0.0.1:${port}`) return;
    open.add(req);
    maxOpen = Math.max(maxOpen, open.size);
    events.push('request');
    req.once('close', () => {
      open.delete(req);
      events.push('closed');
    });
  };
  subscribe('http.client.request.created', onRequest);
  // What the SDK's periodic reader says about itself: it must never give up on an export (its own
  // timeout) nor skip a tick because the previous export still runs.
  const sdkSays: string[] = [];
  const keep = (...args: unknown[]) => void sdkSays.push(args.map(String).join(' '));
  diag.setLogger({ error: keep, warn: keep, info: keep, debug: keep, verbose: () => undefined }, { logLevel: DiagLogLevel.DEBUG, suppressOverrideMessage: true });

  await agent.start();
  const exporter = agent.otlp!.exporter;
  const answers: Answer[] = [];
  const answeredTimes = new Map<number, number>();
  const openAtStart: number[] = [];
  let started = 0;
  let phase: 'failing' | 'recovering' | 'done' = 'failing';
  let outage = 1;
  let failedThisOutage = 0;
  const inner = exporter.export.bind(exporter);
  exporter.export = (metrics, done) => {
    const i = started++;
    openAtStart.push(open.size);
    events.push(`export ${i}`);
    inner(metrics, (r) => {
      answeredTimes.set(i, (answeredTimes.get(i) ?? 0) + 1);
      const ok = r.code === 0;
      answers.push({ i, ok, type: ok ? undefined : agent.health.lastExportErrorType });
      events.push(`answer ${i}`);
      // The collector changes state here, before the next export can start.
      if (phase === 'failing' && !ok && ++failedThisOutage === s.failuresPerOutage) {
        phase = 'recovering';
        collector.set('ok');
      } else if (phase === 'recovering' && ok) {
        if (outage === s.outages) phase = 'done';
        else {
          outage++;
          failedThisOutage = 0;
          phase = 'failing';
          collector.set(s.mode);
        }
      }
      done(r);
    });
  };

  let metrics = '';
  try {
    if (s.drive === 'flush') {
      await until(
        async () => {
          await agent.flush();
          return phase === 'done';
        },
        { what: `${s.outages} outages of ${s.mode} at ${s.intervalMs} ms`, everyMs: 0 },
      );
    } else await until(() => phase === 'done', { what: `${s.outages} outages of ${s.mode} at ${s.intervalMs} ms` });
    // The pull endpoint, once every failure is counted (the collector is up from here on).
    metrics = await agent.prometheus!.text();
    // Every export made is answered before we look (stop() makes a last one).
    await agent.stop();
  } finally {
    diag.disable();
    unsubscribe('http.client.request.created', onRequest);
    await collector.close();
  }

  const h = agent.health;
  const N = s.failuresPerOutage * s.outages;
  const failures = answers.filter((a) => !a.ok);
  const firstSuccess = answers.findIndex((a) => a.ok);

  tt.equal(answers.length, started, `every export the reader made (${started}) was answered`);
  tt.ok([...answeredTimes.values()].every((n) => n === 1), 'each export answered exactly once');
  tt.equal(h.exports.failure + h.exports.success, started, 'failures + successes = exports the reader made');
  tt.equal(h.exports.failure, N, `${N} failures counted: ${s.failuresPerOutage} per outage`);
  tt.equal(firstSuccess, s.failuresPerOutage, 'the failures of the first outage are exactly the exports before the first success');
  tt.same(
    failures.map((a) => a.type),
    Array(N).fill(EXPECTED_TYPE[s.mode]),
    `every failure is ${EXPECTED_TYPE[s.mode]}`,
  );
  const perType = Object.fromEntries(EXPORT_ERROR_TYPES.map((k) => [k, k === EXPECTED_TYPE[s.mode] ? N : 0]));
  tt.same({ ...h.exportErrors }, perType, 'per-class counts in the health recorder');

  // One failure line and one recovery line per outage.
  const failedLines = log.lines.filter((l) => l.msg === 'OTLP export failed; will retry at the next interval');
  const recoveredLines = log.lines.filter((l) => l.msg === 'OTLP export recovered');
  tt.equal(failedLines.length, s.outages, 'one failure line per outage');
  tt.equal(recoveredLines.length, s.outages, 'one recovery line per outage');
  tt.same(
    recoveredLines.map((l) => l.failedExports),
    Array(s.outages).fill(s.failuresPerOutage),
    'each recovery line carries the failed exports of its outage',
  );
  tt.ok(failedLines.every((l) => l.errorType === EXPECTED_TYPE[s.mode]), 'the failure line names the class');

  // No overlap: one request at a time, none open when an export starts.
  tt.equal(maxOpen, 1, 'never two requests to the collector at once');
  tt.same(openAtStart, Array(started).fill(0), 'no request of an earlier export is open when an export starts');
  tt.ok(events.filter((e) => e === 'request').length >= started, 'each export reached the network (or was refused there)');

  const readerSays = sdkSays.filter((l) => l.startsWith('PeriodicExportingMetricReader'));
  tt.same(
    readerSays.filter((l) => /timed out|skipping/.test(l)),
    [],
    'the reader never timed out an export and never skipped a tick: every answer came before its own timeout',
  );

  // /metrics says the same, per class; no secret anywhere.
  const onPage = Object.fromEntries(
    EXPORT_ERROR_TYPES.map((k) => {
      const line = metrics.split('\n').find((l) => l.startsWith('silicon_agent_exports_total{') && l.includes(`error_type="${k}"`));
      return [k, line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))];
    }),
  );
  tt.same(onPage, perType, 'per-class failure counts on /metrics, every class from 0');
  const status = JSON.stringify(statusOf(h, { now: new Date() }));
  tt.equal(JSON.parse(status).export.lastErrorType, EXPECTED_TYPE[s.mode], 'the status file names the last class');
  const everything = JSON.stringify(log.lines) + status + String(h.lastExportError) + metrics;
  for (const secret of Object.values(SECRETS)) tt.notOk(everything.includes(secret), `${secret.slice(0, 6)}… in no log line, status or error`);
  tt.notOk(everything.includes('user:'), 'URL credentials in no log line');
}
