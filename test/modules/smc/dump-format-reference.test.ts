/**
 * The SMC dump parser reads the common line by hand (src/modules/smc/dump-format.ts, `fastLine`) and
 * keeps the regex for everything else. The reference here is the plain regex parser it replaced:
 * every real dump in fixtures/smc and thousands of line-level mutations of them must give exactly
 * the same keys, values, printed columns, errors and line numbers.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSmcDump } from '../../../src/modules/smc/dump-format.ts';
import { parseError } from '../../../src/samples.ts';
import { rng } from '../../helpers/chunks.ts';

const LINE = /^\s*(.{4})  \[(.{4})\]  (?:(\S+) )?\(bytes((?: [0-9a-fA-F]{2})*)\)\s*$/;

function reference(text: string) {
  const keys: unknown[] = [];
  const errors: unknown[] = [];
  if (text.trim() === '') return { keys, errors: [parseError('smc', 'empty', 'SMC dump is empty')] };
  const lines = text.split(/\r?\n/);
  const seen = new Set<string>();
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const m = LINE.exec(raw);
    if (!m) {
      const kind = i === lines.length - 1 && !text.endsWith('\n') && /^\s*.{4}  \[/.test(raw) ? 'truncated' : 'malformed';
      errors.push(parseError('smc', kind, `not an SMC dump line: ${JSON.stringify(raw.slice(0, 80))}`, { line }));
      return;
    }
    const [, key, type, printed, hex] = m as unknown as [string, string, string, string | undefined, string];
    const bytes = hex.trim() === '' ? [] : hex.trim().split(' ').map((h) => parseInt(h, 16));
    if (bytes.length > 32) return void errors.push(parseError('smc', 'invalid_value', `${key}: ${bytes.length} bytes, at most 32`, { line }));
    if (seen.has(key)) return void errors.push(parseError('smc', 'invalid_value', `${key}: duplicate key, first one kept`, { line }));
    seen.add(key);
    keys.push({ key, type, size: bytes.length, bytes, line, ...(printed !== undefined ? { printed } : {}) });
  });
  return { keys, errors };
}

const DIR = new URL('../../../fixtures/smc/', import.meta.url).pathname;
const dumps = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => ({ name: f, text: readFileSync(join(DIR, f), 'latin1') }));

t.test('every real dump: the same result as the regex parser', async (t) => {
  t.ok(dumps.length >= 10, `${dumps.length} real dumps`);
  for (const d of dumps) {
    const got = parseSmcDump(d.text);
    t.ok(got.keys.length > 10, `${d.name}: ${got.keys.length} keys`);
    t.same(got, reference(d.text), d.name);
  }
});

t.test('a printed value column and CRLF lines are read as the regex reads them', async (t) => {
  const text = '  TC0P  [flt ]  41.5 (bytes 00 00 26 42)\r\n  FNum  [ui8 ]  2 (bytes 02)\r\n  TC0P  [flt ]  (bytes 00 00 26 42)\r\n  Tx  \n  TB1p  [flt ]  (bytes a0 04 0c 42)';
  const got = parseSmcDump(text);
  t.same(got, reference(text));
  t.same(got.keys[0], { key: 'TC0P', type: 'flt ', size: 4, bytes: [0, 0, 0x26, 0x42], line: 1, printed: '41.5' });
  t.same(got.errors.map((e) => [e.kind, e.line]), [['invalid_value', 3], ['malformed', 4]]);
});

t.test('line mutations: the same result as the regex parser', async (t) => {
  const random = rng(0x5eed);
  const pieces = ['\t', ' ', '  ', '\r', '\u00a0', '\u2028', 'é', '(bytes', ' (bytes', ')', ']', '[', 'zz', ' 0', ' 0g', ' ff', '12.5 ', 'x'.repeat(40), ' 00'.repeat(33), '\n'];
  let cases = 0;
  let mismatches = 0;
  for (const d of dumps) {
    const lines = d.text.split('\n').slice(0, 60);
    for (let n = 0; n < 300; n++) {
      const ls = [...lines];
      for (let h = 0; h < 3; h++) {
        const i = Math.floor(random() * ls.length);
        const l = ls[i]!;
        const at = Math.floor(random() * (l.length + 1));
        const roll = random();
        if (roll < 0.4) ls[i] = l.slice(0, at) + pieces[Math.floor(random() * pieces.length)] + l.slice(at);
        else if (roll < 0.6) ls[i] = l.slice(0, at) + l.slice(at + 1 + Math.floor(random() * 3));
        else if (roll < 0.75) ls.splice(i, 0, ls[Math.floor(random() * ls.length)]!);
        else if (roll < 0.85) ls[i] = l.slice(0, at);
        else ls[i] = l.replace(/\(bytes/, `${Math.floor(random() * 100)} (bytes`);
      }
      const text = random() < 0.5 ? ls.join('\n') : ls.join('\r\n').slice(0, Math.floor(random() * 4000) + 200);
      // A text that starts like JSON is read as `smc dump --json` (not the line format under test).
      if (/^\s*[[{]/.test(text)) continue;
      cases++;
      const got = parseSmcDump(text);
      const want = reference(text);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        mismatches++;
        if (mismatches <= 3) t.same(got, want, `${d.name} mutation ${n}`);
      }
    }
  }
  t.ok(cases > 2900, `${cases} mutated line-format dumps`);
  t.equal(mismatches, 0, `${cases} mutated dumps, every one parsed as the regex parses it`);
});
