/**
 * Issue 16 item 4, timed: how long the agent takes to answer an OTLP export while the collector is
 * down, hangs, never reads or trickles its answer, as a ratio of the push interval. The target is
 * < 1 at every interval (each export answered before the next tick, so the reader never skips one);
 * by the budget (src/export/otlp-budget.ts) it is at most (B − s) / interval plus the time to collect.
 *
 * A real agent and exporter push the M2 Ultra replay to the collector of
 * test/export/export-failures.ts; each export is timed from the reader's export() call to its
 * answer. 1 s and 2 s intervals run on the reader's own ticks; the 15 s interval (2 s timeout) is
 * driven by agent.flush(). EXPORTS (default 3) exports per case.
 *
 * Run: `npm run bench -- export-failures`.
 */
import { loadavg } from 'node:os';
import { createAgent } from '../src/agent.ts';
import { ConfigSchema } from '../src/config.ts';
import { memoryLogger } from '../src/log.ts';
import { captureSources, freePort, M2_ULTRA, readCapture } from '../test/export/capture.ts';
import { startCollector, type FailureMode } from '../test/export/export-failures.ts';

const EXPORTS = Number(process.env.EXPORTS ?? 3);
const capture = readCapture(M2_ULTRA);

async function longestAnswer(intervalMs: number, timeoutMs: number | undefined, mode: FailureMode): Promise<{ maxMs: number; failures: number }> {
  const port = await freePort();
  const collector = await startCollector(port, mode);
  const config = ConfigSchema.parse({
    exporters: { otlp: { endpoint: `http://127.0.0.1:${port}`, intervalMs, ...(timeoutMs ? { timeoutMs } : {}) }, prometheus: { enabled: false } },
  });
  const agent = createAgent(config, { log: memoryLogger('error'), sources: captureSources(capture) });
  await agent.start();
  const ex = agent.otlp!.exporter;
  const inner = ex.export.bind(ex);
  const took: number[] = [];
  ex.export = (m, done) => {
    const t0 = performance.now();
    inner(m, (r) => {
      took.push(performance.now() - t0);
      done(r);
    });
  };
  if (intervalMs >= 15_000) while (took.length < EXPORTS) await agent.flush();
  else while (took.length < EXPORTS) await new Promise((r) => setTimeout(r, 50));
  const failures = agent.health.exports.failure;
  collector.set('ok');
  await agent.stop();
  await collector.close();
  return { maxMs: Math.max(...took.slice(0, EXPORTS)), failures };
}

const rows: string[] = [];
let worst = 0;
for (const [intervalMs, timeoutMs] of [[1000, undefined], [2000, undefined], [15_000, 2000]] as const) {
  for (const mode of ['down', 'hang', 'stall', 'trickle'] as FailureMode[]) {
    const r = await longestAnswer(intervalMs, timeoutMs, mode);
    const ratio = r.maxMs / intervalMs;
    worst = Math.max(worst, ratio);
    rows.push(`| ${intervalMs / 1000} s | ${timeoutMs ? `${timeoutMs / 1000} s` : '10 s (default)'} | ${mode} | ${r.failures} | ${Math.round(r.maxMs)} ms | ${ratio.toFixed(2)} |`);
    console.log(rows.at(-1));
  }
}
console.log(`\n| interval | timeout | collector | failures counted | longest answer | ratio to interval |\n|---|---|---|---|---|---|\n${rows.join('\n')}`);
console.log(`\nworst ratio ${worst.toFixed(2)} (target < 1); load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
process.exit(worst < 1 ? 0 : 1);
