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

export function parseSmcDump(input: string | Uint8Array): SmcDumpResult {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  const out: SmcDumpResult = { keys: [], errors: [] };
  try {
    if (text.trim() === '') {
      out.errors.push(parseError('smc', 'empty', 'SMC dump is empty'));
      return out;
    }
    if (/^\s*[[{]/.test(text)) return parseJson(text);
    const lines = text.split(/\r?\n/);
    const seen = new Set<string>();
    lines.forEach((raw, i) => {
      const line = i + 1;
      if (raw.trim() === '') return;
      const m = LINE.exec(raw);
      if (!m) {
        const kind = i === lines.length - 1 && !text.endsWith('\n') && /^\s*.{4}  \[/.test(raw) ? 'truncated' : 'malformed';
        out.errors.push(parseError('smc', kind, `not an SMC dump line: ${JSON.stringify(raw.slice(0, 80))}`, { line }));
        return;
      }
      const [, key, type, printed, hex] = m as unknown as [string, string, string, string | undefined, string];
      const bytes = hex.trim() === '' ? [] : hex.trim().split(' ').map((h) => parseInt(h, 16));
      if (bytes.length > MAX_BYTES) {
        out.errors.push(parseError('smc', 'invalid_value', `${key}: ${bytes.length} bytes, at most ${MAX_BYTES}`, { line }));
        return;
      }
      if (seen.has(key)) {
        out.errors.push(parseError('smc', 'invalid_value', `${key}: duplicate key, first one kept`, { line }));
        return;
      }
      seen.add(key);
      out.keys.push({ key, type, size: bytes.length, bytes, line, ...(printed !== undefined ? { printed } : {}) });
    });
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
