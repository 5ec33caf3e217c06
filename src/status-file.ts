/**
 * The agent's own status file, for `silicon-agent status`: when it started, the last OTLP export
 * (success and failure), the last Prometheus scrape, and each source's state. JSON, replaced
 * atomically (write a temp file in the same directory, then rename), so a reader never sees half a
 * file. The launchd job points SILICON_AGENT_STATUS_FILE at /usr/local/var/silicon-agent/status.json.
 *
 * Wiring: `run` creates one `StatusWriter` when SILICON_AGENT_STATUS_FILE is set and passes it to
 * createAgent as its `observer` (src/agent.ts), which calls `source(name, status)` from each
 * SourceSink.status, `sample(name)` for each sample, `export(ok, error?)` after every OTLP push and
 * `scrape()` on every /metrics request; it writes at most every `flushMs` and on `close()`.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { SourceStatus } from './sources/source.ts';

export const STATUS_FILE_ENV = 'SILICON_AGENT_STATUS_FILE';

export const SourceEntry = z.object({
  state: z.enum(['starting', 'running', 'restarting', 'unavailable', 'stopped']),
  reason: z.string().optional(),
  lastSampleAt: z.string().optional(),
});

export const AgentStatus = z.object({
  version: z.literal(1),
  pid: z.number().int(),
  startedAt: z.string(),
  updatedAt: z.string(),
  replay: z.boolean().optional(),
  export: z
    .object({
      lastSuccessAt: z.string().optional(),
      lastFailureAt: z.string().optional(),
      lastError: z.string().optional(),
    })
    .default({}),
  prometheus: z.object({ lastScrapeAt: z.string().optional() }).default({}),
  sources: z.record(z.string(), SourceEntry).default({}),
});
export type AgentStatus = z.infer<typeof AgentStatus>;

export function writeStatusFile(path: string, status: AgentStatus): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(status, null, 2) + '\n', { mode: 0o640 });
  renameSync(tmp, path);
}

export type StatusRead = { ok: true; status: AgentStatus } | { ok: false; reason: string };

export function readStatusFile(path: string): StatusRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? `no status file at ${path} (the agent has not run yet)` : `cannot read ${path}: ${code}` };
  }
  try {
    const r = AgentStatus.safeParse(JSON.parse(text));
    return r.success ? { ok: true, status: r.data } : { ok: false, reason: `${path} is not a status file this version understands` };
  } catch {
    return { ok: false, reason: `${path} is not valid JSON` };
  }
}

export interface StatusWriter {
  source(name: string, s: SourceStatus): void;
  /** Called for every sample: only notes the time (no allocation, no I/O); the flush formats it. */
  sample(name: string): void;
  export(ok: boolean, error?: string): void;
  scrape(): void;
  /** The current document (for tests and `--json`). */
  snapshot(): AgentStatus;
  /** Write now (final state on shutdown) and stop the timer. */
  close(): void;
}

/**
 * The writer. Events only update the in-memory document; the file is written (temp file + rename)
 * by a timer at most once per `flushMs` (default 5 s) after something changed, and on `close()` —
 * never from the event itself, so a sample or an export never waits on the disk.
 */
export function createStatusWriter(path: string, opts: { flushMs?: number; now?: () => Date; replay?: boolean } = {}): StatusWriter {
  const now = opts.now ?? (() => new Date());
  const nowMs = opts.now ? () => opts.now!().getTime() : Date.now;
  const doc: AgentStatus = {
    version: 1,
    pid: process.pid,
    startedAt: now().toISOString(),
    updatedAt: now().toISOString(),
    ...(opts.replay ? { replay: true } : {}),
    export: {},
    prometheus: {},
    sources: {},
  };
  /** Last sample time per source (ms), formatted into the document when it is read or written. */
  const lastSample = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  const materialize = (): AgentStatus => {
    for (const [name, ms] of lastSample) {
      const prev = doc.sources[name] ?? { state: 'running' as const };
      doc.sources[name] = { ...prev, lastSampleAt: new Date(ms).toISOString() };
    }
    return doc;
  };
  const flush = () => {
    timer = undefined;
    doc.updatedAt = now().toISOString();
    try {
      writeStatusFile(path, materialize());
    } catch {
      // Status is best effort: a full disk must not take the agent down.
    }
  };
  const soon = () => {
    if (timer === undefined) {
      timer = setTimeout(flush, opts.flushMs ?? 5000);
      timer.unref();
    }
  };
  flush();
  return {
    source(name, s) {
      const prev = doc.sources[name];
      doc.sources[name] = { state: s.state, ...(s.reason ? { reason: s.reason } : {}), ...(prev?.lastSampleAt ? { lastSampleAt: prev.lastSampleAt } : {}) };
      soon();
    },
    sample(name) {
      lastSample.set(name, nowMs());
      soon();
    },
    export(ok, error) {
      if (ok) doc.export.lastSuccessAt = now().toISOString();
      else {
        doc.export.lastFailureAt = now().toISOString();
        if (error) doc.export.lastError = error.slice(0, 300);
      }
      soon();
    },
    scrape() {
      doc.prometheus.lastScrapeAt = now().toISOString();
      soon();
    },
    snapshot: () => structuredClone(materialize()),
    close() {
      if (timer) clearTimeout(timer);
      flush();
    },
  };
}
