/**
 * The agent's own status file, for `silicon-agent status`: when it started, the last OTLP export
 * (success and failure), the last Prometheus scrape, and each source's state. JSON, replaced
 * atomically (write a temp file in the same directory, then rename), so a reader never sees half a
 * file. The launchd job points SILICON_AGENT_STATUS_FILE at /usr/local/var/silicon-agent/status.json.
 *
 * Wiring: `run` creates one `StatusWriter` when SILICON_AGENT_STATUS_FILE is set, over the agent's
 * health recorder (src/health.ts) — the same state the self-metrics read, so the two never disagree.
 * The recorder tells the writer when anything changed; the writer writes at most every `flushMs`
 * after a change, and on `close()`, never from the event itself (a sample never waits on the disk).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { EXPORT_ERROR_TYPES, type HealthView } from './health.ts';
import { alignedDelay } from './sources/aligned.ts';
import { SOURCE_STATES } from './sources/source.ts';

export const STATUS_FILE_ENV = 'SILICON_AGENT_STATUS_FILE';

export const SourceEntry = z.object({
  state: z.enum(SOURCE_STATES),
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
      /** Class of the last failure (`error.type` on silicon_agent.exports). */
      lastErrorType: z.enum(EXPORT_ERROR_TYPES).optional(),
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
  /** The current document (for tests and `--json`). */
  snapshot(): AgentStatus;
  /** Write now (final state on shutdown) and stop the timer. */
  close(): void;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The status document for a health view. */
export function statusOf(h: HealthView, opts: { now: Date; replay?: boolean; pid?: number }): AgentStatus {
  const sources: AgentStatus['sources'] = {};
  for (const [name, s] of h.sources) {
    const lastSampleAt = iso(s.lastSampleAtMs);
    sources[name] = {
      state: s.status?.state ?? (s.samples > 0 ? 'running' : 'starting'),
      ...(s.status?.reason !== undefined ? { reason: s.status.reason } : {}),
      ...(lastSampleAt !== undefined ? { lastSampleAt } : {}),
    };
  }
  const exp: AgentStatus['export'] = {};
  const ok = iso(h.lastExportSuccessAtMs);
  const bad = iso(h.lastExportFailureAtMs);
  if (ok !== undefined) exp.lastSuccessAt = ok;
  if (bad !== undefined) exp.lastFailureAt = bad;
  if (h.lastExportError !== undefined) exp.lastError = h.lastExportError;
  if (h.lastExportErrorType !== undefined) exp.lastErrorType = h.lastExportErrorType;
  const scrape = iso(h.lastScrapeAtMs);
  return {
    version: 1,
    pid: opts.pid ?? process.pid,
    startedAt: new Date(h.startedAtMs).toISOString(),
    updatedAt: opts.now.toISOString(),
    ...(opts.replay ? { replay: true } : {}),
    export: exp,
    prometheus: scrape !== undefined ? { lastScrapeAt: scrape } : {},
    sources,
  };
}

/**
 * The writer over a health recorder: it subscribes to its changes (one listener, `Health.onChange`),
 * and writes the file (temp file + rename) once something changed, at the next multiple of `flushMs`
 * (default 5 s) on the wall clock (0.5–1.5 intervals later), and on `close()`.
 */
export function createStatusWriter(
  path: string,
  health: HealthView & { onChange(l: (() => void) | undefined): void },
  opts: { flushMs?: number; now?: () => Date; replay?: boolean } = {},
): StatusWriter {
  const now = opts.now ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  const doc = (): AgentStatus => statusOf(health, { now: now(), ...(opts.replay ? { replay: true } : {}) });
  const flush = () => {
    timer = undefined;
    try {
      writeStatusFile(path, doc());
    } catch {
      // Status is best effort: a full disk must not take the agent down.
    }
  };
  health.onChange(() => {
    if (timer === undefined) {
      // On the wall-clock grid (src/sources/aligned.ts), where the sources' own timers fire: the
      // write shares their wakeup instead of waking the process once more every interval.
      timer = setTimeout(flush, alignedDelay(opts.flushMs ?? 5000));
      timer.unref();
    }
  });
  flush();
  return {
    snapshot: doc,
    close() {
      health.onChange(undefined);
      if (timer) clearTimeout(timer);
      flush();
    },
  };
}
