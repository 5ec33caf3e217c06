/**
 * Issue 16 item 4 at the default 15 s push interval with a 2 s export timeout: the test drives the
 * exports with agent.flush() instead of waiting for ticks. With the collector down, hanging, never
 * reading and trickling, every failed export is counted once with its class and logged once per
 * outage (test/export/export-failures.ts).
 */
import t from 'tap';
import { exportFailures, type FailureMode } from './export-failures.ts';

t.setTimeout(600_000);
for (const mode of ['down', 'hang', 'stall', 'trickle'] as FailureMode[])
  t.test(`15 s interval, 2 s timeout, collector ${mode}`, (tt) =>
    exportFailures(tt, { intervalMs: 15_000, timeoutMs: 2000, mode, drive: 'flush', failuresPerOutage: 3, outages: 2 }));
