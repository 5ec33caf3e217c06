/**
 * Issue 16 item 4 at a 1s push interval (the default 10 s timeout, so the budget is the interval):
 * with the collector down, hanging, never reading and trickling, every failed export is counted once
 * with its class, logged once per outage, and answered before the next tick (test/export/export-failures.ts).
 */
import t from 'tap';
import { exportFailures, type FailureMode } from './export-failures.ts';

t.setTimeout(600_000);
for (const mode of ['down', 'hang', 'stall', 'trickle'] as FailureMode[])
  t.test(`1s interval, collector ${mode}`, (tt) => exportFailures(tt, { intervalMs: 1000, mode, drive: 'ticks', failuresPerOutage: 3, outages: 2 }));
