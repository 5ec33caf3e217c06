// Gap G3: iostat's since-boot first row, and a hot-plugged disk's first row (`appeared: true`),
// never reach the `system.disk.io` / `system.disk.operations` counters. A capture goes through the
// real iostat parser into the real store (whose totals are the catalog's `accumulate`), and the
// counters are read back twice: from the store, and from the /metrics text the real OTel SDK and
// Prometheus serializer make of it. The expected figures are summed by hand from the capture text
// (shown next to each), never by the code under test.
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Test } from 'tap';
import { createIostatParser } from '../../../src/modules/iostat/parser.ts';
import type { IostatSample } from '../../../src/modules/iostat/sample.ts';
import { pipeline, type Pipeline } from '../../helpers/pipeline.ts';

const FIXTURES = new URL('../../../fixtures/', import.meta.url).pathname;
const MIB = 1048576;

/** Feed a capture through the parser into a store, line by line, as the iostat source does. */
function feed(file: string, intervalS: number): { store: Pipeline; samples: IostatSample[] } {
  const store = pipeline();
  const sink = store.sink('iostat', intervalS * 1000);
  sink.status({ state: 'starting' });
  const parser = createIostatParser({ intervalS });
  const samples: IostatSample[] = [];
  const lines = readFileSync(FIXTURES + file, 'latin1').split(/(?<=\n)/);
  for (const r of [...lines.flatMap((l) => parser.push(Buffer.from(l, 'latin1'))), ...parser.end()]) {
    if (r.type === 'error') throw new Error(`unexpected parse error ${r.kind}: ${r.message}`);
    if (samples.length === 0) sink.status({ state: 'running' });
    samples.push(r as IostatSample);
    sink.result(r);
  }
  return { store, samples };
}

function totals(store: Pipeline, metric: string): Record<string, number> {
  const out: Record<string, number> = {};
  store.totals.each(metric, (value, attributes) => (out[String(attributes['system.device'])] = value));
  return out;
}

/** `name{system_device="…",…} value` lines of /metrics, per device. */
async function scraped(store: Pipeline, family: string): Promise<Record<string, number>> {
  const text = await store.scrape();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${family}\\{system_device="([^"]+)"[^}]*\\} (\\S+)$`).exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

