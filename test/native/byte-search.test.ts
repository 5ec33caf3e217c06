// The addon's indexOf (native/byte_search.cc) gives Buffer#indexOf's answer: on every real powermetrics
// capture from many offsets, on random bytes (small alphabets, so matches are common, across the
// 64-byte blocks and the switch from memchr to the filter), on views with a byte offset; and it rejects
// bad arguments with an exception, never a wrong index. The C++ core is also compiled on its own, with
// and without the vector code, and checked against a naive loop. Needs the built addon, like
// decode-agreement.test.ts: an absent addon is a failure here, not a skip.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import t from 'tap';
import { byteSearch, loadNative } from '../../src/sources/native.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const load = loadNative({ fresh: true });
const indexOf = load.addon?.indexOf;

/** Buffer#indexOf for a non-empty needle, with -1 past the end (the addon's contract). */
function reference(hay: Uint8Array, needle: Uint8Array, from: number): number {
  return from > hay.length ? -1 : Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle, from);
}

t.test('the addon exports indexOf, and byteSearch() hands it out', async (t) => {
  t.equal(load.error, undefined, 'no load error (run `npm ci` or `npx node-gyp rebuild`)');
  t.equal(typeof indexOf, 'function');
  t.equal(byteSearch(() => load), indexOf);
  t.equal(byteSearch(() => ({ error: 'absent' })), undefined, 'no addon: no search');
  t.equal(byteSearch(() => ({ addon: { ...load.addon!, indexOf: undefined } })), undefined, 'an addon built before indexOf: no search');
});

t.test('every real powermetrics capture: </plist> and <?xml from every 61st offset', async (t) => {
  if (!indexOf) return t.fail('addon not built');
  const dir = join(ROOT, 'fixtures/powermetrics');
  const needles = ['</plist>', '<?xml', '<key>', 'bytes_received</key>'].map((s) => Buffer.from(s));
  let checked = 0;
  for (const f of readdirSync(dir)) {
    const b = readFileSync(join(dir, f));
    let wrong = 0;
    for (const nd of needles)
      for (let from = 0; from <= b.length; from += 61) {
        if (indexOf(b, nd, from) !== b.indexOf(nd, from)) wrong++;
        checked++;
      }
    t.equal(wrong, 0, f);
  }
  t.ok(checked > 100_000, `${checked} searches`);
});

t.test('random bytes and needles, any offset: the same answer as Buffer#indexOf', async (t) => {
  if (!indexOf) return t.fail('addon not built');
  const alphabet = fc.constantFrom(...Buffer.from('</plist>?xm'));
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 700 }).chain((raw) => fc.tuple(fc.constant(raw), fc.array(alphabet, { maxLength: 700 }))),
      fc.array(alphabet, { minLength: 1, maxLength: 10 }),
      fc.nat(720),
      fc.boolean(),
      ([raw, letters], needle, from, small) => {
        const hay = small ? Uint8Array.from(letters) : raw;
        const nd = Uint8Array.from(needle);
        return indexOf(hay, nd, from) === reference(hay, nd, from);
      },
    ),
    { numRuns: 20_000, seed: 20261203 },
  );
  t.pass('20,000 cases');
});

t.test('the memchr phase, the switch to the filter, block edges and the tail', async (t) => {
  if (!indexOf) return t.fail('addon not built');
  const nd = Buffer.from('</plist>');
  let cases = 0;
  let wrong = 0;
  // Dense 'p' (the needle's 3rd byte) for `dense` bytes switches to the filter; the match sits anywhere after.
  for (const dense of [0, 100, 5000])
    for (let at = 0; at < 400; at++)
      for (const from of [0, 1, 63, 64, 65]) {
        const hay = Buffer.alloc(dense + 400 + 8, 'x');
        for (let i = 0; i < dense; i += 3) hay[i] = 0x70; // 'p'
        for (let i = dense; i < hay.length - 8; i += 17) hay.write('</p', i, 'latin1'); // near misses
        nd.copy(hay, dense + at);
        cases++;
        if (indexOf(hay, nd, from) !== hay.indexOf(nd, from)) wrong++;
      }
  t.equal(wrong, 0, `${cases} placements`);
  // Two matches: the first one is returned, from either phase.
  const two = Buffer.alloc(20_000, 'p');
  nd.copy(two, 9000);
  nd.copy(two, 9100);
  t.equal(indexOf(two, nd, 0), 9000);
  t.equal(indexOf(two, nd, 9001), 9100);
  t.equal(indexOf(two, nd, 9101), -1);
  // The needle ends exactly at the end, or would run past it.
  const end = Buffer.concat([Buffer.alloc(200, 'p'), nd]);
  t.equal(indexOf(end, nd, 0), 200);
  t.equal(indexOf(end.subarray(0, end.length - 1), nd, 0), -1);
});

