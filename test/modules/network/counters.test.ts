import t from 'tap';
import { readFileSync } from 'node:fs';
import { Accumulator } from '../../../src/catalog/accumulate.ts';
import type { CatalogEntry, Point } from '../../../src/catalog/types.ts';
import { createCounterTracker } from '../../../src/modules/network/counters.ts';
import { NETWORK_METRICS } from '../../../src/modules/network/metrics.ts';
import { parseNetwork } from '../../../src/modules/network/parser.ts';
import type { NetworkInterface, NetworkSample } from '../../../src/modules/network/sample.ts';
import { rng } from '../../helpers/chunks.ts';

const CATALOG: CatalogEntry[] = NETWORK_METRICS.map((m) => ({ ...m, source: 'network' }) as CatalogEntry);
const totals = (acc: Accumulator, metric: string): Record<string, number> => {
  const out: Record<string, number> = {};
  acc.each(metric, (v, a) => void (out[`${a['network.interface.name']}/${a['network.io.direction']}`] = v));
  return out;
};
const mk = (name: string, o: Partial<NetworkInterface> = {}): NetworkInterface => ({
  name, index: 4, up: true, rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0, rxErrors: 0, txErrors: 0, ...o,
});
const sample = (interfaces: NetworkInterface[], maxInterfaces = 6): NetworkSample => ({ type: 'network', reader: 'netstat', interfaces, maxInterfaces, seen: interfaces.length });

t.test('the real Apple Silicon capture: since-boot counts at first sight', async (t) => {
  const acc = new Accumulator(CATALOG);
  const s = parseNetwork(readFileSync(new URL('../../../fixtures/netstat/applesilicon-inferred-anpi-shovans-mac-netstat-ib.fixture.txt', import.meta.url), 'utf8'));
  acc.add('network', s.find((x): x is NetworkSample => x.type === 'network')!);
  t.same(totals(acc, 'system.network.io'), { 'en1/receive': 51846588555, 'en1/transmit': 12542712983 });
  t.same(totals(acc, 'system.network.packet.count'), { 'en1/receive': 53389897, 'en1/transmit': 21023259 });
  t.same(totals(acc, 'system.network.errors'), { 'en1/receive': 0, 'en1/transmit': 0 });
  t.same(totals(acc, 'system.network.packet.dropped'), {}, 'netstat -ib has no drops');
});

t.test('increments, reset by a lower counter or a new index, 32-bit drop wrap', async (t) => {
  const acc = new Accumulator(CATALOG);
  acc.add('network', sample([mk('en0', { rxBytes: 1000, txBytes: 500, txDropped: 4294967290, rxDropped: 1 })]));
  acc.add('network', sample([mk('en0', { rxBytes: 1600, txBytes: 700, txDropped: 4, rxDropped: 3 })]));
  t.same(totals(acc, 'system.network.io'), { 'en0/receive': 1600, 'en0/transmit': 700 });
  t.same(totals(acc, 'system.network.packet.dropped'), { 'en0/receive': 3, 'en0/transmit': 4294967290 + 10 }, 'wrapped: 6 to the top, 4 after');
  // rxBytes lower: the interface was reset; its new counts are added as they stand.
  acc.add('network', sample([mk('en0', { rxBytes: 100, txBytes: 900, txDropped: 2, rxDropped: 3 })]));
  t.same(totals(acc, 'system.network.io'), { 'en0/receive': 1700, 'en0/transmit': 1600 });
  t.same(totals(acc, 'system.network.packet.dropped'), { 'en0/receive': 6, 'en0/transmit': 4294967300 + 2 }, 'a reset is not a wrap');
  // Same counters under a new index: re-attached, counts added again.
  acc.add('network', sample([mk('en0', { index: 9, rxBytes: 100, txBytes: 900, txDropped: 2, rxDropped: 3 })]));
  t.same(totals(acc, 'system.network.io'), { 'en0/receive': 1800, 'en0/transmit': 2500 });
});

t.test('at most maxInterfaces names over the agent life', async (t) => {
  const acc = new Accumulator(CATALOG);
  acc.add('network', sample([mk('en0', { rxBytes: 1 }), mk('en1', { rxBytes: 2 })], 2));
  acc.add('network', sample([mk('en0', { rxBytes: 5 }), mk('en2', { rxBytes: 7 })], 2));
  t.same(Object.keys(totals(acc, 'system.network.io')).sort(), ['en0/receive', 'en0/transmit', 'en1/receive', 'en1/transmit']);
  t.equal(totals(acc, 'system.network.io')['en0/receive'], 5);
  const tr = createCounterTracker();
  tr.add(sample([mk('en0'), mk('en1')], 2));
  tr.add(sample([mk('en2'), mk('en3')], 2));
  t.equal(tr.capped, 2);
});

t.test('random sequences: totals never decrease, and equal the sum of what the kernel counted', async (t) => {
  const next = rng(0x1234);
  for (let run = 0; run < 300; run++) {
    const tr = createCounterTracker();
    let raw = 0; // what the kernel counter reads now
    let wrapped = 0; // 32-bit drop counter
    let index = 1;
    let kernelTotal = 0; // everything the kernel counted since we first saw it, incl. since boot
    let total = 0;
    for (let step = 0; step < 40; step++) {
      const r = next();
      if (step > 0 && r < 0.08) {
        // A reset: the new counts since it, lower than before (a reset that climbs past the old value
        // under the same index cannot be seen by anyone, so the model does not make one).
        raw = Math.floor(next() * Math.min(raw, 1000));
        index += next() < 0.5 ? 1 : 0;
        kernelTotal += raw;
      } else {
        const d = Math.floor(next() * 2 ** 40);
        raw += d;
        kernelTotal += step === 0 ? raw : d;
      }
      wrapped = (wrapped + Math.floor(next() * 2 ** 31)) % 2 ** 32;
      const incs = tr.add(sample([mk('en0', { index, rxBytes: raw, txBytes: 0, txDropped: wrapped })]));
      const i = incs[0]!;
      t.ok(i.rxBytes! >= 0 && i.txDropped! >= 0);
      total += i.rxBytes!;
    }
    t.equal(total, kernelTotal, `run ${run} bytes`);
  }
  // Drops alone, with wraps and no reset: the sum of increments is exact.
  const tr = createCounterTracker();
  let v = 0;
  let sum = 0;
  let expect = 0;
  for (let step = 0; step < 1000; step++) {
    const d = step === 0 ? 123 : Math.floor(next() * 2 ** 31);
    expect += d;
    v = (v + d) % 2 ** 32;
    sum += tr.add(sample([mk('en0', { txDropped: v })]))[0]!.txDropped!;
  }
  t.equal(sum, expect);
});

t.test('the Point type stays what the exporter reads', async (t) => {
  const p: Point = { value: 1, attributes: { 'network.interface.name': 'en0', 'network.io.direction': 'receive' } };
  t.equal(p.value, 1);
});
