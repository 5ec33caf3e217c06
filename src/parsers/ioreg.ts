/**
 * The text form of `ioreg` (`ioreg -r -d 1 -w 0 -c IOAccelerator`, `ioreg -r -d 2 -l -w 0 -c
 * IOBlockStorageDriver`), read into registry entries with their properties. Pure, never throws,
 * bounded. Shared by the `gpu` and `disks` sources; the native reader's facts are converted into the
 * same entries (./iokit-facts.ts), so both paths are interpreted by one piece of code.
 *
 * The layout:
 *   +-o NAME  <class CLASS, id 0x…, registered, …>     a registry entry; the column of `+-o` / 2 is its depth
 *     {                                                  (tree prefix: spaces and `|`)
 *       "key" = value                                   one property per line (`-w 0`: never wrapped)
 *     }
 * Values: `"string"` (with `\"` and `\\`), integers (decimal or 0x hex, negative allowed; past 2^53 kept
 * exact as bigint), `Yes`/`No`, `<hex bytes>` and `<"text">` data, `{"k"=v,…}` dictionaries, `(v,…)`
 * arrays and `[v,…]` sets. Dictionaries are prototype-less objects (a key `__proto__` is just a key).
 *
 * Bounds: the whole text, each line, the entries, the tree depth, the value nesting (checked at every
 * level of the recursion, so 10,000 nested `{` cost 33 frames), the total of values, each string, and
 * the problems reported. A `keys` filter leaves every other property unparsed (the GPU's ~45 KB
 * `IOReportLegend` line is skipped at the cost of reading its key).
 */
import type { ParseError, ParseErrorKind } from '../samples.ts';
import { parseError } from '../samples.ts';

export type IoregDict = { [key: string]: IoregValue };
export type IoregValue = string | number | bigint | boolean | Uint8Array | IoregValue[] | IoregDict;

export interface IoregEntry {
  /** The entry's name as printed after `+-o` (`AGXAcceleratorG16G`, `APPLE SSD AP1024Z Media`). */
  name: string;
  /** Its class (`<class X, …>`); empty when the header had none. */
  className: string;
  /** Its registry id (`0x100000478`), when printed. */
  id?: string;
  /** Depth in the printed tree (0 = the matched entry with `-r`). */
  depth: number;
  /** Index of its parent in the entry list, when it has one in the output. */
  parent?: number;
  properties: IoregDict;
}

export interface IoregProblem {
  kind: ParseErrorKind;
  message: string;
  line?: number;
}

export interface IoregParse {
  entries: IoregEntry[];
  problems: IoregProblem[];
  /** Problems past MAX_PROBLEMS, counted but not listed. */
  moreProblems: number;
}

export interface IoregOptions {
  /** Parse only these property keys (others are skipped unparsed). Default: all. */
  keys?: ReadonlySet<string>;
}

export const IOREG_LIMITS = {
  textChars: 4 * 1024 * 1024,
  lineChars: 256 * 1024,
  entries: 512,
  treeDepth: 64,
  nesting: 32,
  values: 200_000,
  stringChars: 64 * 1024,
  problems: 32,
} as const;

const HEADER = /^\+-o (.*?)\s*<class ([^,>]+)(?:, id (0x[0-9a-fA-F]+))?[^>]*>\s*$/;
const HEADER_NO_CLASS = /^\+-o (.*)$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** A new prototype-less dictionary. */
export const newDict = (): IoregDict => Object.create(null) as IoregDict;

class ValueError extends Error {
  readonly kind: ParseErrorKind;
  constructor(message: string, kind: ParseErrorKind = 'malformed') {
    super(message);
    this.kind = kind;
  }
}

/** Reads one value from `s` starting at `pos`. */
class ValueReader {
  pos = 0;
  private readonly s: string;
  private readonly budget: { values: number };
  constructor(s: string, budget: { values: number }) {
    this.s = s;
    this.budget = budget;
  }

  private count(): void {
    if (--this.budget.values < 0) throw new ValueError(`more than ${IOREG_LIMITS.values} values`, 'too_large');
  }

  private ws(): void {
    const s = this.s;
    while (this.pos < s.length && (s.charCodeAt(this.pos) === 32 || s.charCodeAt(this.pos) === 9)) this.pos++;
  }

  atEnd(): boolean {
    this.ws();
    return this.pos >= this.s.length;
  }

