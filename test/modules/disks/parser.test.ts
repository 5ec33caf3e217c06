import t from 'tap';
import { readFileSync } from 'node:fs';
import { createDisksParser, parseDisks } from '../../../src/modules/disks/parser.ts';
import { DisksSample as Schema, type DisksSample } from '../../../src/modules/disks/sample.ts';
import { interpretDisksFacts } from '../../../src/modules/disks/source.ts';
import { parseAll } from '../../../src/parsers/parser.ts';
import type { ParseError } from '../../../src/samples.ts';
import { observe } from '../../helpers/catalog.ts';
import { samplesOf } from '../../helpers/chunks.ts';

const AP1024Z = readFileSync(new URL('../../../fixtures/disks/applesilicon-AP1024Z-ioreg-c-IOBlockStorageDriver-r-l-w0.truncated.PARTIAL.txt', import.meta.url), 'utf8');
const only = (r: Array<DisksSample | ParseError>): DisksSample => {
  const s = samplesOf(r);
  if (s.length !== 1) throw new Error(`expected one sample: ${JSON.stringify(r).slice(0, 300)}`);
  return s[0]!;
};
const kinds = (r: Array<DisksSample | ParseError>) => r.filter((x): x is ParseError => x.type === 'error').map((x) => x.kind);

t.test('the real AP1024Z capture: disk0 since-boot counters, as printed', async (t) => {
  const r = parseAll(createDisksParser(), AP1024Z);
  t.same(kinds(r), []);
  const s = only(r);
  t.ok(Schema.safeParse(s).success);
  t.same(s.disks, [
    {
      device: 'disk0',
      readBytes: 368_261_685_248,
      writeBytes: 222_826_323_968,
      readOps: 12_975_224,
      writeOps: 13_964_680,
      readTimeNs: 3_698_579_261_481,
      writeTimeNs: 1_213_255_816_800,
    },
  ]);
});

t.test('metrics: bytes, operations and time per direction', async (t) => {
  const disks = only(parseDisks(AP1024Z));
  const io = observe('system.disk.io', { disks });
  t.same(io, [
    { value: 368_261_685_248, attributes: { 'system.device': 'disk0', 'disk.io.direction': 'read' } },
    { value: 222_826_323_968, attributes: { 'system.device': 'disk0', 'disk.io.direction': 'write' } },
  ]);
  const time = observe('system.disk.operation_time', { disks });
  t.equal(time[0]!.value, 3698.579261481);
  t.equal(time[1]!.value, 1213.2558168);
  t.same(observe('system.disk.operations', { disks }).map((p) => p.value), [12_975_224, 13_964_680]);
});

t.test('typed errors: no driver, no statistics, counters past 2^53 or missing, no name', async (t) => {
  t.same(kinds(parseDisks('')), ['empty']);
  t.same(kinds(parseDisks('+-o IOBlockStorageDriver  <class IOBlockStorageDriver>\n  | {\n  | }\n')), ['missing_field']);
  const big = parseDisks(AP1024Z.replace('"Bytes (Read)"=368261685248', '"Bytes (Read)"=18446744073709551615'));
  t.same(kinds(big), ['invalid_value']);
  t.same(only(big).disks, [], 'that disk is left out, never exported wrong');
  t.same(kinds(parseDisks(AP1024Z.replace('"Bytes (Write)"=222826323968,', ''))), ['missing_field']);
  const unnamed = parseDisks(AP1024Z.replace('"Whole" = Yes', '"Whole" = No'));
  t.same(kinds(unnamed), []);
  t.same(only(unnamed).disks, [], 'no whole-disk medium: not counted');
  t.ok(kinds(parseDisks(AP1024Z.slice(0, 300))).includes('truncated'));
});

t.test('the cap: at most 8 disks, lowest numbers first', async (t) => {
  const driver = (n: number) =>
    AP1024Z.replace('"disk0"', `"disk${n}"`).replace(/^.*IOMediaBSDClient.*\n/m, '');
  const many = [11, 3, 0, 1, 2, 4, 5, 6, 7, 8, 9].map(driver).join('');
  const r = parseDisks(many);
  t.same(kinds(r), ['too_large']);
  t.same(only(r).disks.map((d) => d.device), ['disk0', 'disk1', 'disk2', 'disk3', 'disk4', 'disk5', 'disk6', 'disk7']);
});

t.test('the native path: facts with children give the same sample', async (t) => {
  const facts = {
    ok: true,
    entries: [
      {
        className: 'IOBlockStorageDriver',
        name: 'IOBlockStorageDriver',
        properties: {
          Statistics: {
            'Operations (Write)': 13964680,
            'Bytes (Read)': 368261685248,
            'Total Time (Read)': 3698579261481,
            'Total Time (Write)': 1213255816800,
            'Bytes (Write)': 222826323968,
            'Operations (Read)': 12975224,
          },
        },
        children: [{ className: 'IOMedia', name: 'APPLE SSD AP1024Z Media', properties: { 'BSD Name': 'disk0', Whole: true } }],
      },
    ],
  };
  t.same(only(interpretDisksFacts(facts)), only(parseDisks(AP1024Z)));
});
