/**
 * The time budget of one OTLP export (docs/budget.md, "OTLP export time budget"). Every export must be
 * answered, counted and logged before the next push tick, at any interval from 1 s to 1 h, so three
 * timers nest inside the budget B = min(timeoutMs, intervalMs), a slack s = min(B / 10, 1 s) apart:
 *
 * - the official exporter's own `timeoutMillis` (its retries with back-off included): B − 2s;
 * - our counting wrapper's hard deadline (src/export/otlp.ts): B − s. It starts when the reader calls
 *   export(), before the reader's own timer, and is shorter, so it always answers first;
 * - the periodic reader's `exportTimeoutMillis`: B, never above the interval, so the reader never
 *   skips a tick because the previous export is still running.
 */

export interface OtlpBudget {
  /** B: the whole budget of one export. */
  budgetMs: number;
  /** s: the slack between the nested timers. */
  slackMs: number;
  /** The official exporter's timeoutMillis (covers its retries): B − 2s. */
  exporterTimeoutMs: number;
  /** The counting wrapper's hard deadline: B − s. */
  deadlineMs: number;
  /** The periodic reader's exportTimeoutMillis: B. */
  readerTimeoutMs: number;
}

/** The largest slack between the nested timers. */
export const MAX_SLACK_MS = 1000;

/** The budget for a configured export timeout and push interval (both > 0, in milliseconds). */
export function otlpBudget(timeoutMs: number, intervalMs: number): OtlpBudget {
  const budgetMs = Math.min(timeoutMs, intervalMs);
  const slackMs = Math.min(budgetMs / 10, MAX_SLACK_MS);
  return {
    budgetMs,
    slackMs,
    exporterTimeoutMs: budgetMs - 2 * slackMs,
    deadlineMs: budgetMs - slackMs,
    readerTimeoutMs: budgetMs,
  };
}
