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

/** The value of one hex digit's char code (the regex has already checked it is one). */
function hexDigit(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
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
    // A replay or a live field report parses ~100–300 lines every interval: one loop, no per-line
    // closures, spreads or intermediate arrays (they allocate on every call until V8 optimizes).
    const lines = text.split(/\r?\n/);
    const seen = new Set<string>();
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i]!;
      const line = i + 1;
      if (BLANK.test(raw)) continue;
      const m = LINE.exec(raw);
      if (!m) {
        const kind = i === lines.length - 1 && !text.endsWith('\n') && /^\s*.{4}  \[/.test(raw) ? 'truncated' : 'malformed';
        out.errors.push(parseError('smc', kind, `not an SMC dump line: ${JSON.stringify(raw.slice(0, 80))}`, { line }));
        continue;
      }
      const key = m[1]!;
      const type = m[2]!;
      const printed = m[3];
      // `( xx)*`: three characters per byte, the two hex digits after each space.
      const hex = m[4]!;
      const n = hex.length / 3;
      if (n > MAX_BYTES) {
        out.errors.push(parseError('smc', 'invalid_value', `${key}: ${n} bytes, at most ${MAX_BYTES}`, { line }));
        continue;
      }
      if (seen.has(key)) {
        out.errors.push(parseError('smc', 'invalid_value', `${key}: duplicate key, first one kept`, { line }));
        continue;
      }
      seen.add(key);
      const bytes: number[] = [];
      for (let b = 0; b < n; b++) bytes.push(hexDigit(hex.charCodeAt(3 * b + 1)) * 16 + hexDigit(hex.charCodeAt(3 * b + 2)));
      const k: SmcDumpKey = { key, type, size: n, bytes, line };
      if (printed !== undefined) k.printed = printed;
      out.keys.push(k);
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