  string(): string {
    const s = this.s;
    if (s.charCodeAt(this.pos) !== 34) throw new ValueError(`expected '"' at column ${this.pos + 1}`);
    this.pos++;
    let out = '';
    let start = this.pos;
    for (;;) {
      if (this.pos >= s.length) throw new ValueError('unterminated string', 'truncated');
      const c = s.charCodeAt(this.pos);
      if (c === 34) break;
      if (c === 92) {
        out += s.slice(start, this.pos);
        const n = s[this.pos + 1];
        if (n === undefined) throw new ValueError('unterminated string', 'truncated');
        out += n;
        this.pos += 2;
        start = this.pos;
      } else this.pos++;
      if (out.length + (this.pos - start) > IOREG_LIMITS.stringChars)
        throw new ValueError(`a string longer than ${IOREG_LIMITS.stringChars} characters`, 'too_large');
    }
    out += s.slice(start, this.pos);
    this.pos++;
    return out;
  }

  value(depth: number): IoregValue {
    if (depth > IOREG_LIMITS.nesting) throw new ValueError(`values nested deeper than ${IOREG_LIMITS.nesting}`, 'too_large');
    this.ws();
    this.count();
    const s = this.s;
    const c = s[this.pos];
    if (c === undefined) throw new ValueError('missing value', 'truncated');
    if (c === '"') return this.string();
    if (c === '{') return this.dict(depth);
    if (c === '(' || c === '[') return this.array(depth, c === '(' ? ')' : ']');
    if (c === '<') return this.data();
    const m = /^(?:-?0x[0-9a-fA-F]+|-?\d+|Yes|No)/.exec(s.slice(this.pos, this.pos + 40));
    if (!m) throw new ValueError(`unexpected ${JSON.stringify(s.slice(this.pos, this.pos + 20))}`);
    this.pos += m[0].length;
    if (m[0] === 'Yes') return true;
    if (m[0] === 'No') return false;
    const t = m[0];
    if (t.length >= 40) throw new ValueError('an integer of 40 or more characters', 'invalid_value');
    const neg = t.startsWith('-');
    const body = neg ? t.slice(1) : t;
    let big = BigInt(body);
    if (neg) big = -big;
    return big <= MAX_SAFE && big >= MIN_SAFE ? Number(big) : big;
  }

  private dict(depth: number): IoregDict {
    this.pos++; // {
    const out = newDict();
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      const k = this.string();
      this.ws();
      if (this.s[this.pos] !== '=') throw new ValueError(`expected '=' after key ${JSON.stringify(k.slice(0, 40))}`);
      this.pos++;
      out[k] = this.value(depth + 1);
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return out;
      }
      throw new ValueError(c === undefined ? 'unterminated dictionary' : `expected ',' or '}' at column ${this.pos + 1}`, c === undefined ? 'truncated' : 'malformed');
    }
  }

  private array(depth: number, close: string): IoregValue[] {
    this.pos++;
    const out: IoregValue[] = [];
    this.ws();
    if (this.s[this.pos] === close) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === close) {
        this.pos++;
        return out;
      }
      throw new ValueError(c === undefined ? 'unterminated array' : `expected ',' or '${close}' at column ${this.pos + 1}`, c === undefined ? 'truncated' : 'malformed');
    }
  }

  private data(): Uint8Array {
    const s = this.s;
    this.pos++; // <
    if (s[this.pos] === '"') {
      const text = this.string();
      if (s[this.pos] !== '>') throw new ValueError("expected '>' after data text", s[this.pos] === undefined ? 'truncated' : 'malformed');
      this.pos++;
      return new TextEncoder().encode(text);
    }
    const end = s.indexOf('>', this.pos);
    if (end < 0) throw new ValueError('unterminated data', 'truncated');
    const hex = s.slice(this.pos, end).replace(/\s+/g, '');
    if (hex.length > IOREG_LIMITS.stringChars) throw new ValueError('data longer than the string limit', 'too_large');
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new ValueError('data is not whole hex bytes');
    this.pos = end + 1;
    const bytes = new Uint8Array(hex.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return bytes;
  }
}

/** The tree prefix of a line (spaces and `|`) and what follows it. */
function splitPrefix(line: string): { col: number; rest: string } {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 124)) i++;
  return { col: i, rest: line.slice(i) };
}

