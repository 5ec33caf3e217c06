/**
 * powermetrics parse cost per document, against JSON.parse of the same data, in one run.
 *
 * For each capture: the documents are split on NUL once (framing is not timed); the JSON baseline
 * is `JSON.stringify` of our *full* parse of each document (every key, tasks included) — the same
 * data a JSON-emitting tool would have printed. Each case runs all documents of the capture once
 * per iteration, interleaved with the other cases; after a warm-up, many iterations are timed and the
 * median (and p90) per document is reported. The ratio column is the median over iterations of
 * case ÷ JSON.parse measured in the same iteration, so shared-machine load cancels out.
 *
 * Cases:
 *   JSON.parse                 baseline
 *   plist full                 parsePlist with no projection (builds every dict/array)
 *   plist projected            parsePlist with POWERMETRICS_SELECT (what the agent runs)
 *   document → sample, no schema check  parsePowermetricsDocument({ validate: false }): projected parse + mapping + checks
 *   document → sample (+ schema check)  the default: the above plus the PowermetricsSample check of each sample
 *                                       (hand-written, src/modules/powermetrics/check.ts; zod before 51318bb)
 *   stream (bytes → samples)   createPowermetricsParser over the raw file bytes (framing + decode + all, check on),
 *                              as the agent runs it: with the addon's `</plist>` search where the addon loads
 *                              (PowermetricsOptions.search, native/byte_search.h)
 *   stream, no addon           the same with Buffer#indexOf's search (a node without the addon)
 *   decode (bytes → text)      part of `stream`, shown on its own: the decode of each document's bytes
 *                              (<?xml … </plist>) as the stream does it before scanning (decodeDocument:
 *                              UTF-8, a document past PIECE_MAX in pieces)
 *   doc → sample (+ check), flat   the default case on the text the stream scans: each
 *                              document decoded on its own (a flat string), decoded before timing
 *
 * The other plist/document rows scan texts split from one decoded string: V8 makes those sliced strings,
 * which it reads slower than the fresh flat string the stream decodes per document (under --no-opt much
 * slower). So `stream` ≈ decode + `doc → sample (+ check), flat` + the framing search; `stream`
 * minus the sliced-text row understates framing + decode.
 *
 * Run: `npm run bench -- powermetrics` (bench/index.ts runs this file with --expose-gc).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePlist } from '../src/parsers/plist.ts';
import { parsePowermetricsDocument, POWERMETRICS_SELECT } from '../src/modules/powermetrics/document.ts';
import { createPowermetricsParser, decodeDocument } from '../src/modules/powermetrics/parser.ts';
import { byteSearch } from '../src/sources/native.ts';

const FIX = fileURLToPath(new URL('../fixtures/powermetrics/', import.meta.url));
const CAPTURES = [
  { label: 'M1 Pro stream (29 docs, tasks/coalitions)', file: 'm1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist' },
  { label: 'M2 Ultra single (cpu/gpu/thermal)', file: 'm2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist' },
];

const search = byteSearch();
console.log(search === undefined ? 'addon: not loaded (the stream row searches with Buffer#indexOf)' : "addon: loaded (the stream row searches with its indexOf)");
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
let sink = 0;

/**
 * Interleaved timing: every iteration runs each case once (over all documents of the capture), so
 * machine load (2 shared cores) hits all cases alike, in an order shuffled every iteration (seeded).
 * A fixed rotation always ran the same case just before each one, and a case pays for the garbage
 * its predecessor left (a scavenge lands in it): the same stream case measured 0.99× right after
 * `document → sample` and 0.92× right after another stream case. Reports the median time per document
 * and the median of the per-iteration ratios case ÷ JSON.parse.
 */
function measure(cases: ReadonlyArray<readonly [string, () => unknown]>, perIter: number, minMs = 4000, minIters = 300) {
  for (let w = 0; w < 50; w++) for (const [, fn] of cases) fn(); // warm-up (JIT)
  gc();
  const times = cases.map(() => [] as number[]);
  const t0 = performance.now();
  let it = 0;
  const order = cases.map((_, i) => i);
  let seed = 0x5eed;
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  while ((it < minIters || performance.now() - t0 < minMs) && it < 20000) {
    for (let k = order.length - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [order[k], order[j]] = [order[j]!, order[k]!];
    }
    for (let k = 0; k < cases.length; k++) {
      const i = order[k]!;
      const s = performance.now();
      const r = cases[i]![1]();
      times[i]!.push((performance.now() - s) / perIter);
      if (r !== undefined) sink++;
    }
    it++;
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  const p90 = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length * 0.9)]!;
  return cases.map((c, i) => ({
    name: c[0],
    median: med(times[i]!),
    p90: p90(times[i]!),
    ratio: med(times[i]!.map((t, j) => t / times[0]![j]!)),
    iters: it,
  }));
}

const fmt = (ms: number) => (ms * 1000).toFixed(1).padStart(9);

for (const cap of CAPTURES) {
  const bytes = readFileSync(FIX + cap.file);
  const docs = bytes
    .toString('utf8')
    .split('\0')
    .filter((d) => d.trim() !== '');
  const jsons = docs.map((d) => {
    const r = parsePlist(d);
    if (!r.ok) throw new Error(`fixture does not parse: ${r.message}`);
    return JSON.stringify(r.value);
  });
  // Byte range of each document, for the decode row.
  const ranges: Array<[number, number]> = [];
  for (let a = bytes.indexOf('<?xml'); a >= 0; a = bytes.indexOf('<?xml', a + 1)) ranges.push([a, bytes.indexOf('</plist>', a) + '</plist>'.length]);
  const flat = ranges.map(([a, b]) => bytes.toString('utf8', a, b));
  const n = docs.length;
  const plistBytes = docs.reduce((a, d) => a + d.length, 0) / n;
  const jsonBytes = jsons.reduce((a, d) => a + d.length, 0) / n;

  const cases: Array<[string, () => unknown]> = [
    ['JSON.parse', () => jsons.map((j) => JSON.parse(j))],
    ['plist full', () => docs.map((d) => parsePlist(d))],
    ['plist projected', () => docs.map((d) => parsePlist(d, { select: POWERMETRICS_SELECT }))],
    ['document → sample, no check', () => docs.map((d) => parsePowermetricsDocument(d, { validate: false }))],
    ['document → sample (+ check)', () => docs.map((d) => parsePowermetricsDocument(d))],
    [
      'stream (bytes → samples)',
      () => {
        const p = createPowermetricsParser(search === undefined ? {} : { search });
        return [...p.push(bytes), ...p.end()];
      },
    ],
    [
      'stream, no addon',
      () => {
        const p = createPowermetricsParser();
        return [...p.push(bytes), ...p.end()];
      },
    ],
    ['decode (bytes → text)', () => ranges.map(([a, b]) => decodeDocument(bytes, a, b))],
    ['doc → sample (+ check), flat', () => flat.map((d) => parsePowermetricsDocument(d))],
  ];
  console.log(`\n${cap.label}: ${n} docs, ${Math.round(plistBytes)} plist chars/doc, ${Math.round(jsonBytes)} JSON chars/doc`);
  console.log(`${'case'.padEnd(30)} ${'median µs'.padStart(9)} ${'p90 µs'.padStart(9)}  ratio to JSON.parse (median of paired runs)`);
  for (const r of measure(cases, n)) {
    console.log(`${r.name.padEnd(30)} ${fmt(r.median)} ${fmt(r.p90)}  ${r.ratio.toFixed(2).padStart(5)}×   (${r.iters} iterations)`);
  }
}
if (sink < 0) console.log(sink);
