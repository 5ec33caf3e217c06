import t from 'tap';
import { readFileSync } from 'node:fs';
import { IOREG_LIMITS, parseIoreg } from '../../src/parsers/ioreg.ts';

const M4 = readFileSync(new URL('../../fixtures/gpu/m4-t8132-gpu10c-macosUNKNOWN-ioreg-r-d1-c-IOAccelerator.no-IOReportLegend.txt', import.meta.url), 'utf8');
const DISK = readFileSync(new URL('../../fixtures/disks/applesilicon-AP1024Z-ioreg-c-IOBlockStorageDriver-r-l-w0.truncated.PARTIAL.txt', import.meta.url), 'utf8');

t.test('the real M4 capture: one entry, its class, id and every property', async (t) => {
  const r = parseIoreg(M4);
  t.same(r.problems, []);
  t.equal(r.entries.length, 1);
  const e = r.entries[0]!;
  t.equal(e.className, 'AGXAcceleratorG16G');
  t.equal(e.id, '0x100000478');
  t.equal(e.properties['model'], 'Apple M4');
  t.equal(e.properties['gpu-core-count'], 10);
  t.equal(e.properties['IOMatchedAtBoot'], true);
  t.same(e.properties['vendor-id'], new Uint8Array([0x6b, 0x10, 0, 0]));
  t.same(e.properties['IONameMatch'], ['gpu,t8015', 'gpu,t8027', 'gpu,t8030', 'gpu,t8103', 'gpu,t8122', 'gpu,t8132']);
  t.same(e.properties['SurfaceList'], []);
  t.equal(Object.getPrototypeOf(e.properties), null, 'prototype-less');
  const sched = e.properties['SchedulerState'] as Record<string, unknown>;
  t.equal(((sched['BusyWorkQueues'] as Array<Record<string, unknown>>)[0]!['aborted']), false);
  t.equal(Object.keys(e.properties).length, 36);
});

t.test('the key filter leaves other properties unparsed', async (t) => {
  const r = parseIoreg(M4 + '', { keys: new Set(['model']) });
  t.same(Object.keys(r.entries[0]!.properties), ['model']);
  // A broken value under a key not asked for is never read.
  const broken = M4.replace('"IOReportLegendPublic" = Yes', '"IOReportLegend" = ({"x"=<zz');
  t.same(parseIoreg(broken, { keys: new Set(['model']) }).problems, []);
  t.equal(parseIoreg(broken).problems.length, 1);
});

t.test('the tree: depth and parent from the `+-o` column', async (t) => {
  const r = parseIoreg(DISK);
  t.same(r.problems, []);
  t.same(r.entries.map((e) => [e.name, e.className, e.depth, e.parent]), [
    ['IOBlockStorageDriver', 'IOBlockStorageDriver', 0, undefined],
    ['APPLE SSD AP1024Z Media', 'IOMedia', 1, 0],
    ['IOMediaBSDClient', 'IOMediaBSDClient', 2, 1],
  ]);
  t.equal(r.entries[1]!.properties['BSD Name'], 'disk0');
  t.equal(r.entries[1]!.properties['Size'], 1000555581440);
});

t.test('values: bigint past 2^53, escapes, text data, sets, hex, negatives', async (t) => {
  const r = parseIoreg(
    '+-o X  <class Y, id 0x1>\n  {\n' +
      '    "big" = 18446744073709551615\n' +
      '    "safe" = 9007199254740991\n' +
      '    "neg" = -5\n' +
      '    "hex" = 0x10\n' +
      '    "esc" = "a\\"b\\\\c"\n' +
      '    "text" = <"hi">\n' +
      '    "set" = [1,2]\n' +
      '    "__proto__" = 1\n' +
      '  }\n',
  );
  t.same(r.problems, []);
  const p = r.entries[0]!.properties;
  t.equal(p['big'], 18446744073709551615n);
  t.equal(p['safe'], 9007199254740991);
  t.equal(p['neg'], -5);
  t.equal(p['hex'], 16);
  t.equal(p['esc'], 'a"b\\c');
  t.same(p['text'], new TextEncoder().encode('hi'));
  t.same(p['set'], [1, 2]);
  t.equal(p['__proto__'], 1, 'an own key, not the prototype');
});

t.test('bounds: 10,000-level nesting, long lines, too many entries, unterminated values', async (t) => {
  const deep = `+-o X  <class Y>\n  {\n    "d" = ${'{"k"='.repeat(10_000)}1${'}'.repeat(10_000)}\n    "ok" = 1\n  }\n`;
  const r = parseIoreg(deep);
  t.equal(r.problems.length, 1);
  t.equal(r.problems[0]!.kind, 'too_large');
  t.equal(r.entries[0]!.properties['ok'], 1, 'the next property still parses');
  const arr = `+-o X  <class Y>\n    "d" = ${'('.repeat(10_000)}\n`;
  t.equal(parseIoreg(arr).problems[0]!.kind, 'too_large');
  const long = `+-o X  <class Y>\n    "d" = "${'a'.repeat(IOREG_LIMITS.lineChars)}"\n`;
  t.equal(parseIoreg(long).problems[0]!.kind, 'too_large');
  const many = '+-o X  <class Y>\n'.repeat(IOREG_LIMITS.entries + 5);
  const m = parseIoreg(many);
  t.equal(m.entries.length, IOREG_LIMITS.entries);
  t.equal(m.problems.length + m.moreProblems, 5);
  t.equal(parseIoreg('+-o X  <class Y>\n    "d" = {"a"=1\n').problems[0]!.kind, 'truncated');
  t.equal(parseIoreg('+-o X  <class Y>\n    "d" = "abc\n').problems[0]!.kind, 'truncated');
  t.equal(parseIoreg('+-o X  <class Y>\n    "d" = <0a0>\n').problems[0]!.kind, 'malformed');
  t.equal(parseIoreg('x'.repeat(IOREG_LIMITS.textChars + 1)).problems[0]!.kind, 'too_large');
  const junk = parseIoreg('garbage\n'.repeat(100));
  t.equal(junk.problems.length, IOREG_LIMITS.problems);
  t.equal(junk.moreProblems, 100 - IOREG_LIMITS.problems);
});
