import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { createNetworkParser, parseNetwork } from '../../../src/modules/network/parser.ts';
import { NetworkSample as Schema } from '../../../src/modules/network/sample.ts';
import type { NetworkInterface, NetworkSample } from '../../../src/modules/network/sample.ts';
import type { NetworkSelection } from '../../../src/modules/network/select.ts';
import { createCounterTracker } from '../../../src/modules/network/counters.ts';
import { compareNames, DEFAULT_SELECTION, globMatch, selectInterfaces } from '../../../src/modules/network/select.ts';
import { parseAll } from '../../../src/parsers/parser.ts';
import type { ParseError } from '../../../src/samples.ts';
import { errorsOf, pushChunked, samplesOf } from '../../helpers/chunks.ts';

const DIR = new URL('../../../fixtures/netstat/', import.meta.url);
const SYN = new URL('../../../fixtures/synthetic/netstat/', import.meta.url);
const read = (name: string, dir = DIR): string => readFileSync(new URL(name, dir), 'utf8');
const ALL: NetworkSelection = { include: ['*'], exclude: [], maxInterfaces: 16, activeOnly: false };
const one = (r: Array<NetworkSample | ParseError>): NetworkSample => {
  const s = samplesOf(r);
  if (s.length !== 1) throw new Error(`expected one sample, got ${JSON.stringify(r).slice(0, 300)}`);
  return s[0]!;
};
const iface = (s: NetworkSample, name: string): NetworkInterface => s.interfaces.find((i) => i.name === name)!;
const AS = 'applesilicon-inferred-anpi-shovans-mac-netstat-ib.fixture.txt';

t.test('every real capture parses to one schema-valid sample without error', async (t) => {
  const files = readdirSync(DIR);
  t.equal(files.length, 6);
  for (const f of files) {
    const r = parseNetwork(read(f), ALL);
    // The one capture with names cut to 5 characters that collide: one typed error, the rest kept.
    if (f.includes('names-cut-to-5')) t.same(errorsOf(r).map((e) => e.kind), ['invalid_value'], f);
    else t.same(errorsOf(r), [], f);
    t.ok(Schema.safeParse(one(r)).success, `${f} schema`);
  }
});

