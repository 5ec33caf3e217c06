/**
 * The agent's own health: one owner for every counter and state the agent reports about itself —
 * samples, parse errors, dropped values, restarts, source states and freshness, export outcomes,
 * scrapes, the budget level and the metered cost of the agent and its children.
 *
 * Writers call methods (the store, the plausibility filter's verdicts through the store, the OTLP
 * exporter, the Prometheus endpoint, the self-meter, the governor); nobody mutates shared fields.
 * Readers get the read-only `HealthView`: the catalog's self-metrics (src/catalog/agent.ts) and the
 * status file (src/status-file.ts) both read it, so they can never disagree.
 *
 * Every enumerated value (drop reason, parse-error kind, outcome, source state) is a typed constant
 * shared with the catalog's attribute table, never free text.
 */
import type { DropReason, ParseErrorKind } from './samples.ts';
import { scrub } from './secrets.ts';
import type { SourceStatus } from './sources/source.ts';

/** Outcome of one OTLP export (`silicon_agent.outcome`). */
export const EXPORT_OUTCOMES = ['success', 'failure'] as const;
export type ExportOutcome = (typeof EXPORT_OUTCOMES)[number];

/**
 * Class of a failed OTLP export (`error.type` on `silicon_agent.exports{silicon_agent.outcome="failure"}`),
 * as semconv's otel.sdk.exporter.* metrics use it: only on failures, the cause of the export's last
 * attempt. A closed set: `timeout` (no answer within the export's time budget), `unavailable`
 * (connection refused, reset or unreachable; name not resolved), `tls` (handshake or certificate),
 * `http_4xx` and `http_5xx` (the collector answered with that status), `_OTHER` (anything else).
 */
export const EXPORT_ERROR_TYPES = ['timeout', 'unavailable', 'tls', 'http_4xx', 'http_5xx', '_OTHER'] as const;
export type ExportErrorType = (typeof EXPORT_ERROR_TYPES)[number];

/** CPU seconds and resident memory of one process kind (`agent`, or a child kind such as `powermetrics`). */
export interface ProcessReading {
  userS: number;
  systemS: number;
  rssBytes: number;
}

export interface SourceHealth {
  samples: number;
  parseErrors: Map<ParseErrorKind, number>;
  dropped: Map<DropReason, number>;
  restarts: number;
  status: SourceStatus | undefined;
  /** Running and its latest sample fresh; undefined until the store has judged it once. */
  up: boolean | undefined;
  lastSampleAtMs: number | undefined;
}

/** What readers see: nothing here can be written through this type. */
export interface HealthView {
  readonly startedAtMs: number;
  /** Per source, in the order the sources were first heard of. */
  readonly sources: ReadonlyMap<string, Readonly<Omit<SourceHealth, 'parseErrors' | 'dropped'>> & {
    readonly parseErrors: ReadonlyMap<ParseErrorKind, number>;
    readonly dropped: ReadonlyMap<DropReason, number>;
  }>;
  readonly exports: Readonly<Record<ExportOutcome, number>>;
  /** Failed exports by class; they sum to `exports.failure`. */
  readonly exportErrors: Readonly<Record<ExportErrorType, number>>;
  readonly lastExportSuccessAtMs: number | undefined;
  readonly lastExportFailureAtMs: number | undefined;
  /** The last export error, already free of secrets (the exporter redacts it). */
  readonly lastExportError: string | undefined;
  readonly lastExportErrorType: ExportErrorType | undefined;
  readonly scrapes: number;
  readonly lastScrapeAtMs: number | undefined;
  readonly processes: ReadonlyMap<string, Readonly<ProcessReading>>;
  readonly budgetLevel: number;
  /** Connections the Prometheus endpoint refused because it was at its cap. */
  readonly connectionsRefused: number;
}

export interface HealthOptions {
  /** Milliseconds clock (Date.now by default). */
  now?: () => number;
}

export class Health implements HealthView {
  readonly startedAtMs: number;
  private readonly now: () => number;
  private readonly bySource = new Map<string, SourceHealth>();
  private readonly exportCounts: Record<ExportOutcome, number> = { success: 0, failure: 0 };
  private readonly errorCounts = Object.fromEntries(EXPORT_ERROR_TYPES.map((k) => [k, 0])) as Record<ExportErrorType, number>;
  private exportErrorType: ExportErrorType | undefined;
  private readonly procs = new Map<string, ProcessReading>();
  private successAt: number | undefined;
  private failureAt: number | undefined;
  private exportError: string | undefined;
  private scrapeCount = 0;
  private scrapeAt: number | undefined;
  private level = 0;
  private refused = 0;
  private listener: (() => void) | undefined;

