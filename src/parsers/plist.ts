/**
 * A small, fast scanner for the XML property-list subset that `powermetrics -f plist` prints:
 * `dict`, `array`, `key`, `string`, `integer`, `real` (C `%g` forms such as `9.90818e+08`),
 * `true`/`false`, `date`, `data`, the five named XML entities and numeric character references.
 * No DOM and no dependency; it works on the document's text decoded once (one string, or consecutive
 * pieces of it: see parsePlist).
 *
 * Speed (see docs/benchmarks.md): the scanner walks the text with `indexOf`/`charCodeAt`, parses
 * numbers by hand, and can *project* the document: with `select`, dict keys the caller never reads
 * are not built at all — their value is jumped over with `indexOf` to the matching close tag.
 * powermetrics documents are mostly per-task and per-state tables the agent does not export, so
 * projection is what keeps the cost near `JSON.parse` of the same data.
 *
 * Leniency, on purpose:
 * - duplicate dict keys are accepted and the last one wins (powermetrics repeats `idle_ns` and
 *   `idle_ratio` in its `gpu` dict, reference §1.3);
 * - a skipped subtree is only checked for balanced tags of its own type, not parsed;
 * - comments (`<!-- … -->`) are skipped wherever whitespace may appear (one fixture, the pumas
 *   M2 Ultra capture, had its duplicate `idle_ratio` commented out by that repo's author); CDATA and
 *   processing instructions inside the body are reported as errors (powermetrics prints neither).
 *
 * Errors (unterminated tags, junk, bad nesting) come back as a value (`{ ok: false, … }`); the
 * function never throws.
 */
import { compile, decodeData, decodeEntities, PlistDate, PlistFail } from './plist-model.ts';
import type { PlistDict, PlistOptions, PlistResult, PlistValue, Sel, SelArray, SelDict, SelEntry } from './plist-model.ts';
import { numberEnd, readInteger, readReal } from './plist-numbers.ts';
import { dictCloseAt, dictOpenAt, integerOpenAt, keyOpenAt, realOpenAt, stringOpenAt } from './plist-tags.ts';

// ---------------------------------------------------------------------------------------------
// Scanner state. Module-level (the scanner is synchronous and not re-entrant) so the hot
// functions read plain variables instead of closure or object fields.

let S = '';
let P = 0;
let LEN = 0;
let DEPTH = 0;
let MAX_DEPTH = 256;
/** Position of the next `&` at or after the last search (-1: none left; -2: not searched yet). */
let NEXT_AMP = -2;
/** A document in pieces (see parsePlist): all of them, and the index of the one in S. */
let PIECES: readonly string[] = [];
let PI = 0;
/** PIECES when the text is one string (one shared empty list, not a new one per document). */
const NO_PIECES: readonly string[] = [];

/** At the end of a piece, between two elements: go on at the start of the next (after its whitespace). */
function nextPiece(): void {
  S = PIECES[++PI]!;
  P = 0;
  LEN = S.length;
  NEXT_AMP = -2;
  skipWs();
}

/** A close tag was expected at `at`: a cut-off document if the text ends inside it, else bad syntax. */
function badClose(at: number, close: string, from: number): never {
  if (LEN - at < close.length && close.startsWith(S.slice(at))) cut(close.slice(2, -1), from);
  fail(`expected ${close}`, at);
}

function fail(message: string, at: number = P): never {
  throw new PlistFail(message, at, false);
}
function cut(what: string, at: number = P): never {
  throw new PlistFail(`unterminated ${what}`, at, true);
}

const C_LT = 60; // <
const C_GT = 62; // >
const C_SLASH = 47; // /

/**
 * Parse one plist document (prolog, `<plist>` root, one value, `</plist>`). Never throws.
 *
 * The text may come in pieces (consecutive parts of one document, as the powermetrics stream
 * decodes a document larger than V8's largest ordinary string: see `decodeDocument` in
 * src/modules/powermetrics/parser.ts). The scanner moves to the next piece only where it skips
 * whitespace, that is between two elements; anything else that meets the end of a piece (a tag, a
 * text, a skipped container or a comment cut by it) makes the whole attempt fail, and the document
 * is then parsed again as one string. So the result, errors and offsets included, is always that of
 * the joined text.
 */
