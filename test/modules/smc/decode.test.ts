import t from 'tap';
import { decodeSmcValue, formatFloat32, formatSmcLine, formatSmcValue } from '../../../src/modules/smc/decode.ts';
import { DUMPS, dumpKeys, dumpText, FULL_DUMP } from './fixtures.ts';

t.test('every row of the M2 Max full dump decodes to the value the dump prints', async (t) => {
  const lines = dumpText(FULL_DUMP).split('\n').filter((l) => l !== '');
  const keys = dumpKeys(FULL_DUMP);
  t.equal(lines.length, 2279);
  t.equal(keys.length, 2279);
  let printed = 0;
  let mismatches = 0;
  const unprintedTypes = new Set<string>();
  for (const k of keys) {
    const v = formatSmcValue(k.type, decodeSmcValue(k.type, k.bytes));
    if (k.printed !== undefined) {
      printed++;
      if (v !== k.printed) {
        mismatches++;
        t.equal(v, k.printed, `${k.key} [${k.type}]`);
      }
    } else {
      unprintedTypes.add(k.type);
      t.equal(v, '', `${k.key} [${k.type}] prints no value, like iSMC`);
    }
  }
  t.equal(printed, 2199, 'rows with a printed value');
  t.equal(mismatches, 0, 'decoded values that differ from the dump');
  t.same([...unprintedTypes].sort(), ['ch8*', 'si64', 'ui64', '{jst'], 'types iSMC leaves unprinted');
  // and the whole line, re-formatted, is byte-identical
  const same = keys.filter((k, i) => formatSmcLine(k) === lines[i]).length;
  t.equal(same, 2279, 're-formatted lines identical to the dump');
});

/** Go's `%.0f`: halfway rounds to even, and the sign of a negative value survives (`-0`). */
function goFixed0(v: number): string {
  const r = Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v);
  return r === 0 && v < 0 ? '-0' : String(r);
}

t.test('T-key dumps that print values agree (some iSMC versions print flt with %.0f)', async (t) => {
  for (const f of DUMPS) {
    let exact = 0;
    let rounded = 0;
    let printed = 0;
    for (const k of dumpKeys(f)) {
      if (k.printed === undefined) continue;
      printed++;
      const v = decodeSmcValue(k.type, k.bytes);
      if (formatSmcValue(k.type, v) === k.printed) exact++;
      else if (typeof v === 'number' && goFixed0(v) === k.printed) rounded++;
    }
    t.equal(exact + rounded, printed, `${f}: ${printed} printed values, ${exact} exact, ${rounded} rounded`);
  }
});

t.test('known values', async (t) => {
  t.equal(decodeSmcValue('sp78', [0x2a, 0x80]), 42.5);
  t.equal(decodeSmcValue('sp78', [0xff, 0x80]), -0.5, 'signed');
  t.equal(decodeSmcValue('fpe2', [0x17, 0x70]), 1500, 'fpe2 = ÷4 (0x1770 = 6000)');
  t.equal(decodeSmcValue('fp88', [0x01, 0x80]), 1.5);
  t.equal(decodeSmcValue('fp1f', [0x80, 0x00]), 1);
  t.equal(decodeSmcValue('spf0', [0xff, 0xfe]), -2);
  t.equal(decodeSmcValue('fpzz', [0, 0]), null, 'not hex digits');
  t.equal(decodeSmcValue('fp87', [0, 0]), null, 'fp bits must add to 16');
  t.equal(decodeSmcValue('flt ', [0x14, 0xde, 0x55, 0x42]), Math.fround(53.46687316894531), 'TCMb on the M3 Max');
  t.equal(decodeSmcValue('flt ', [0, 0, 0]), null, 'short flt');
  t.equal(decodeSmcValue('ui16', [0x90, 0x0b]), 36875);
  t.equal(decodeSmcValue('si16', [0xff, 0xfe]), -2);
  t.equal(decodeSmcValue('si8 ', [0xff]), -1);
  t.equal(decodeSmcValue('ui64', [0, 0, 0, 0, 0, 0, 1, 0]), 256n);
  t.equal(decodeSmcValue('si64', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]), -2n);
  t.equal(decodeSmcValue('flag', [1]), true);
  t.equal(decodeSmcValue('hex_', [1, 2, 0xf8, 0x7f, 0, 0, 0, 0]), 16971903, 'first four bytes');
  t.equal(decodeSmcValue('ioft', [0x9a, 0xd9, 0x33, 0, 0, 0, 0, 0]), 3398042 / 65536, 'TR0Z');
  t.equal(decodeSmcValue('ch8*', [0x62, 0x71, 0x34, 0x30, 0]), 'bq40');
  t.equal(decodeSmcValue('{jst', [1, 2, 3]), null);
  t.equal(formatFloat32(Math.fround(0.0205078125)), '0.020507812', 'halfway ties go to even like Go');
  t.equal(formatFloat32(Math.fround(1e-5)), '1e-05', 'Go %v exponent form');
  t.equal(formatFloat32(-0), '-0');
});
