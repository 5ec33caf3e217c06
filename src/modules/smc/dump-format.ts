/**
 * Parser of SMC key dumps in iSMC's `raw` format, one key per line:
 *
 *     `  KEY  [type]  value (bytes 14 de 55 42)`   or, when no value is printed,
 *     `  KEY  [type]  (bytes 9a d9 33 00 00 00 00 00)`
 *
 * This is the format of fixtures/smc/ and of `silicon-agent smc dump`, so a field report from a
 * new chip replays through the same TypeScript path as a live read. The bytes are the truth;
 * the printed value is kept only for cross-checks (older iSMC versions print some `flt` values
 * rounded to integers, later ones none at all on T-key reports). `smc dump --json` output
 * (an array of {key, type, size, bytes}) is accepted too.
 *
 * Pure and never throws: a bad line becomes a typed ParseError and the good lines around it are kept.
 */
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import type { SmcKey } from './sample.ts';

export interface SmcDumpKey extends SmcKey {
  /** The value column as printed, when the line has one. */
  printed?: string;
  /** 1-based line number in the dump. */
  line: number;
}

export interface SmcDumpResult {
  keys: SmcDumpKey[];
  errors: ParseError[];
}

const LINE = /^\s*(.{4})  \[(.{4})\]  (?:(\S+) )?\(bytes((?: [0-9a-fA-F]{2})*)\)\s*$/;
const MAX_BYTES = 32;