export function parsePlist(text: string | readonly string[], options: PlistOptions = {}): PlistResult {
  if (typeof text === 'string') return scan(text, undefined, options);
  if (text.length <= 1) return scan(text[0] ?? '', undefined, options);
  const r = scan(text[0]!, text, options);
  return r.ok ? r : scan(text.join(''), undefined, options);
}

function scan(text: string, pieces: readonly string[] | undefined, options: PlistOptions): PlistResult {
  S = text;
  P = 0;
  LEN = text.length;
  DEPTH = 0;
  MAX_DEPTH = options.maxDepth ?? 256;
  NEXT_AMP = -2;
  PIECES = pieces ?? NO_PIECES;
  PI = 0;

  try {
    const sel = options.select === undefined ? true : compile(options.select);
    prolog();
    const value = parseValue(sel);
    skipWs();
    while (S.charCodeAt(P + 1) === 33 && skipComment());
    if (!S.startsWith('</plist>', P)) badClose(P, '</plist>', P);
    P += 8;
    skipWs();
    while (S.charCodeAt(P + 1) === 33 && skipComment());
    if (P < LEN || PI + 1 < PIECES.length) fail('unexpected content after </plist>');
    return { ok: true, value };
  } catch (e) {
    if (e instanceof PlistFail) return { ok: false, message: e.message, offset: e.offset, truncated: e.truncated };
    // RangeError from a runaway input or anything unexpected: still a value, never a throw.
    return { ok: false, message: `plist scanner exception: ${(e as Error)?.message ?? String(e)}`, offset: P, truncated: false };
  } finally {
    S = ''; // do not keep a large document alive through module state
    PIECES = NO_PIECES;
  }
}

function skipWs(): void {
  let c = S.charCodeAt(P);
  while (c === 32 || c === 10 || c === 13 || c === 9) c = S.charCodeAt(++P);
  if (P >= LEN && PI + 1 < PIECES.length) nextPiece();
}

/** At `<!--`: skip the comment and following whitespace; false when P is not at a comment. */
function skipComment(): boolean {
  if (S.charCodeAt(P + 1) !== 33 || !S.startsWith('<!--', P)) return false;
  const e = S.indexOf('-->', P + 4);
  if (e < 0) cut('comment');
  P = e + 3;
  skipWs();
  return true;
}

/** `<?xml …?>`, `<!DOCTYPE …>`, comments, then `<plist …>`. */
function prolog(): void {
  for (;;) {
    skipWs();
    if (P >= LEN) cut('document (no <plist> element)');
    if (S.charCodeAt(P) !== C_LT) fail('expected a tag');
    if (S.startsWith('<?', P)) {
      const e = S.indexOf('?>', P + 2);
      if (e < 0) cut('processing instruction');
      P = e + 2;
    } else if (S.startsWith('<!--', P)) {
      const e = S.indexOf('-->', P + 4);
      if (e < 0) cut('comment');
      P = e + 3;
    } else if (S.startsWith('<!DOCTYPE', P)) {
      const e = S.indexOf('>', P);
      if (e < 0) cut('DOCTYPE');
      P = e + 1;
    } else if (S.startsWith('<plist', P)) {
      const c = S.charCodeAt(P + 6);
      if (P + 6 >= LEN) cut('<plist> tag');
      if (c !== C_GT && c !== 32 && c !== 10 && c !== 13 && c !== 9) fail('expected <plist>');
      const e = S.indexOf('>', P);
      if (e < 0) cut('<plist> tag');
      if (S.charCodeAt(e - 1) === C_SLASH) fail('empty <plist/> has no value');
      P = e + 1;
      skipWs();
      return;
    } else {
      const rest = S.slice(P, P + 9);
      if (P + 9 > LEN && ['<!DOCTYPE', '<plist', '<!--', '<?'].some((t) => t.startsWith(rest))) cut('prolog');
      fail('expected <plist>');
    }
  }
}

