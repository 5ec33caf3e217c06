/**
 * host: the cost of one poll — `os.cpus()`, `os.loadavg()`, `os.uptime()` read into facts (readHost)
 * and the facts turned into a sample (factsToSample), summed by mode (the default) and per CPU. Quick:
 * a few seconds. The reading is the platform's (on Linux /proc/stat, on a Mac host_processor_info), so
 * a number measured here is Linux's; docs/benchmarks.md "host" says which machine.
 *
 * Run: `npm run bench -- host` (bench/index.ts runs this file with --expose-gc).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { factsToSample } from '../src/modules/host/facts.ts';
import { readHost } from '../src/modules/host/source.ts';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
let sink = 0;

function measure(label: string, fn: () => unknown, minMs = 2000, minIters = 2000): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up (JIT)
  gc();
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < minIters || performance.now() - t0 < minMs) {
    const s = performance.now();
    if (fn() !== undefined) sink++;
    times.push(performance.now() - s);
    if (times.length >= 200_000) break;
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)]! * 1000;
  const p90 = times[Math.floor(times.length * 0.9)]! * 1000;
  console.log(`${label.padEnd(52)} median ${med.toFixed(1).padStart(7)} µs   p90 ${p90.toFixed(1).padStart(7)} µs   (${times.length} runs)`);
  return med;
}

const cpus = readHost().cpus.length;
console.log(`platform ${process.platform}, ${cpus} logical CPUs, Node ${process.version}`);
const facts = readHost();
measure('readHost (os.cpus + loadavg + uptime)', () => readHost());
measure('factsToSample, summed (default)', () => factsToSample(facts));
measure('factsToSample, perCpu', () => factsToSample(facts, { perCpu: true }));
const m3 = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/synthetic/host/m3-ultra-32cpu-darwin-two-readings.jsonl', import.meta.url)), 'utf8').split('\n')[0]!);
measure('factsToSample, 32 CPUs (M3 Ultra reading), summed', () => factsToSample(m3));
measure('factsToSample, 32 CPUs, perCpu', () => factsToSample(m3, { perCpu: true }));
const poll = measure('one poll: readHost → factsToSample (default)', () => factsToSample(readHost()));
for (const hz of [1, 0.2])
  console.log(`at ${hz} Hz: ${((poll / 1e6) * hz * 100).toFixed(4)} % of one core (poll cost only; the agent's collection is measured by \`npm run bench -- agent\`)`);
if (sink < 0) console.log(sink);