const BLANK = /^\s*$/;
const JSON_START = /^\s*[[{]/;
const decoder = new TextDecoder();

/** The value of one hex digit's char code, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** Whitespace as `\s` has it, for the ASCII range (the fast path meets nothing else). */
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const printable = (c: number): boolean => c >= 32 && c <= 126;

/**
 * Keys and types seen before, by their four character codes (printable ASCII: one number), so a
 * dump read every interval reuses the same strings instead of cutting 2 × ~300 new ones each time.
 * Bounded: past the limit new names are cut as usual and not remembered.
 */
const NAMES = new Map<number, string>();
const MAX_NAMES = 8192;
/** The parse that last saw each key (by its code): duplicate detection without a per-parse Set. */
const SEEN_IN = new Map<number, number>();
let generation = 0;

function fourCC(text: string, at: number): number {
  return ((text.charCodeAt(at) * 256 + text.charCodeAt(at + 1)) * 256 + text.charCodeAt(at + 2)) * 256 + text.charCodeAt(at + 3);
}
function nameAt(text: string, at: number, code: number): string {
  let n = NAMES.get(code);
  if (n === undefined) {
    n = text.slice(at, at + 4);
    if (NAMES.size < MAX_NAMES) NAMES.set(code, n);
  }
  return n;
}
/** The code of a 4-character name of printable ASCII, else -1. */
function codeOf(name: string): number {
  for (let i = 0; i < 4; i++) if (!printable(name.charCodeAt(i))) return -1;
  return name.length === 4 ? fourCC(name, 0) : -1;
}

/**
 * One line of the common shape, `<spaces>KEY  [type]  (bytes xx …)` with an optional printed value,
 * read by hand from `text[from, to)`: the same captures LINE would give, or undefined whenever the
 * line is anything else (then LINE decides, so the result never differs from the regex's).
 */
/** What fastLine found: one object reused for every line (a parse makes none per line). */
const found = { key: 0, type: 0, keyAt: 0, typeAt: 0, printedAt: -1, printedEnd: -1, hexAt: 0, hexEnd: 0 };

function fastLine(text: string, from: number, to: number): typeof found | undefined {
  let p = from;
  while (p < to && text.charCodeAt(p) === 32) p++;
  const keyAt = p;
  if (to - p < 4 + 3 + 4 + 3 + 7) return undefined;
  for (let i = 0; i < 4; i++) if (!printable(text.charCodeAt(p + i))) return undefined;
  if (text.charCodeAt(p) === 32) return undefined;
  p += 4;
  if (text.charCodeAt(p) !== 32 || text.charCodeAt(p + 1) !== 32 || text.charCodeAt(p + 2) !== 91) return undefined;
  p += 3;
  const typeAt = p;
  for (let i = 0; i < 4; i++) if (!printable(text.charCodeAt(p + i))) return undefined;
  p += 4;
  if (text.charCodeAt(p) !== 93 || text.charCodeAt(p + 1) !== 32 || text.charCodeAt(p + 2) !== 32) return undefined;
  p += 3;
  // The optional printed value: a run of non-space characters, one space, then `(bytes`.
  let printedAt = -1;
  let q = p;
  while (q < to && printable(text.charCodeAt(q)) && text.charCodeAt(q) !== 32) q++;
  if (q < to && !printable(text.charCodeAt(q))) return undefined;
  if (q > p && text.startsWith(' (bytes', q)) {
    printedAt = p;
    p = q + 1;
  } else if (!text.startsWith('(bytes', p)) return undefined;
  p += 6;
  const hexAt = p;
  while (p + 2 < to && text.charCodeAt(p) === 32 && hexValue(text.charCodeAt(p + 1)) >= 0 && hexValue(text.charCodeAt(p + 2)) >= 0) p += 3;
  const hexEnd = p;
  if (text.charCodeAt(p) !== 41) return undefined;
  for (p++; p < to; p++) if (!isSpace(text.charCodeAt(p))) return undefined;
  found.key = fourCC(text, keyAt);
  found.type = fourCC(text, typeAt);
  found.keyAt = keyAt;
  found.typeAt = typeAt;
  found.printedAt = printedAt;
  found.printedEnd = q;
  found.hexAt = hexAt;
  found.hexEnd = hexEnd;
  return found;
}

/** Is `text[from, to)` blank (`\s*`)? */
function blank(text: string, from: number, to: number): boolean {
  for (let p = from; p < to; p++) {
    const c = text.charCodeAt(p);
    if (isSpace(c)) continue;
    if (c < 128) return false;
    return BLANK.test(text.slice(from, to));
  }
  return true;
}

export function parseSmcDump(input: string | Uint8Array): SmcDumpResult {
  const out: SmcDumpResult = { keys: [], errors: [] };
  try {
    const text = typeof input === 'string' ? input : decoder.decode(input);
    if (BLANK.test(text)) {
      out.errors.push(parseError('smc', 'empty', 'SMC dump is empty'));
      return out;
    }
    if (JSON_START.test(text)) return parseJson(text);
    // A replay or a `parse` reads ~100–300 lines: lines are found by index (no split), the common
    // line is read by hand (fastLine), key and type names are reused (NAMES). Anything unusual takes
    // the regex, LINE, which defines the format.
    const gen = ++generation;
    let other: Set<string> | undefined;
    const seenBefore = (key: string, code: number): boolean => {
      if (code >= 0 && (SEEN_IN.size < MAX_NAMES || SEEN_IN.has(code))) {
        if (SEEN_IN.get(code) === gen) return true;
        SEEN_IN.set(code, gen);
        return false;
      }
      other ??= new Set();
      if (other.has(key)) return true;
      other.add(key);
      return false;
    };
    let from = 0;
    for (let line = 1; ; line++) {
      const nl = text.indexOf('\n', from);
      const last = nl < 0;
      let to = last ? text.length : nl;
      if (!last && to > from && text.charCodeAt(to - 1) === 13) to--;
      if (!blank(text, from, to)) {
        const f = fastLine(text, from, to);
        let key: string;
        let type: string;
        let code: number;
        let printed: string | undefined;
        let hex: string | undefined;
        let hexAt = 0;
        let n: number;
        if (f) {
          key = nameAt(text, f.keyAt, f.key);
          type = nameAt(text, f.typeAt, f.type);
          code = f.key;
          printed = f.printedAt >= 0 ? text.slice(f.printedAt, f.printedEnd) : undefined;
          hex = text;
          hexAt = f.hexAt;
          n = (f.hexEnd - f.hexAt) / 3;
        } else {
          const raw = text.slice(from, to);
          const m = LINE.exec(raw);
          if (!m) {
            const kind = last && /^\s*.{4}  \[/.test(raw) ? 'truncated' : 'malformed';
            out.errors.push(parseError('smc', kind, `not an SMC dump line: ${JSON.stringify(raw.slice(0, 80))}`, { line }));
            if (last) break;
            from = nl + 1;
            continue;
          }
          key = m[1]!;
          type = m[2]!;
          code = codeOf(key);
          printed = m[3];
          hex = m[4]!;
          n = hex.length / 3;
        }
        if (n > MAX_BYTES) {
          out.errors.push(parseError('smc', 'invalid_value', `${key}: ${n} bytes, at most ${MAX_BYTES}`, { line }));
        } else if (seenBefore(key, code)) {
          out.errors.push(parseError('smc', 'invalid_value', `${key}: duplicate key, first one kept`, { line }));
        } else {
          // `( xx)*`: three characters per byte, the two hex digits after each space.
          // Sized once (a growing array would reserve ~17 slots for 4 bytes).
          const bytes = new Array<number>(n);
          for (let b = 0, at = hexAt; b < n; b++, at += 3) bytes[b] = hexValue(hex.charCodeAt(at + 1)) * 16 + hexValue(hex.charCodeAt(at + 2));
          const k: SmcDumpKey = { key, type, size: n, bytes, line };
          if (printed !== undefined) k.printed = printed;
          out.keys.push(k);
        }
      }
      if (last) break;
      from = nl + 1;
    }
    return out;
  } catch (err) {
    out.errors.push(parseError('smc', 'malformed', `parser exception: ${(err as Error)?.message ?? String(err)}`));
    return out;
  }
}

function parseJson(text: string): SmcDumpResult {
  const out: SmcDumpResult = { keys: [], errors: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    out.errors.push(parseError('smc', 'malformed', `SMC JSON dump: ${(err as Error).message}`));
    return out;
  }
  const rows = Array.isArray(doc) ? doc : (doc as { keys?: unknown }).keys;
  if (!Array.isArray(rows)) {
    out.errors.push(parseError('smc', 'missing_field', 'SMC JSON dump has no key array'));
    return out;
  }
  rows.forEach((r: unknown, i) => {
    const o = r as Partial<SmcKey> | null;
    const ok =
      o !== null &&
      typeof o === 'object' &&
      typeof o.key === 'string' &&
      o.key.length === 4 &&
      typeof o.type === 'string' &&
      o.type.length === 4 &&
      Array.isArray(o.bytes) &&
      o.bytes.length <= MAX_BYTES &&
      o.bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255) &&
      (o.size === undefined || (Number.isInteger(o.size) && o.size >= 0));
    if (!ok) {
      out.errors.push(parseError('smc', 'invalid_value', `SMC JSON dump: entry ${i} is not {key, type, size, bytes}`));
      return;
    }
    const bytes = o.bytes as number[];
    out.keys.push({
      key: o.key as string,
      type: o.type as string,
      size: o.size ?? bytes.length,
      bytes,
      line: i + 1,
    });
  });
  return out;
}
