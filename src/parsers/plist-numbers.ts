/**
 * The plist scanner's numbers (src/parsers/plist.ts): `<integer>` and `<real>` values read by hand from
 * the document text, the general forms (hex, whitespace, `nan`, `inf`) through `Number`. Each reader
 * starts just after the open tag and leaves in `numberEnd` the position just after the close tag.
 */
import { PlistFail } from './plist-model.ts';
import { integerCloseAt, realCloseAt } from './plist-tags.ts';

/** Just after the close tag of the number read last. */
export let numberEnd = 0;

const C_LT = 60; // <

function fail(message: string, at: number): never {
  throw new PlistFail(message, at, false);
}
function cut(what: string, at: number): never {
  throw new PlistFail(`unterminated ${what}`, at, true);
}
/** A close tag was expected at `at`: a cut-off document if the text ends inside it, else bad syntax. */
function badClose(S: string, at: number, close: string, from: number): never {
  if (S.length - at < close.length && close.startsWith(S.slice(at))) cut(close.slice(2, -1), from);
  fail(`expected ${close}`, at);
}
/** The close tag `close` at the next `<` after `from` (no child elements); its position. */
function closeTag(S: string, from: number, close: string): number {
  const lt = S.indexOf('<', from);
  if (lt < 0) cut(close.slice(2, -1), from);
  if (!S.startsWith(close, lt)) {
    if (lt + close.length > S.length && close.startsWith(S.slice(lt))) cut(close.slice(2, -1), from);
    fail(`expected ${close}`, lt);
  }
  numberEnd = lt + close.length;
  return lt;
}

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** `<integer>`: decimal digits with an optional sign. Beyond 2^53 the value is rounded (JS number). */
export function readInteger(S: string, from: number): number {
  let i = from;
  let c = S.charCodeAt(i);
  let neg = false;
  if (c === 45 || c === 43) {
    neg = c === 45;
    c = S.charCodeAt(++i);
  }
  const d0 = i;
  let n = 0;
  while (c >= 48 && c <= 57) {
    n = n * 10 + (c - 48);
    c = S.charCodeAt(++i);
  }
  const nd = i - d0;
  if (c !== C_LT || nd === 0) {
    // Hex (`0x…`, allowed by Apple's parser), surrounding whitespace or junk: the general path.
    const lt = closeTag(S, from, '</integer>');
    const raw = S.slice(from, lt).trim();
    const v = /^[+-]?0x[0-9a-f]+$/i.test(raw) ? (raw.startsWith('-') ? -1 : 1) * Number.parseInt(raw.replace(/^[+-]?0x/i, ''), 16) : raw === '' ? Number.NaN : Number(raw);
    if (Number.isNaN(v)) fail(`bad <integer> ${JSON.stringify(raw.slice(0, 40))}`, from);
    return v;
  }
  if (!integerCloseAt(S, i)) badClose(S, i, '</integer>', from);
  numberEnd = i + 10;
  if (nd > 15) n = Number(S.slice(d0, i)); // exact rounding for long digit strings
  return neg ? -n : n;
}

/**
 * `<real>`: `%g` output (`1`, `0.0412716`, `9.90818e+08`). Decimal mantissa digits m (< 2^53)
 * and a power of ten |e| ≤ 22 are both exact doubles, so one multiply/divide is correctly
 * rounded and equals `Number(text)`; anything else (long mantissas, `nan`, `inf`) goes through
 * `Number` on the slice.
 */
export function readReal(S: string, from: number): number {
  let i = from;
  let c = S.charCodeAt(i);
  let neg = false;
  if (c === 45 || c === 43) {
    neg = c === 45;
    c = S.charCodeAt(++i);
  }
  let m = 0;
  let nd = 0;
  let exp = 0;
  while (c >= 48 && c <= 57) {
    m = m * 10 + (c - 48);
    nd++;
    c = S.charCodeAt(++i);
  }
  if (c === 46) {
    c = S.charCodeAt(++i);
    while (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      nd++;
      exp--;
      c = S.charCodeAt(++i);
    }
  }
  if (nd > 0 && (c === 101 || c === 69)) {
    c = S.charCodeAt(++i);
    let eneg = false;
    if (c === 45 || c === 43) {
      eneg = c === 45;
      c = S.charCodeAt(++i);
    }
    let e = 0;
    let ed = 0;
    while (c >= 48 && c <= 57) {
      e = e * 10 + (c - 48);
      ed++;
      c = S.charCodeAt(++i);
    }
    if (ed === 0) c = -1; // force the general path
    exp += eneg ? -e : e;
  }
  if (c === C_LT && nd > 0 && nd <= 15 && realCloseAt(S, i)) {
    numberEnd = i + 7;
    let v: number;
    if (exp === 0) v = m;
    else if (exp > 0 && exp <= 22) v = m * POW10[exp]!;
    else if (exp < 0 && exp >= -22) v = m / POW10[-exp]!;
    else v = Number(S.slice(from, i));
    return neg ? -v : v;
  }
  const lt = closeTag(S, from, '</real>');
  const raw = S.slice(from, lt).trim();
  const lower = raw.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  const v = raw === '' ? Number.NaN : Number(raw);
  if (Number.isNaN(v)) fail(`bad <real> ${JSON.stringify(raw.slice(0, 40))}`, from);
  return v;
}
