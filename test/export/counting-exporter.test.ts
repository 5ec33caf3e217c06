/**
 * The counting wrapper (src/export/otlp.ts) over exporters that misbehave, and the time budget
 * (src/export/otlp-budget.ts) over the whole configurable range. Waits poll (test/helpers/wait.ts);
 * nothing here asserts how long anything took.
 */
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import t from 'tap';
import { Health } from '../../src/health.ts';
import { memoryLogger, type Logger } from '../../src/log.ts';
import { otlpBudget } from '../../src/export/otlp-budget.ts';
import { CountingExporter } from '../../src/export/otlp.ts';
import { waitFor } from '../helpers/wait.ts';

type Callback = Parameters<PushMetricExporter['export']>[1];
type Result = Parameters<Callback>[0];
const METRICS = {} as ResourceMetrics;

/** An exporter whose every call the test answers by hand (or never). */
class HandExporter implements PushMetricExporter {
  calls: Callback[] = [];
  throwOnExport: Error | undefined;
  export(_m: ResourceMetrics, cb: Callback): void {
    if (this.throwOnExport) throw this.throwOnExport;
    this.calls.push(cb);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

function exportOnce(ex: CountingExporter): { results: Result[] } {
  const results: Result[] = [];
  ex.export(METRICS, (r) => results.push(r));
  return { results };
}

const failed = (message: string): Result => ({ code: 1, error: Object.assign(new Error(message), { code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port: 4318 }) });

t.test('the budget nests its three timers inside min(timeout, interval), over the whole configurable range', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1000, max: 3_600_000 }), fc.integer({ min: 1, max: 600_000 }) /* config.ts: intervalMs and timeoutMs ranges */, (intervalMs, timeoutMs) => {
      const b = otlpBudget(timeoutMs, intervalMs);
      return (
        b.budgetMs === Math.min(timeoutMs, intervalMs) &&
        b.slackMs > 0 &&
        b.slackMs <= 1000 &&
        b.slackMs <= b.budgetMs / 10 &&
        b.exporterTimeoutMs > 0 &&
        b.exporterTimeoutMs < b.deadlineMs &&
        b.deadlineMs < b.readerTimeoutMs &&
        b.readerTimeoutMs <= intervalMs &&
        b.readerTimeoutMs <= timeoutMs &&
        // the gaps are the slack (to rounding: a 1 ms timeout gives 0.8 / 0.9 / 1 ms)
        Math.abs(b.deadlineMs - b.exporterTimeoutMs - b.slackMs) < 1e-9 &&
        Math.abs(b.readerTimeoutMs - b.deadlineMs - b.slackMs) < 1e-9
      );
    }),
    { numRuns: 5000 },
  );
  // Values worked by hand: 1 s interval with the default 10 s timeout; 2 s; 15 s with 2 s; 1 h with 10 min.
  t.same(otlpBudget(10_000, 1000), { budgetMs: 1000, slackMs: 100, exporterTimeoutMs: 800, deadlineMs: 900, readerTimeoutMs: 1000 });
  t.same(otlpBudget(10_000, 2000), { budgetMs: 2000, slackMs: 200, exporterTimeoutMs: 1600, deadlineMs: 1800, readerTimeoutMs: 2000 });
  t.same(otlpBudget(2000, 15_000), { budgetMs: 2000, slackMs: 200, exporterTimeoutMs: 1600, deadlineMs: 1800, readerTimeoutMs: 2000 });
  t.same(otlpBudget(600_000, 3_600_000), { budgetMs: 600_000, slackMs: 1000, exporterTimeoutMs: 598_000, deadlineMs: 599_000, readerTimeoutMs: 600_000 });
  t.end();
});

t.test('an exporter that never answers: the export is answered at the deadline as a timeout, and the exporter is not called again while it runs', async (t) => {
  const inner = new HandExporter();
  const health = new Health();
  const log = memoryLogger();
  const ex = new CountingExporter(inner, health, { url: 'http://u:p4ssword@collector:4318/v1/metrics', deadlineMs: 20, log });
  const first = exportOnce(ex);
  await waitFor(() => first.results.length === 1, { what: 'the deadline answer' });
  t.equal(first.results[0]!.code, 1);
  t.equal(health.exports.failure, 1);
  t.equal(health.exportErrors.timeout, 1);
  const second = exportOnce(ex);
  t.equal(second.results.length, 1, 'answered at once: the previous call still runs');
  t.equal(inner.calls.length, 1, 'the exporter was not called again');
  t.equal(health.exportErrors.timeout, 2);
  t.equal(log.lines.filter((l) => l.msg === 'OTLP export failed; will retry at the next interval').length, 1, 'one line for the outage');
  t.notOk(JSON.stringify(log.lines).includes('p4ssword'), 'no URL password in the log');
  // The exporter finally answers (late): ignored, and the next export reaches it again.
  inner.calls[0]!({ code: 0 });
  t.equal(health.exports.success, 0, 'a late answer for a counted export is ignored');
  const third = exportOnce(ex);
  t.equal(inner.calls.length, 2, 'called again once its previous call ended');
  inner.calls[1]!({ code: 0 });
  t.same(third.results, [{ code: 0 }]);
  t.same({ ...health.exports }, { success: 1, failure: 2 });
  const recovered = log.lines.filter((l) => l.msg === 'OTLP export recovered');
  t.equal(recovered.length, 1);
  t.equal(recovered[0]!.failedExports, 2, 'the recovery line carries the failed exports of the outage');
});