  constructor(opts: HealthOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.startedAtMs = this.now();
  }

  // ---- the view ----
  get sources(): HealthView['sources'] {
    return this.bySource;
  }
  get exports(): Readonly<Record<ExportOutcome, number>> {
    return this.exportCounts;
  }
  get lastExportSuccessAtMs(): number | undefined {
    return this.successAt;
  }
  get lastExportFailureAtMs(): number | undefined {
    return this.failureAt;
  }
  get lastExportError(): string | undefined {
    return this.exportError;
  }
  get exportErrors(): Readonly<Record<ExportErrorType, number>> {
    return this.errorCounts;
  }
  get lastExportErrorType(): ExportErrorType | undefined {
    return this.exportErrorType;
  }
  get scrapes(): number {
    return this.scrapeCount;
  }
  get lastScrapeAtMs(): number | undefined {
    return this.scrapeAt;
  }
  get processes(): ReadonlyMap<string, Readonly<ProcessReading>> {
    return this.procs;
  }
  get budgetLevel(): number {
    return this.level;
  }
  get connectionsRefused(): number {
    return this.refused;
  }

  /** One listener told after any change (the status file arms its write timer with it). Cheap: no arguments. */
  onChange(listener: (() => void) | undefined): void {
    this.listener = listener;
  }

  private changed(): void {
    this.listener?.();
  }

  private of(source: string): SourceHealth {
    let h = this.bySource.get(source);
    if (h === undefined) {
      h = {
        samples: 0,
        parseErrors: new Map(),
        dropped: new Map(),
        restarts: 0,
        status: undefined,
        up: undefined,
        lastSampleAtMs: undefined,
      };
      this.bySource.set(source, h);
    }
    return h;
  }

  // ---- writers ----
  /** A sample of `source` was accepted by the store at `atMs`. */
  sample(source: string, atMs: number = this.now()): void {
    const h = this.of(source);
    h.samples++;
    h.lastSampleAtMs = atMs;
    this.changed();
  }

  parseError(source: string, kind: ParseErrorKind): void {
    const m = this.of(source).parseErrors;
    m.set(kind, (m.get(kind) ?? 0) + 1);
    this.changed();
  }

  /** `n` values of `source` were dropped before export, for `reason`. */
  dropped(source: string, reason: DropReason, n = 1): void {
    if (!(n > 0)) return;
    const m = this.of(source).dropped;
    m.set(reason, (m.get(reason) ?? 0) + n);
    this.changed();
  }

  /** One child restart (crash or hang) of `source`. */
  restarted(source: string): void {
    this.of(source).restarts++;
    this.changed();
  }

  sourceStatus(source: string, status: SourceStatus): void {
    this.of(source).status = status;
    this.changed();
  }

  /** The store's freshness verdict (running, and the latest sample not stale). */
  sourceUp(source: string, up: boolean): void {
    const h = this.of(source);
    if (h.up === up) return;
    h.up = up;
    this.changed();
  }

  /**
   * One OTLP export finished. On a failure, `error` (scrubbed of registered secrets again here,
   * src/secrets.ts) and its class; a class outside the closed set counts as `_OTHER`.
   */
  exported(outcome: ExportOutcome, error?: string, errorType: ExportErrorType = '_OTHER'): void {
    this.exportCounts[outcome]++;
    if (outcome === 'success') this.successAt = this.now();
    else {
      const type: ExportErrorType = (EXPORT_ERROR_TYPES as readonly string[]).includes(errorType) ? errorType : '_OTHER';
      this.errorCounts[type]++;
      this.exportErrorType = type;
      this.failureAt = this.now();
      if (error !== undefined) this.exportError = scrub(error).slice(0, 300);
    }
    this.changed();
  }

  /** One /metrics scrape was served. */
  scraped(): void {
    this.scrapeCount++;
    this.scrapeAt = this.now();
    this.changed();
  }

  connectionRefused(): void {
    this.refused++;
    this.changed();
  }

  budget(level: number): void {
    if (this.level === level) return;
    this.level = level;
    this.changed();
  }

  /** The self-meter's reading of one process kind (`agent`, `powermetrics`, …). */
  process(kind: string, r: ProcessReading): void {
    this.procs.set(kind, { userS: r.userS, systemS: r.systemS, rssBytes: r.rssBytes });
    this.changed();
  }
}