t.test('gopsutil captures: en0 with its Drop column; colliding cut names dropped', async (t) => {
  // en0   1500  <Link#4>    a8:66:7f:dd:ee:ff  5708989     0 7295722068  3494252     0  379533492     0 230
  const s = one(parseNetwork(read('gopsutil-osx-pre10.11-netstat-ibdn-en0-drop230.txt'), ALL));
  const en0 = iface(s, 'en0');
  t.same([en0.index, en0.rxPackets, en0.rxBytes, en0.txPackets, en0.txBytes, en0.txDropped], [4, 5708989, 7295722068, 3494252, 379533492, 230]);
  t.equal(iface(s, 'lo0').rxBytes, 12824763793);
  // utun8 1500  <Link#88> … <Link#95>: five interfaces printed under one cut name.
  const cut = parseNetwork(read('gopsutil-osx-pre10.11-netstat-ibdn-utun-names-cut-to-5.txt'), ALL);
  t.match(errorsOf(cut)[0]!.message, /two interfaces print as utun8 \(Link#88 and Link#90\): both dropped/);
  t.same(one(cut).interfaces.map((i) => i.name).sort(), ['gif0', 'lo0', 'stf0']);
});

t.test('Apple Silicon capture: en1 counters from its Link#15 row', async (t) => {
  // en1        1500  <Link#15>   86:0c:13:79:f0:f9 53389897     0 51846588555 21023259     0 12542712983     0
  const s = one(parseNetwork(read(AS), ALL));
  const en1 = iface(s, 'en1');
  t.equal(en1.index, 15);
  t.equal(en1.rxPackets, 53389897);
  t.equal(en1.rxBytes, 51846588555);
  t.equal(en1.txPackets, 21023259);
  t.equal(en1.txBytes, 12542712983);
  t.equal(en1.rxErrors, 0);
  t.equal(en1.txDropped, undefined, 'no -d: no Drop column');
  t.equal(s.seen, 25, '25 Link rows');
  t.equal(s.interfaces.length, 16, 'at most 16 even when everything is selected');
  const lo = one(parseNetwork(read(AS), { ...ALL, include: ['lo0', 'gif0'] }));
  t.equal(iface(lo, 'lo0').rxBytes, 21341346719);
  t.equal(iface(lo, 'gif0').up, false, 'gif0* is down');
  // The default selection: only en1 is up, included and has moved a packet (awdl0, llw0, utun* are excluded).
  const d = one(parseNetwork(read(AS)));
  t.same(d.interfaces.map((i) => i.name), ['en1']);
  t.equal(d.maxInterfaces, 6);
});

t.test('2015 -ibdn capture: errors and the Drop column', async (t) => {
  // en0   1500  <Link#4>    98:5a:eb:e2:a7:0f  9895174     2 11902425614  9250217     0 2354022366     0   0
  // en1   1500  <Link#5>    d0:03:4b:cb:73:79        0     0          0        0     0          0     0   3
  const s = one(parseNetwork(read('mac-modelUNSTATED-osx-2015-netstat-ibdn.txt'), ALL));
  const en0 = iface(s, 'en0');
  t.same([en0.rxPackets, en0.rxErrors, en0.rxBytes, en0.txPackets, en0.txBytes, en0.txDropped], [9895174, 2, 11902425614, 9250217, 2354022366, 0]);
  t.equal(iface(s, 'en1').txDropped, 3);
});

t.test('2012 capture: en0 across its five address rows', async (t) => {
  // en0   1500  <Link#4>    04:0c:ce:db:4e:fa 20328868     0 13309516362 14810885     0 11363839527     0
  const s = one(parseNetwork(read('mac-modelUNSTATED-osx-2012-netstat-i-b.PARTIAL.txt'), ALL));
  t.same([iface(s, 'en0').rxBytes, iface(s, 'en0').txBytes, iface(s, 'en0').index], [13309516362, 11363839527, 4]);
});

t.test('synthetic Mac Studio table and its addon-facts twin read the same', async (t) => {
  const a = one(parseNetwork(read('mac-studio-like-netstat-ibdn.txt', SYN), ALL));
  const b = one(parseNetwork(read('mac-studio-like-ifmib-facts.json', SYN), ALL));
  t.equal(a.reader, 'netstat');
  t.equal(b.reader, 'ifmib');
  t.equal(a.seen, b.seen);
  for (const x of a.interfaces) {
    const y = iface(b, x.name);
    for (const f of ['rxBytes', 'txBytes', 'rxPackets', 'txPackets', 'rxErrors', 'txErrors', 'txDropped', 'index', 'up', 'mtu'] as const) t.equal(y[f], x[f], `${x.name} ${f}`);
  }
  t.equal(iface(a, 'en0').txDropped, 4294967289, 'netstat printed -7: read back as unsigned 32-bit');
  t.equal(iface(a, 'en0').rxBytes, 11723998871040, 'past 2^32');
  t.equal(iface(a, 'en0').rxDropped, undefined, 'netstat has no receive drops');
  t.equal(iface(b, 'en0').rxDropped, 12);
  t.equal(iface(b, 'bridge0').ifType, 209);
  // Default selection: up, active, en/bridge/vmenet; physical first. The counters keep the first 6 names
  // (vmenet0 is the 7th), and keep counting them whatever becomes active later.
  const d = one(parseNetwork(read('mac-studio-like-netstat-ibdn.txt', SYN)));
  t.same(d.interfaces.map((i) => i.name), ['en0', 'en1', 'en2', 'en3', 'bridge0', 'bridge100', 'vmenet0']);
  t.equal(d.maxInterfaces, 6);
  const tr = createCounterTracker();
  t.same(tr.add(d).map((i) => i.name), ['en0', 'en1', 'en2', 'en3', 'bridge0', 'bridge100']);
  // Later en4 becomes active: it ranks before the bridges, but the 6 names already exported stay.
  const later = { ...d, interfaces: [...d.interfaces.slice(0, 4), { ...d.interfaces[0]!, name: 'en4', index: 10 }, ...d.interfaces.slice(4)] };
  t.same(tr.add(later).map((i) => i.name), ['en0', 'en1', 'en2', 'en3', 'bridge0', 'bridge100']);
  const wide = one(parseNetwork(read('mac-studio-like-netstat-ibdn.txt', SYN), { ...DEFAULT_SELECTION, maxInterfaces: 16 }));
  t.same(createCounterTracker().add(wide).map((i) => i.name), ['en0', 'en1', 'en2', 'en3', 'bridge0', 'bridge100', 'vmenet0']);
});

t.test('random chunking gives the same result', async (t) => {
  const bytes = readFileSync(new URL(AS, DIR));
  const whole = parseAll(createNetworkParser(ALL), bytes);
  for (let seed = 1; seed <= 20; seed++) t.same(pushChunked(createNetworkParser(ALL), bytes, seed, 50), whole);
});

const HDR = 'Name       Mtu   Network       Address            Ipkts Ierrs     Ibytes    Opkts Oerrs     Obytes  Coll Drop\n';
const row = (name: string, link: number, ib: number | string, drop = '0') =>
  `${name.padEnd(10)} 1500  <Link#${link}>    aa:bb:cc:dd:ee:ff      100     0 ${String(ib).padStart(10)}      50     0       5000     0 ${drop.padStart(3)}\n`;

t.test('typed errors, and the good rows kept', async (t) => {
  const kinds = (text: string) => errorsOf(parseNetwork(text, ALL)).map((e) => e.kind);
  t.same(kinds(''), ['empty']);
  t.same(kinds('hello\n'), ['unknown_layout']);
  t.same(kinds('Name  Mtu   Network       Address            Ipkts Ierrs    Opkts Oerrs  Coll\n'), ['missing_field'], 'no -b');
  const dup = parseNetwork(HDR + row('bridge1000', 20, 10) + row('bridge1000', 21, 20) + row('en0', 4, 30), ALL);
  t.same(errorsOf(dup).map((e) => e.kind), ['invalid_value'], 'two names cut to the same 10 characters');
  t.same(one(dup).interfaces.map((i) => i.name), ['en0'], 'both clashing rows dropped, en0 kept');
  const bad = parseNetwork(HDR + row('en0', 4, '12x') + row('en1', 5, 7), ALL);
  t.same(errorsOf(bad).map((e) => e.kind), ['invalid_value']);
  t.same(one(bad).interfaces.map((i) => i.name), ['en1']);
  const huge = parseNetwork(HDR + row('en0', 4, '18446744073709551615'), ALL);
  t.same(errorsOf(huge).map((e) => e.kind), ['invalid_value'], 'past 2^53 is refused, never rounded');
  t.same(kinds(HDR + row('en0', 4, 1, '4294967296')), ['invalid_value'], 'Drop is 32-bit');
  t.equal(one(parseNetwork(HDR + row('en0', 4, 1, '-1'), ALL)).interfaces[0]!.txDropped, 4294967295);
  t.equal(one(parseNetwork(HDR + row('en0', 4, 1, '-0'), ALL)).interfaces[0]!.txDropped, 0, '-0 is 0, not 2^32 (found by the fuzzer)');
  const addr = HDR + row('en0', 4, 1000) + 'en0        1500  10.0.1/24     10.0.1.13             100     -       9999      50     -       5000     -   -\n';
  t.same(kinds(addr), ['invalid_value'], 'an address row that disagrees with its Link row');
  t.same(kinds(HDR + 'en0        1500  10.0.1/24     10.0.1.13             100     -       9999      50     -       5000     -   -\n'), ['missing_field', 'empty'].slice(0, 1));
  t.same(kinds(HDR + 'en0 1500 <Link#4>\n'), ['malformed']);
  t.same(kinds(HDR + row('en0;rm', 4, 1)), ['invalid_value'], 'not an interface name');
  t.same(kinds('{"reader":"ifmib","interfaces":['), ['truncated']);
  t.same(kinds('{"reader":"other"}'), ['unknown_layout']);
  t.same(kinds('x'.repeat(1024 * 1024 + 1)), ['too_large']);
  const facts = (o: object) => JSON.stringify({ reader: 'ifmib', interfaces: [o] });
  const good = { name: 'en0', flags: 1, sndDrops: 0, type: 6, mtu: 1500, ipackets: '1', ierrors: '0', opackets: '1', oerrors: '0', ibytes: '10', obytes: '10', iqdrops: '0' };
  t.same(errorsOf(parseNetwork(facts(good), ALL)), []);
  t.same(kinds(facts({ ...good, ibytes: '9007199254740993' })), ['invalid_value']);
  t.same(kinds(facts({ ...good, sndDrops: 2 ** 32 })), ['invalid_value']);
  t.same(kinds(facts({ ...good, name: 'a-name-longer-than-15' })), ['invalid_value']);
});

t.test('selection: patterns, exclude wins, activeOnly, cap at most 16', async (t) => {
  t.ok(globMatch('en*', 'en10'));
  t.notOk(globMatch('en*', 'bridge0'));
  t.ok(globMatch('*0', 'bridge0'));
  t.ok(globMatch('b*e*0', 'bridge100'));
  t.notOk(globMatch('b*x*0', 'bridge100'));
  t.ok(compareNames('en2', 'en10') < 0);
  const mk = (name: string, up = true, pk = 1): NetworkInterface => ({ name, up, rxBytes: 0, txBytes: 0, rxPackets: pk, txPackets: 0, rxErrors: 0, txErrors: 0 });
  const list = [mk('vmenet0'), mk('bridge0'), mk('en10'), mk('en2'), mk('en3', false), mk('en4', true, 0), mk('utun0'), mk('ap1')];
  t.same(selectInterfaces(list, DEFAULT_SELECTION).map((i) => i.name), ['en2', 'en10', 'bridge0', 'vmenet0']);
  t.same(selectInterfaces(list, { ...DEFAULT_SELECTION, activeOnly: false }).map((i) => i.name), ['en2', 'en3', 'en4', 'en10', 'bridge0', 'vmenet0']);
  t.same(selectInterfaces(list, { ...DEFAULT_SELECTION, exclude: ['en1*'] }).map((i) => i.name), ['en2', 'bridge0', 'vmenet0']);
  t.same(selectInterfaces(list, { ...DEFAULT_SELECTION, maxInterfaces: 2 }).map((i) => i.name), ['en2', 'en10', 'bridge0', 'vmenet0'], 'the cap is the counters\' (over the agent life)');
  const many = Array.from({ length: 40 }, (_, i) => mk(`en${i}`));
  t.equal(selectInterfaces(many, { ...DEFAULT_SELECTION, maxInterfaces: 99 }).length, 16);
});
