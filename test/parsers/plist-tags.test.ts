/**
 * Each tag test in src/parsers/plist-tags.ts is `s.startsWith(tag, p)` written by hand: checked at every
 * position of the real M2 Ultra powermetrics capture and of the first M1 Pro document, and on every
 * prefix of each tag at the end of a string (a cut-off tag) and with one character changed.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import * as tags from '../../src/parsers/plist-tags.ts';

const TESTS: Array<[string, (s: string, p: number) => boolean]> = [
  ['<key>', tags.keyOpenAt],
  ['</dict>', tags.dictCloseAt],
  ['<dict>', tags.dictOpenAt],
  ['<integer>', tags.integerOpenAt],
  ['</integer>', tags.integerCloseAt],
  ['<real>', tags.realOpenAt],
  ['</real>', tags.realCloseAt],
  ['<string>', tags.stringOpenAt],
];
const fixture = (f: string) => readFileSync(new URL(`../../fixtures/powermetrics/${f}`, import.meta.url), 'latin1');
const m1 = fixture('m1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist');
const texts = [fixture('m2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist'), m1.slice(0, m1.indexOf('\0'))];

t.test('every tag test equals startsWith at every position of two real documents', async (t) => {
  for (const [tag, test] of TESTS) {
    let hits = 0;
    let wrong = 0;
    for (const s of texts)
      for (let p = 0; p <= s.length; p++) {
        const want = s.startsWith(tag, p);
        if (want) hits++;
        if (test(s, p) !== want) wrong++;
      }
    t.equal(wrong, 0, `${tag}: ${hits} occurrences, no position answered differently`);
  }
});

t.test('cut-off tags, changed characters and positions past the end', async (t) => {
  for (const [tag, test] of TESTS) {
    for (let n = 0; n < tag.length; n++) t.equal(test(`x${tag.slice(0, n)}`, 1), false, `${tag} cut to ${n} characters`);
    for (let i = 0; i < tag.length; i++) {
      const changed = tag.slice(0, i) + String.fromCharCode(tag.charCodeAt(i) ^ 32) + tag.slice(i + 1);
      t.equal(test(changed, 0), changed.startsWith(tag), `${tag} with character ${i} changed`);
    }
    t.equal(test(tag, 0), true);
    t.equal(test(tag, 1), false);
    t.equal(test(tag, tag.length + 5), false, 'past the end');
  }
});