function near(t: Test, got: number | undefined, want: number, msg: string): void {
  t.ok(got !== undefined && Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${msg}: ${got} ≈ ${want}`);
}

t.test('since-boot first row (real capture, iostat -w 1, 3 disks): not in the disk counters', async (t) => {
  // fixtures/iostat/apple-silicon-iostat-w1-c5-3disks-inno-pr179.txt, disk0 columns (KB/t tps MB/s):
  //   27.59 100  2.70   ← since boot
  //   98.22 259 24.81
  //    5.67  60  0.33
  //    8.00   4  0.03
  //   28.67   6  0.17
  const { store, samples } = feed('iostat/apple-silicon-iostat-w1-c5-3disks-inno-pr179.txt', 1);
  t.equal(samples.length, 5, 'five rows');
  t.equal(samples[0]!.sinceBoot, true, 'the first row is flagged since-boot');
  t.equal(samples[0]!.disks[0]!.transfersPerS, 100, 'and carries the since-boot average');
  t.same(samples.slice(1).map((s) => s.sinceBoot), [false, false, false, false]);

  const bytes = (24.81 + 0.33 + 0.03 + 0.17) * MIB; // 25.34 MiB over four 1 s rows; 2.70 MiB left out
  const ops = 259 + 60 + 4 + 6; // 329; the since-boot 100 left out
  const io = totals(store, 'system.disk.io');
  const operations = totals(store, 'system.disk.operations');
  near(t, io.disk0, bytes, 'store: system.disk.io disk0');
  t.equal(operations.disk0, ops, 'store: system.disk.operations disk0');
  t.not(operations.disk0, ops + 100, 'the since-boot 100 tps is not in the total');
  t.same({ io4: io.disk4, io5: io.disk5, op4: operations.disk4, op5: operations.disk5 }, { io4: 0, io5: 0, op4: 0, op5: 0 }, 'idle disks: 0');

  const promIo = await scraped(store, 'system_disk_io_bytes_total');
  const promOps = await scraped(store, 'system_disk_operations_total');
  near(t, promIo.disk0, bytes, '/metrics: system_disk_io_bytes_total disk0');
  t.equal(promOps.disk0, ops, '/metrics: system_disk_operations_total disk0');
  t.same(Object.keys(promOps).sort(), ['disk0', 'disk4', 'disk5'], 'one series per disk');
});

t.test('a stream of only the since-boot row counts nothing (real capture cut after row 1)', async (t) => {
  // the first three lines of fixtures/iostat/apple-silicon-iostat-d-w2-c5-disk0-inno-pr110.txt:
  // header, units, `11.04  101  1.09` since boot
  const store = pipeline();
  const sink = store.sink('iostat', 2000);
  const parser = createIostatParser({ intervalS: 2 });
  const head = readFileSync(FIXTURES + 'iostat/apple-silicon-iostat-d-w2-c5-disk0-inno-pr110.txt', 'latin1').split('\n').slice(0, 3).join('\n') + '\n';
  const results = [...parser.push(Buffer.from(head, 'latin1')), ...parser.end()];
  t.equal(results.length, 1);
  t.match(results[0], { type: 'iostat', sinceBoot: true, disks: [{ device: 'disk0', transfersPerS: 101 }] });
  for (const r of results) sink.result(r);
  t.same(totals(store, 'system.disk.io'), {}, 'no system.disk.io point at all');
  t.same(totals(store, 'system.disk.operations'), {}, 'no system.disk.operations point at all');
  t.same(await scraped(store, 'system_disk_operations_total'), {}, 'no series on /metrics');
});

t.test("a hot-plugged disk's first row (appeared: true) is not counted; its later rows are (SYNTHETIC)", async (t) => {
  // No real capture has a hot-plug (docs/sources.md), so this is fixtures/synthetic/iostat/
  // header-reprints-and-disk-changes.txt (fixtures/synthetic/README.md), read at -w 1.
  // disk6 appears in the last header: `512.00 40 20.00` (appeared), then `256.00 2 0.50`.
  const { store, samples } = feed('synthetic/iostat/header-reprints-and-disk-changes.txt', 1);
  const disk6 = samples.flatMap((s) => s.disks.filter((d) => d.device === 'disk6'));
  t.same(disk6.map((d) => [d.transfersPerS, d.appeared === true]), [[40, true], [2, false]], 'disk6: first row appeared, second not');

  const io = totals(store, 'system.disk.io');
  const operations = totals(store, 'system.disk.operations');
  near(t, io.disk6, 0.5 * MIB, 'store: system.disk.io disk6 is the second row only');
  t.equal(operations.disk6, 2, 'store: system.disk.operations disk6 is the second row only (the 40 left out)');

  // disk0: since-boot `22.31 129 2.81` left out; then 10..28 tps / 0.16..0.34 MB/s (19 rows),
  // after the reprint 2, 3 / 0.01, 0.02, after disk5 vanishes 4, 5 / 0.05, 0.06, after disk6
  // appears 6, 7 / 0.08, 0.09. disk0 was in the previous header, so its row there counts.
  const disk0Ops = (19 * (10 + 28)) / 2 + 2 + 3 + 4 + 5 + 6 + 7; // 388
  const disk0MiB = (19 * (0.16 + 0.34)) / 2 + 0.01 + 0.02 + 0.05 + 0.06 + 0.08 + 0.09; // 5.06
  t.equal(operations.disk0, disk0Ops, 'store: system.disk.operations disk0');
  near(t, io.disk0, disk0MiB * MIB, 'store: system.disk.io disk0');

  const promIo = await scraped(store, 'system_disk_io_bytes_total');
  const promOps = await scraped(store, 'system_disk_operations_total');
  t.equal(promOps.disk6, 2, '/metrics: system_disk_operations_total disk6');
  near(t, promIo.disk6, 0.5 * MIB, '/metrics: system_disk_io_bytes_total disk6');
  t.equal(promOps.disk0, disk0Ops, '/metrics: system_disk_operations_total disk0');
});