/** At a value's `<`: parse it (with `sel`) and leave P after its close tag. */
function parseValue(sel: Sel): PlistValue {
  skipWs();
  while (S.charCodeAt(P + 1) === 33 && skipComment());
  const p = P;
  if (S.charCodeAt(p) !== C_LT) {
    if (p >= LEN) cut('value');
    fail('expected a value element');
  }
  switch (S.charCodeAt(p + 1)) {
    case 100: // d: dict, date, data
      if (dictOpenAt(S, p)) {
        P = p + 6;
        return typeof sel === 'object' && sel.kind === 1 ? parseDictSel(sel) : parseDictAll();
      }
      if (S.startsWith('<dict/>', p)) {
        P = p + 7;
        return {};
      }
      if (S.startsWith('<date>', p)) return new PlistDate(text(p + 6, '</date>'));
      if (S.startsWith('<data>', p)) return decodeData(text(p + 6, '</data>'), p);
      if (S.startsWith('<data/>', p)) {
        P = p + 7;
        return new Uint8Array(0);
      }
      break;
    case 97: // a: array
      if (S.startsWith('<array>', p)) {
        P = p + 7;
        return parseArray(typeof sel === 'object' && sel.kind === 2 ? sel.item : true);
      }
      if (S.startsWith('<array/>', p)) {
        P = p + 8;
        return [];
      }
      break;
    case 105: // i: integer
      if (integerOpenAt(S, p)) return parseInteger(p + 9);
      break;
    case 114: // r: real
      if (realOpenAt(S, p)) return parseReal(p + 6);
      break;
    case 115: // s: string
      if (stringOpenAt(S, p)) return text(p + 8, '</string>');
      if (S.startsWith('<string/>', p)) {
        P = p + 9;
        return '';
      }
      break;
    case 116: // t: true
      if (S.startsWith('<true/>', p)) {
        P = p + 7;
        return true;
      }
      break;
    case 102: // f: false
      if (S.startsWith('<false/>', p)) {
        P = p + 8;
        return false;
      }
      break;
  }
  if (p + 1 >= LEN || S.indexOf('>', p) < 0) cut('tag', p);
  fail(`unexpected tag ${JSON.stringify(S.slice(p, Math.min(LEN, p + 20)))}`, p);
}

/**
 * Character data from `from` to the close tag `close` (which must follow directly: no child
 * elements), entity-decoded when it contains `&`. Leaves P after the close tag.
 */
function text(from: number, close: string): string {
  const lt = closeTag(from, close);
  const s = S.slice(from, lt);
  return s.indexOf('&') < 0 ? s : decodeEntities(s, from);
}

function closeTag(from: number, close: string): number {
  const lt = S.indexOf('<', from);
  if (lt < 0) cut(close.slice(2, -1), from);
  if (!S.startsWith(close, lt)) {
    if (lt + close.length > LEN && close.startsWith(S.slice(lt))) cut(close.slice(2, -1), from);
    fail(`expected ${close}`, lt);
  }
  P = lt + close.length;
  return lt;
}

/** `<integer>` from just after its open tag (./plist-numbers.ts); leaves P after the close tag. */
function parseInteger(from: number): number {
  const v = readInteger(S, from);
  P = numberEnd;
  return v;
}
/** `<real>` likewise. */
function parseReal(from: number): number {
  const v = readReal(S, from);
  P = numberEnd;
  return v;
}