/** Parse a whole `ioreg` text. Never throws. */
export function parseIoreg(text: string, opts: IoregOptions = {}): IoregParse {
  const out: IoregParse = { entries: [], problems: [], moreProblems: 0 };
  const problem = (kind: ParseErrorKind, message: string, line?: number): void => {
    if (out.problems.length >= IOREG_LIMITS.problems) out.moreProblems++;
    else out.problems.push({ kind, message, ...(line !== undefined ? { line } : {}) });
  };
  try {
    if (text.length > IOREG_LIMITS.textChars) {
      problem('too_large', `ioreg output longer than ${IOREG_LIMITS.textChars} characters`);
      return out;
    }
    const budget = { values: IOREG_LIMITS.values };
    const stack: number[] = []; // entry index at each depth
    let current: IoregEntry | undefined;
    let start = 0;
    let lineNo = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      lineNo++;
      let line = text.slice(start, end);
      start = end + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.length > IOREG_LIMITS.lineChars) {
        problem('too_large', `a line longer than ${IOREG_LIMITS.lineChars} characters`, lineNo);
        continue;
      }
      const { col, rest } = splitPrefix(line);
      if (rest.length === 0) continue;
      if (rest.startsWith('+-o')) {
        const depth = col >> 1;
        if (depth > IOREG_LIMITS.treeDepth) {
          problem('too_large', `tree deeper than ${IOREG_LIMITS.treeDepth}`, lineNo);
          current = undefined;
          continue;
        }
        if (out.entries.length >= IOREG_LIMITS.entries) {
          problem('too_large', `more than ${IOREG_LIMITS.entries} registry entries`, lineNo);
          current = undefined;
          continue;
        }
        const m = HEADER.exec(rest);
        const entry: IoregEntry = m
          ? { name: m[1]!, className: m[2]!.trim(), ...(m[3] ? { id: m[3] } : {}), depth, properties: newDict() }
          : { name: (HEADER_NO_CLASS.exec(rest)?.[1] ?? '').trim(), className: '', depth, properties: newDict() };
        if (!m) problem('malformed', 'a registry entry without `<class …>`', lineNo);
        stack.length = Math.min(stack.length, depth);
        const parent = depth > 0 ? stack[depth - 1] : undefined;
        if (parent !== undefined) entry.parent = parent;
        stack[depth] = out.entries.length;
        out.entries.push(entry);
        current = entry;
        continue;
      }
      if (rest === '{' || rest === '}') continue;
      if (!rest.startsWith('"')) {
        problem('malformed', `not an ioreg line: ${JSON.stringify(rest.slice(0, 60))}`, lineNo);
        continue;
      }
      // A property line. Before any `+-o` it is a bare excerpt (a published single line): kept on an
      // anonymous entry so such captures still parse.
      if (!current) {
        current = { name: '', className: '', depth: 0, properties: newDict() };
        out.entries.push(current);
      }
      const r = new ValueReader(rest, budget);
      let key: string;
      try {
        key = r.string();
      } catch (err) {
        problem(err instanceof ValueError ? err.kind : 'malformed', `property key: ${(err as Error).message}`, lineNo);
        continue;
      }
      if (opts.keys && !opts.keys.has(key)) continue;
      const eq = rest.indexOf('=', r.pos);
      if (eq < 0 || rest.slice(r.pos, eq).trim() !== '') {
        problem('malformed', `property ${JSON.stringify(key.slice(0, 60))}: no ' = '`, lineNo);
        continue;
      }
      r.pos = eq + 1;
      try {
        const v = r.value(1);
        if (!r.atEnd()) throw new ValueError('text after the value');
        current.properties[key] = v;
      } catch (err) {
        if (budget.values < 0) {
          problem('too_large', (err as Error).message, lineNo);
          return out;
        }
        problem(err instanceof ValueError ? err.kind : 'malformed', `property ${JSON.stringify(key.slice(0, 60))}: ${(err as Error).message}`, lineNo);
      }
    }
  } catch (err) {
    problem('malformed', `ioreg parser exception: ${(err as Error)?.message ?? String(err)}`);
  }
  return out;
}

/** A property as a non-negative safe integer, or undefined (absent, not an integer, or past 2^53). */
export function ioregUint(v: IoregValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** A property as a dictionary, or undefined. */
export function ioregDict(v: IoregValue | undefined): IoregDict | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? v : undefined;
}

/** Problems of the ioreg parser as parse errors. */
export function ioregErrors(source: string, p: IoregParse): ParseError[] {
  const out = p.problems.map((x) => parseError(source, x.kind, x.message, x.line !== undefined ? { line: x.line } : {}));
  if (p.moreProblems > 0) out.push(parseError(source, 'malformed', `${p.moreProblems} further problems not listed`));
  return out;
}

