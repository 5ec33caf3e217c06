/**
 * The cost of reading one IOKit text reading (gpu, disks), in one run, as ratios to JSON.parse of the
 * same data. Quick: about 10 s.
 *
 * The real M4 capture lacks its ~45 KB "IOReportLegend" line (its author removed it); the bench adds a
 * SYNTHETIC line of that size (nested dictionaries and arrays of the legend's shape: group names,
 * channel lists) so the key filter's saving is visible. Cases, each over the same text:
 *   JSON.parse               baseline: the fully parsed entry as JSON (same data, JSON syntax)
 *   ioreg, every key         parseIoreg without a filter (the legend is parsed too)
 *   gpu (agent)              parseGpu: the key filter skips the legend unparsed, then the interpretation
 *   disks (agent)            parseDisks on the AP1024Z capture
 * Interleaved iterations, median per reading; the ratio column is the median of per-iteration ratios.
 *
 * Run: `npm run bench -- iokit`.
 */
import { readFileSync } from 'node:fs';
import { parseDisks } from '../src/modules/disks/parser.ts';
import { parseGpu } from '../src/modules/gpu/parser.ts';
import { parseIoreg } from '../src/parsers/ioreg.ts';

const M4 = readFileSync(new URL('../fixtures/gpu/m4-t8132-gpu10c-macosUNKNOWN-ioreg-r-d1-c-IOAccelerator.no-IOReportLegend.txt', import.meta.url), 'utf8');
const DISK = readFileSync(new URL('../fixtures/disks/applesilicon-AP1024Z-ioreg-c-IOBlockStorageDriver-r-l-w0.truncated.PARTIAL.txt', import.meta.url), 'utf8');

// Synthetic legend, ~45 KB on one line.
const channels = (g: number) => Array.from({ length: 12 }, (_, i) => `(${g * 100 + i},"GPU Stats Channel ${i}",4,"Counter")`).join(',');
let legend = '';
for (let g = 0; legend.length < 45_000; g++)
  legend += `${legend ? ',' : ''}{"IOReportGroupName"="GPU Stats ${g}","IOReportChannels"=(${channels(g)}),"IOReportChannelInfo"={"IOReportChannelUnit"=0}}`;
const LEGEND_LINE = `      "IOReportLegend" = (${legend})\n`;
const GPU_TEXT = M4.replace('      "IOReportLegendPublic" = Yes\n', `      "IOReportLegendPublic" = Yes\n${LEGEND_LINE}`);
const json = JSON.stringify(parseIoreg(GPU_TEXT).entries[0]!.properties, (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? [...v] : v));

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
let sink = 0;
const cases: Array<[string, () => unknown]> = [
  ['JSON.parse (gpu data)', () => JSON.parse(json)],
  ['ioreg, every key (gpu text)', () => parseIoreg(GPU_TEXT)],
  ['gpu (agent: key filter)', () => parseGpu(GPU_TEXT)],
  ['disks (agent)', () => parseDisks(DISK)],
];
for (let w = 0; w < 200; w++) for (const [, fn] of cases) fn();
gc();
const times = cases.map(() => [] as number[]);
const ratios = cases.map(() => [] as number[]);
const t0 = performance.now();
for (let it = 0; it < 300 || performance.now() - t0 < 8000; it++) {
  const row: number[] = [];
  for (let k = 0; k < cases.length; k++) {
    const i = (k + it) % cases.length;
    const s = performance.now();
    if (cases[i]![1]() !== undefined) sink++;
    row[i] = performance.now() - s;
  }
  for (let i = 0; i < cases.length; i++) {
    times[i]!.push(row[i]!);
    ratios[i]!.push(row[i]! / row[0]!);
  }
  if (it > 20000) break;
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log(`gpu text ${(GPU_TEXT.length / 1024).toFixed(1)} KiB (synthetic legend line ${(LEGEND_LINE.length / 1024).toFixed(1)} KiB), disks text ${(DISK.length / 1024).toFixed(1)} KiB; ${times[0]!.length} iterations`);
console.log('| case | median per reading | ÷ JSON.parse |');
console.log('|---|---|---|');
for (let i = 0; i < cases.length; i++) console.log(`| ${cases[i]![0]} | ${(med(times[i]!) * 1000).toFixed(1)} µs | ${med(ratios[i]!).toFixed(2)} |`);
if (sink < 0) console.log(sink);
