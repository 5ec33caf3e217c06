/**
 * Accelerated soak: 100,000+ powermetrics samples through the agent's own path — stream parser →
 * plausibility filter → store → catalog collection through the OTel SDK (a MeterProvider with the
 * catalog registered, collected like an export every 10 samples, i.e. every 10 s at 1 Hz) — as fast
 * as the machine goes. RSS and V8 heap are taken after a forced GC at the start (after a warm-up of
 * 2,000 samples) and at the end; the target (issue 5) is heap growth < 5 %.
 *
 * Input: the real M2 Ultra capture (24 CPUs, 6 clusters, the largest realistic layout we hold),
 * framed as a live stream (a NUL before each next document), fed in 64 KiB chunks like a pipe.
 *
 * Runs under the production V8 flags (read from the launchd job template; re-executes itself with them).
 * Run: `npm run bench -- soak` (bench/index.ts runs it with --expose-gc).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Accumulator } from '../src/catalog/accumulate.ts';
import { Health } from '../src/health.ts';
import { CATALOG, checkOf, moduleOf } from '../src/registry.ts';
import { CatalogMetrics } from '../src/export/catalog-producer.ts';
import { createPowermetricsParser } from '../src/modules/powermetrics/parser.ts';
import { createPlausibilityFilter } from '../src/plausibility.ts';
import { Store } from '../src/store.ts';

// Same V8 flags as production (the launchd job's ProgramArguments, also `npm start`): re-run this
// file under them if needed.
if (!process.execArgv.some((a) => a.startsWith('--max-old-space-size'))) {
  const { spawnSync } = await import('node:child_process');
  const job = JSON.parse(readFileSync(fileURLToPath(new URL('../launchd/io.silicon-agent.plist.json', import.meta.url)), 'utf8')) as { ProgramArguments: string[] };
  const a = job.ProgramArguments;
  const flags = a.slice(a.indexOf('{{node}}') + 1, a.indexOf('{{entry}}'));
  console.log(`soak: node ${flags.join(' ')}`);
  const r = spawnSync(process.execPath, ['--expose-gc', ...flags, fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const SAMPLES = Number(process.env.SOAK_SAMPLES ?? 100_000);
const WARMUP = 2_000;
const COLLECT_EVERY = 10;
const DOC = readFileSync(
  fileURLToPath(new URL('../fixtures/powermetrics/m2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist', import.meta.url)),
);

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with --expose-gc (npm run bench does)');
  process.exit(1);
}
const MiB = 1048576;
function mem() {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}

// One logical clock second per sample, so staleness never triggers (data is always "current").
let nowMs = 0;
const health = new Health({ now: () => nowMs });
const store = new Store({ health, now: () => nowMs, filters: [createPlausibilityFilter()] });
const totals = new Accumulator(CATALOG);
store.onSample((source, sample) => totals.add(source, sample));
const sink = store.register({ name: 'powermetrics', intervalMs: 1000 }, checkOf(moduleOf('powermetrics')!));
const input = { latest: (s: string) => store.latest(s), health, totals };
const catalogMetrics = new CatalogMetrics(CATALOG, () => (store.expire(), input), { now: () => nowMs });
const reader = new CollectingReader({ metricProducers: [catalogMetrics.producer()] });
const provider = new MeterProvider({ readers: [reader] });
const parser = createPowermetricsParser();

// A chunked stream like a pipe: NUL + document, repeated, read in 64 KiB pieces that do not align
// with documents. The pieces are views of one preassembled buffer (no copies per sample).
const unit = Buffer.concat([Buffer.from([0]), DOC]);
const ring = Buffer.concat(Array.from({ length: 32 }, () => unit));
const CHUNK = 64 * 1024;
let offset = 0;
let produced = 0;
let points = 0;
let collections = 0;

async function feed(n: number): Promise<void> {
  const target = produced + n;
  while (produced < target) {
    const piece = ring.subarray(offset, Math.min(ring.length, offset + CHUNK));
    offset = offset + piece.length >= ring.length ? 0 : offset + piece.length;
    for (const r of parser.push(piece)) {
      sink.result(r);
      if (r.type === 'error') continue;
      produced++;
      nowMs += 1000;
      if (produced % COLLECT_EVERY === 0) {
        const { resourceMetrics } = await reader.collect();
        collections++;
        for (const sm of resourceMetrics.scopeMetrics) for (const md of sm.metrics) points += md.dataPoints.length;
      }
    }
  }
}

await feed(WARMUP);
const start = mem();
const t0 = performance.now();
// Progress every 20,000 samples: RSS and V8's reserved heap (no GC forced in between).
for (let done = 0; done < SAMPLES; ) {
  const n = Math.min(20_000, SAMPLES - done);
  await feed(n);
  done += n;
  const m = process.memoryUsage();
  console.log(`  … ${done}: RSS ${(m.rss / MiB).toFixed(1)} MiB, heapTotal ${(m.heapTotal / MiB).toFixed(1)} MiB, heapUsed ${(m.heapUsed / MiB).toFixed(1)} MiB`);
}
const elapsedS = (performance.now() - t0) / 1000;
const end = mem();
await provider.shutdown();

const pmHealth = health.sources.get('powermetrics');
const errors = [...(pmHealth?.parseErrors.values() ?? [])].reduce((a, b) => a + b, 0);
const heapGrowth = (end.heap - start.heap) / start.heap;
console.log(`soak: ${SAMPLES} powermetrics samples (M2 Ultra layout) after ${WARMUP} warm-up, collection every ${COLLECT_EVERY}`);
console.log(`  samples counted by the store: ${pmHealth?.samples}, parse errors: ${errors}, dropped: ${JSON.stringify(Object.fromEntries(pmHealth?.dropped ?? []))}`);
console.log(`  ${collections} collections, ${Math.round(points / Math.max(1, collections))} points each`);
console.log(`  time: ${elapsedS.toFixed(1)} s (${Math.round(SAMPLES / elapsedS)} samples/s; ${(1e6 * elapsedS / SAMPLES).toFixed(0)} µs/sample incl. collection share)`);
console.log(`  RSS  start ${(start.rss / MiB).toFixed(1)} MiB, end ${(end.rss / MiB).toFixed(1)} MiB`);
console.log(`  external (Buffers) start ${(start.external / MiB).toFixed(1)} MiB, end ${(end.external / MiB).toFixed(1)} MiB`);
console.log(`  V8 heap reserved (heapTotal) start ${(start.heapTotal / MiB).toFixed(1)} MiB, end ${(end.heapTotal / MiB).toFixed(1)} MiB`);
console.log(`  heap start ${(start.heap / MiB).toFixed(2)} MiB, end ${(end.heap / MiB).toFixed(2)} MiB, growth ${(heapGrowth * 100).toFixed(2)} % (target < 5 %)`);
if (errors > 0 || heapGrowth >= 0.05) process.exitCode = 1;