function enter(): void {
  if (++DEPTH > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
}

/** After `<key>`: the key text; leaves P after `</key>`. */
function readKey(): string {
  const from = P + 5;
  const lt = S.indexOf('<', from);
  if (lt < 0) cut('key', from);
  if (S.charCodeAt(lt + 1) !== C_SLASH || !S.startsWith('</key>', lt)) {
    if (lt + 6 > LEN) cut('key', from);
    fail('expected </key>', lt);
  }
  P = lt + 6;
  const k = S.slice(from, lt);
  return k.indexOf('&') < 0 ? k : decodeEntities(k, from);
}

/** Position at the next `<key>` or `</dict>`; returns true for `</dict>` (and moves past it). */
function dictNext(): boolean {
  skipWs();
  const p = P;
  if (S.charCodeAt(p) === C_LT) {
    const c = S.charCodeAt(p + 1);
    if (c === 107 && keyOpenAt(S, p)) return false; // k
    if (c === C_SLASH && dictCloseAt(S, p)) {
      P = p + 7;
      return true;
    }
  }
  if (skipComment()) return dictNext();
  if (p >= LEN || S.indexOf('>', p) < 0) cut('dict', p);
  fail('expected <key> or </dict>', p);
}

function put(obj: PlistDict, key: string, v: PlistValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[key] = v;
}

function parseDictAll(): PlistDict {
  enter();
  const obj: PlistDict = {};
  while (!dictNext()) {
    const key = readKey();
    put(obj, key, parseValue(true));
  }
  DEPTH--;
  return obj;
}

/** Seek mode (PLIST_SEEK): P is just after `<dict>`. Keys inside nested dicts are not this dict's. */
function parseDictSeek(sel: SelDict): PlistDict {
  enter();
  const piece = PI;
  const start = P;
  const nested: number[] = [];
  skipContainer(start, true, nested);
  const after = P;
  const end = after - 7;
  const obj: PlistDict = {};
  for (let i = 0; i < sel.needles.length; i++) {
    const e = sel.needles[i]!;
    // The last occurrence outside nested dicts wins (as in walk mode), so search backwards from the
    // dict's end: powermetrics prints the wanted task keys near the end of each task dict. `nested`
    // holds the nested containers' [start, end) pairs in order, so one pointer walks them back along
    // with the hits (checking every pair at every hit would be quadratic in a hostile dict).
    let at = -1;
    let j = nested.length - 2;
    for (let h = S.lastIndexOf(e.needle, end - 1); h >= start; h = h === 0 ? -1 : S.lastIndexOf(e.needle, h - 1)) {
      if (S.charCodeAt(h - 1) !== C_GT || !S.startsWith('<key>', h - 5)) continue;
      while (j >= 0 && nested[j]! >= h) j -= 2;
      if (j >= 0 && h < nested[j + 1]!) continue; // inside a nested container
      at = h;
      break;
    }
    if (at < 0) continue;
    P = at + e.needle.length;
    put(obj, e.key, parseValue(e.sel));
    // A value that ran on past the dict's end (its end was found by tags alone, so a comment can hide a
    // `</dict>`) into the next piece: positions here are the old piece's; parse the joined text instead.
    if (PI !== piece) fail('value runs past its dict into the next piece');
  }
  P = after;
  DEPTH--;
  return obj;
}

function parseDictSel(sel: SelDict): PlistDict {
  if (sel.seek) return parseDictSeek(sel);
  enter();
  const obj: PlistDict = {};
  const byLen = sel.byLen;
  for (;;) {
    // dictNext's usual cases inlined: whitespace, then `<key>` or `</dict>`; anything else (comments,
    // errors) goes to dictNext from the same position.
    let c = S.charCodeAt(P);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = S.charCodeAt(++P);
    if (c !== C_LT || S.charCodeAt(P + 1) !== 107 || !keyOpenAt(S, P)) {
      if (S.charCodeAt(P + 1) === C_SLASH && dictCloseAt(S, P)) {
        P += 7;
        break;
      }
      if (dictNext()) break;
    }
    // Match the key in place against the wanted keys of its length: no slice, no hashing.
    const from = P + 5;
    const lt = S.indexOf('<', from);
    if (lt < 0 || S.charCodeAt(lt + 1) !== C_SLASH || S.charCodeAt(lt + 2) !== 107 || S.charCodeAt(lt + 5) !== C_GT) {
      // Unusual shape (cut off, bad close): let readKey report it.
      const key = readKey();
      const sub = sel.keys[key];
      if (sub === undefined) skipValue();
      else put(obj, key, parseValue(sub));
      continue;
    }
    P = lt + 6;
    const n = lt - from;
    const cands = n < byLen.length ? byLen[n] : undefined;
    let hit: SelEntry | undefined;
    if (cands !== undefined) {
      const c0 = S.charCodeAt(from);
      for (let i = 0; i < cands.length; i++) {
        const e = cands[i]!;
        if (e.c0 === c0 && S.startsWith(e.key, from)) {
          hit = e;
          break;
        }
      }
    }
    if (hit !== undefined) {
      // A number right after </key> (most wanted values) is parsed without parseValue's dispatch.
      const c1 = S.charCodeAt(P + 1);
      if (c1 === 105 && integerOpenAt(S, P)) obj[hit.key] = parseInteger(P + 9);
      else if (c1 === 114 && realOpenAt(S, P)) obj[hit.key] = parseReal(P + 6);
      else obj[hit.key] = parseValue(hit.sel);
      continue;
    }
    // A key written with entities could still name a wanted key: decode and look it up.
    if (NEXT_AMP === -2 || (NEXT_AMP >= 0 && NEXT_AMP < from)) NEXT_AMP = S.indexOf('&', from);
    const amp = NEXT_AMP >= 0 && NEXT_AMP < lt;
    const sub = amp ? sel.keys[decodeEntities(S.slice(from, lt), from)] : undefined;
    if (sub !== undefined) {
      put(obj, decodeEntities(S.slice(from, lt), from), parseValue(sub));
      continue;
    }
    // skipValue's path for a scalar right after </key> (`<x>…</x>` or `<x/>`), inlined: most unwanted
    // values. Anything else, and every error, goes to skipValue from the same position.
    const p = P;
    const c1 = S.charCodeAt(p + 1);
    if (S.charCodeAt(p) === C_LT && c1 !== 100 && c1 !== 97 && c1 !== 33) {
      const gt = S.indexOf('>', p);
      if (gt >= 0) {
        if (S.charCodeAt(gt - 1) === C_SLASH) {
          P = gt + 1;
          continue;
        }
        const vl = S.indexOf('<', gt);
        if (vl >= 0 && S.charCodeAt(vl + 1) === C_SLASH) {
          const e = S.indexOf('>', vl);
          if (e >= 0) {
            P = e + 1;
            continue;
          }
        }
      }
    }
    skipValue();
  }
  DEPTH--;
  return obj;
}

function parseArray(item: Sel): PlistValue[] {
  enter();
  const out: PlistValue[] = [];
  for (;;) {
    skipWs();
    while (S.charCodeAt(P + 1) === 33 && skipComment());
    if (S.charCodeAt(P) === C_LT && S.charCodeAt(P + 1) === C_SLASH) {
      if (S.startsWith('</array>', P)) {
        P += 8;
        break;
      }
      if (P + 8 > LEN) cut('array');
      fail('expected </array>');
    }
    if (typeof item === 'object' && item.kind === 1 && dictOpenAt(S, P)) {
      P += 6; // what parseValue would do, without its dispatch (arrays of dicts: DVFS states, tasks)
      out.push(parseDictSel(item));
    } else out.push(parseValue(item));
  }
  DEPTH--;
  return out;
}

/**
 * Jump over one value without building it: scalars to their close tag, dicts and arrays to the
 * matching close tag (counting nested opens of the same name only).
 */
function skipValue(): void {
  skipWs();
  while (S.charCodeAt(P + 1) === 33 && skipComment());
  const p = P;
  if (S.charCodeAt(p) !== C_LT) {
    if (p >= LEN) cut('value');
    fail('expected a value element');
  }
  const c1 = S.charCodeAt(p + 1);
  if (c1 === 100 && dictOpenAt(S, p)) return skipContainer(p + 6, true);
  if (c1 === 97 && S.startsWith('<array>', p)) return skipContainer(p + 7, false);
  const gt = S.indexOf('>', p);
  if (gt < 0) cut('tag', p);
  if (S.charCodeAt(gt - 1) === C_SLASH) {
    P = gt + 1; // <true/>, <false/>, <dict/>, <string/>…
    return;
  }
  const lt = S.indexOf('<', gt);
  if (lt < 0) cut('element', p);
  if (S.charCodeAt(lt + 1) !== C_SLASH) {
    if (lt + 1 >= LEN) cut('element', p);
    fail('unexpected child element', lt);
  }
  const e = S.indexOf('>', lt);
  if (e < 0) cut('close tag', lt);
  P = e + 1;
}

/**
 * From just after `<dict>`/`<array>` to just after its matching close tag. One forward search for
 * the tag name followed by `>` (`dict>` / `array>`) finds opens and closes alike; the character
 * before it tells which (`<` open, `/` close). The needle starts with a letter that is far rarer in
 * powermetrics output than `<`, which is what makes the search fast (V8 looks for the first
 * character with memchr). `<dict/>` does not match and so does not open.
 */
function skipContainer(from: number, isDict: boolean, nested?: number[]): void {
  const needle = isDict ? 'dict>' : 'array>';
  let depth = 1;
  let p = from;
  for (;;) {
    const h = S.indexOf(needle, p);
    if (h < 0) cut(isDict ? 'dict' : 'array', from);
    const prev = S.charCodeAt(h - 1);
    if (prev === C_SLASH && S.charCodeAt(h - 2) === C_LT) {
      if (--depth === 0) {
        P = h + needle.length;
        return;
      }
      if (depth === 1) nested?.push(h); // end of a directly nested container (seek mode)
    } else if (prev === C_LT) {
      if (++depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`, h);
      if (depth === 2) nested?.push(h); // start of one
    }
    p = h + needle.length;
  }
}
