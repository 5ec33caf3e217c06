// The C++ decoder (through Node) and the TypeScript decoder agree on every row of every real
// dump. This test needs the built addon: `npm ci` builds it (install script, node-gyp, offline
// with nodedir=/usr), so on Linux CI an absent addon is a failure here, not a skip.
import fc from 'fast-check';
import t from 'tap';
import { loadNative } from '../../src/sources/native.ts';
import { decodeSmcValue } from '../../src/modules/smc/decode.ts';
import { DUMPS, dumpKeys } from '../modules/smc/fixtures.ts';

const load = loadNative({ fresh: true });

t.test('the addon is built and loads', async (t) => {
  t.equal(load.error, undefined, 'no load error (run `npm ci` or `npx node-gyp rebuild`)');
  t.equal(typeof load.addon?.decode, 'function');
  t.equal(load.addon?.hasIOKit, process.platform === 'darwin', 'IOKit reader only on macOS');
});

t.test('SMCKeyData_t layout seen from Node (reference §4.1)', async (t) => {
  t.same(load.addon?.keyDataLayout, {
    size: 80,
    key: 0,
    vers: 4,
    pLimitData: 12,
    keyInfo: 28,
    result: 40,
    status: 41,
    data8: 42,
    data32: 44,
    bytes: 48,
  });
});

t.test('C++ and TS decoders agree on every row of every dump', async (t) => {
  const addon = load.addon;
  if (!addon) return t.fail('addon not built');
  let rows = 0;
  for (const f of DUMPS) {
    let disagree = 0;
    for (const k of dumpKeys(f)) {
      rows++;
      const a = addon.decode(k.type, k.bytes);
      const b = decodeSmcValue(k.type, k.bytes);
      if (!Object.is(a, b)) {
        disagree++;
        t.equal(a, b, `${f} ${k.key} [${k.type}]`);
      }
    }
    t.equal(disagree, 0, `${f}: no disagreement`);
  }
  t.equal(rows, 4876, 'rows compared (all ten dumps)');
});

t.test('C++ and TS decoders agree on random bytes for every type', async (t) => {
  const addon = load.addon;
  if (!addon) return t.fail('addon not built');
  const types = ['flt ', 'sp78', 'sp1e', 'spf0', 'fpe2', 'fp88', 'fp1f', 'ui8 ', 'ui16', 'ui32', 'ui64', 'si8 ', 'si16', 'si32', 'si64', 'flag', 'hex_', 'ioft', 'ch8*', '{jst', 'fp87'];
  fc.assert(
    fc.property(fc.constantFrom(...types), fc.uint8Array({ minLength: 0, maxLength: 32 }), (type, bytes) => {
      const a = addon.decode(type, bytes);
      const b = decodeSmcValue(type, bytes);
      return Object.is(a, b);
    }),
    { numRuns: 5000 },
  );
  t.pass('5000 random (type, bytes) pairs agree');
  t.throws(() => addon.decode('flt ', [256] as number[]), TypeError, 'bytes must be 0..255');
});