t.test('an exporter that answers twice: counted once, answered once', async (t) => {
  const inner = new HandExporter();
  const health = new Health();
  const ex = new CountingExporter(inner, health, { url: 'http://collector:4318/v1/metrics', deadlineMs: 60_000 });
  const r = exportOnce(ex);
  inner.calls[0]!(failed('connect ECONNREFUSED'));
  inner.calls[0]!({ code: 0 });
  t.equal(r.results.length, 1);
  t.same({ ...health.exports }, { success: 0, failure: 1 });
  t.equal(health.exportErrors.unavailable, 1);
  t.equal(health.lastExportError, 'connect ECONNREFUSED 127.0.0.1:4318', 'the message from the system error’s fields');
});

t.test('an exporter that throws: a failed export of class _OTHER, its text free of secrets', async (t) => {
  const inner = new HandExporter();
  inner.throwOnExport = new Error('boom at https://user:hunter2pw@collector/ with header Bearer tok-9f8e7d');
  const health = new Health();
  const ex = new CountingExporter(inner, health, {
    url: 'https://user:hunter2pw@collector/v1/metrics',
    deadlineMs: 60_000,
    secrets: { url: 'https://user:hunter2pw@collector/v1/metrics', headers: { authorization: 'Bearer tok-9f8e7d' } },
  });
  const r = exportOnce(ex);
  t.equal(r.results.length, 1);
  t.equal(health.exportErrors._OTHER, 1);
  t.equal(health.lastExportError, 'boom at https://collector/ with header [redacted]');
  // Not busy after a throw: the next export reaches the exporter.
  inner.throwOnExport = undefined;
  exportOnce(ex);
  t.equal(inner.calls.length, 1);
});

t.test('counting or logging that throws never keeps the answer from the reader', async (t) => {
  const inner = new HandExporter();
  const health = new Health();
  health.exported = () => {
    throw new Error('recorder broken');
  };
  const log: Logger = { ...memoryLogger(), warn: () => { throw new Error('log broken'); }, info: () => { throw new Error('log broken'); } };
  const ex = new CountingExporter(inner, health, { url: 'http://collector:4318/v1/metrics', deadlineMs: 20, log });
  const a = exportOnce(ex);
  inner.calls[0]!(failed('x'));
  t.equal(a.results.length, 1, 'failure answered');
  const b = exportOnce(ex);
  inner.calls[1]!({ code: 0 });
  t.same(b.results, [{ code: 0 }], 'success answered');
  const c = exportOnce(ex);
  await waitFor(() => c.results.length === 1, { what: 'the deadline answer' });
  t.equal(c.results[0]!.code, 1, 'deadline answered');
});

t.test('an outage is logged once, and a success re-arms the line for the next one', async (t) => {
  const inner = new HandExporter();
  const health = new Health();
  const log = memoryLogger();
  const ex = new CountingExporter(inner, health, { url: 'http://collector:4318/v1/metrics', deadlineMs: 60_000, log });
  const script: Result[] = [failed('a'), failed('b'), failed('c'), { code: 0 }, { code: 0 }, failed('d'), { code: 0 }];
  for (const [i, r] of script.entries()) {
    exportOnce(ex);
    inner.calls[i]!(r);
  }
  const lines = log.lines.filter((l) => /^OTLP export (failed|recovered)/.test(String(l.msg))).map((l) => [l.msg, l.failedExports]);
  t.same(lines, [
    ['OTLP export failed; will retry at the next interval', undefined],
    ['OTLP export recovered', 3],
    ['OTLP export failed; will retry at the next interval', undefined],
    ['OTLP export recovered', 1],
  ]);
  t.same({ ...health.exports }, { success: 3, failure: 4 });
});