t.test('views: the index is relative to the view, bytes outside it are never matched', async (t) => {
  if (!indexOf) return t.fail('addon not built');
  const nd = Buffer.from('</plist>');
  const whole = Buffer.from('</plist>..........</plist>..</plist>');
  const view = whole.subarray(3, 30);
  t.equal(indexOf(view, nd, 0), view.indexOf(nd, 0));
  t.equal(indexOf(view, nd, 0), 15);
  t.equal(indexOf(new Uint8Array(whole.buffer, whole.byteOffset + 1, 10), nd, 0), -1, 'a match cut by the view end is no match');
  t.equal(indexOf(view, nd.subarray(0, 3), 0), 15, 'needle view');
  t.equal(indexOf(Buffer.alloc(0), nd, 0), -1);
  t.equal(indexOf(whole, Buffer.alloc(0), 0), -1, 'empty needle: -1 (never used)');
});

t.test('bad arguments throw; huge offsets are -1', async (t) => {
  if (!indexOf) return t.fail('addon not built');
  const b = Buffer.from('abc</plist>');
  const nd = Buffer.from('</plist>');
  const call = (...a: unknown[]) => () => (indexOf as (...x: unknown[]) => number)(...a);
  t.throws(call('abc</plist>', nd, 0), TypeError, 'string hay');
  t.throws(call(b, '</plist>', 0), TypeError, 'string needle');
  t.throws(call(new Uint16Array(4), nd, 0), TypeError, 'Uint16Array');
  t.throws(call(b, nd), TypeError, 'missing from');
  t.throws(call(b, nd, '0'), TypeError, 'string from');
  for (const from of [-1, 0.5, NaN, Infinity, 2 ** 53 + 2, 1e300]) t.throws(call(b, nd, from), RangeError, `from ${from}`);
  t.equal(indexOf(b, nd, 2 ** 53), -1);
  t.equal(indexOf(b, nd, b.length), -1);
  t.equal(indexOf(b, nd, 3), 3);
});

t.test('the C++ core alone, vector and scalar builds, against a naive loop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-bytesearch-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const harness = join(dir, 'harness.cc');
  writeFileSync(
    harness,
    `#include "byte_search.h"
#include <cstdio>
#include <cstring>
static long naive(const uint8_t* h, size_t n, const uint8_t* d, size_t m, size_t from) {
  if (m == 0) return -1;
  for (size_t i = from; i + m <= n; ++i) if (std::memcmp(h + i, d, m) == 0) return (long)i;
  return -1;
}
int main() {
  static uint8_t h[3000];
  uint8_t d[12];
  unsigned long s = 12345, bad = 0, runs = 0;
  auto r = [&]() { s = s * 6364136223846793005UL + 1442695040888963407UL; return (unsigned)(s >> 33); };
  const char* alpha = "</plist>?x";
  for (int k = 0; k < 200000; ++k) {
    size_t n = r() % (k % 10 == 0 ? 3000 : 300), m = 1 + r() % 10, from = r() % (n + 4);
    unsigned a = 1 + r() % 10;
    for (size_t i = 0; i < n; ++i) h[i] = (uint8_t)alpha[r() % a];
    for (size_t i = 0; i < m; ++i) d[i] = (uint8_t)alpha[r() % a];
    long want = from > n ? -1 : naive(h, n, d, m, from);
    if (bytesearch::IndexOf(h, n, d, m, from) != want || bytesearch::IndexOfScalar(h, n, d, m, from) != want) ++bad;
    ++runs;
  }
  std::printf("%lu %lu\\n", runs, bad);
  return bad == 0 ? 0 : 1;
}
`,
  );
  for (const mode of [[], ['-DBYTE_SEARCH_SCALAR']]) {
    const exe = join(dir, `h${mode.length}`);
    execFileSync('g++', ['-std=c++17', '-O2', '-Wall', '-Wextra', '-Werror', ...mode, '-I', join(ROOT, 'native'), harness, join(ROOT, 'native/byte_search.cc'), '-o', exe], {
      stdio: 'pipe',
    });
    const [runs, bad] = execFileSync(exe, { encoding: 'utf8' }).trim().split(' ').map(Number);
    t.equal(bad, 0, `${mode.length ? 'scalar' : 'vector'} build: ${runs} random cases agree with the naive loop`);
  }
});
