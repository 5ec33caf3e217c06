/**
 * The plist scanner's value model (./plist.ts): the values it returns, the selection that projects a
 * document, the failure it reports, and the decoding of entities and base64 data. Pure.
 */

/** A plist `<date>`: the text as printed (ISO 8601, e.g. `2024-04-12T22:42:39Z`), unparsed. */
export class PlistDate {
  readonly iso: string;
  constructor(iso: string) {
    this.iso = iso;
  }
  toJSON(): string {
    return this.iso;
  }
}

export type PlistValue = string | number | boolean | PlistDate | Uint8Array | PlistValue[] | PlistDict;
export interface PlistDict {
  [key: string]: PlistValue;
}

/**
 * Which parts of a document to build. `true`: the whole value. An object: the value is a dict and
 * only the listed keys are built (others are skipped without being parsed). A one-element array:
 * the value is an array and each element is built with that selection.
 */
export type PlistSelect = true | { readonly [key: string]: PlistSelect } | readonly [PlistSelect];

export type PlistResult =
  | { ok: true; value: PlistValue }
  | {
      ok: false;
      message: string;
      /** Character offset in the text where the problem was found. */
      offset: number;
      /** True when the text ended inside an element (a cut-off document rather than bad syntax). */
      truncated: boolean;
    };

export interface PlistOptions {
  select?: PlistSelect;
  /** Nesting limit for dicts/arrays (default 256), so hostile input cannot exhaust the stack. */
  maxDepth?: number;
}

/** A scan failure, thrown inside the scanner and returned to the caller as a value. */
export class PlistFail {
  readonly message: string;
  readonly offset: number;
  readonly truncated: boolean;
  constructor(message: string, offset: number, truncated: boolean) {
    this.message = message;
    this.offset = offset;
    this.truncated = truncated;
  }
}

/** Compiled selection: null-prototype objects so keys such as `constructor` never hit Object.prototype. */
export type Sel = true | SelDict | SelArray;
export interface SelEntry {
  readonly key: string;
  readonly c0: number;
  readonly sel: Sel;
}
export interface SelDict {
  readonly kind: 1;
  /** Seek mode (PLIST_SEEK): wanted keys are found by searching, not by walking every key. */
  readonly seek: boolean;
  /** In seek mode: key + `</key>` per wanted key (searched without the `<key>` before it: a needle that starts with `<` is slow to search). */
  readonly needles: ReadonlyArray<{ readonly key: string; readonly needle: string; readonly sel: Sel }>;
  readonly keys: { [key: string]: Sel | undefined };
  /** Wanted keys by length, so most unwanted keys are rejected without slicing the text. */
  readonly byLen: Array<SelEntry[] | undefined>;
}
export interface SelArray {
  readonly kind: 2;
  readonly item: Sel;
}

/**
 * A key that puts a dict selection in seek mode: instead of walking every key of the dict, the scanner
 * finds the dict's end, then searches the wanted `<key>…</key>` strings in it (the last one outside any
 * nested dict wins, as in walk mode). For big dicts of which a few keys are read (powermetrics tasks:
 * ~60 keys, 2–8 read). The rest of the dict is checked for balanced `dict` tags only, as a skipped
 * value is; keys written with entity references are not found in seek mode (powermetrics writes none).
 */
export const PLIST_SEEK = '\u0000seek';

const compiled = new WeakMap<object, Sel>();
export function compile(sel: PlistSelect): Sel {
  if (sel === true) return true;
  const hit = compiled.get(sel);
  if (hit !== undefined) return hit;
  let out: Sel;
  if (Array.isArray(sel)) {
    out = { kind: 2, item: compile((sel as readonly [PlistSelect])[0]) };
  } else {
    const keys = Object.create(null) as { [key: string]: Sel | undefined };
    const byLen: Array<SelEntry[] | undefined> = [];
    const needles: Array<{ key: string; needle: string; sel: Sel }> = [];
    let seek = false;
    for (const [k, v] of Object.entries(sel as { readonly [key: string]: PlistSelect })) {
      if (k === PLIST_SEEK) {
        seek = true;
        continue;
      }
      const c = compile(v);
      needles.push({ key: k, needle: `${k}</key>`, sel: c });
      keys[k] = c;
      (byLen[k.length] ??= []).push({ key: k, c0: k.charCodeAt(0), sel: c });
    }
    for (let i = 0; i < byLen.length; i++) byLen[i] ??= undefined; // dense array, no holes
    out = { kind: 1, keys, byLen, seek, needles };
  }
  compiled.set(sel, out);
  return out;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decode `&amp; &lt; &gt; &quot; &apos;` and `&#NNN;`/`&#xHH;`. An unknown or bad reference is an error. */
export function decodeEntities(s: string, at = 0): string {
  let out = '';
  let last = 0;
  let i = s.indexOf('&');
  while (i >= 0) {
    const semi = s.indexOf(';', i + 1);
    if (semi < 0 || semi - i > 12) throw new PlistFail('bad entity reference', at + i, false);
    const name = s.slice(i + 1, semi);
    let rep: string | undefined;
    if (name.charCodeAt(0) === 35) {
      // #
      const hex = name.charCodeAt(1) === 120 || name.charCodeAt(1) === 88;
      const digits = name.slice(hex ? 2 : 1);
      const ok = digits.length > 0 && (hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits);
      const cp = ok ? Number.parseInt(digits, hex ? 16 : 10) : -1;
      if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new PlistFail(`bad character reference &${name};`, at + i, false);
      rep = String.fromCodePoint(cp);
    } else {
      rep = NAMED[name];
      if (rep === undefined || !Object.hasOwn(NAMED, name)) throw new PlistFail(`unknown entity &${name};`, at + i, false);
    }
    out += s.slice(last, i) + rep;
    last = semi + 1;
    i = s.indexOf('&', last);
  }
  return out + s.slice(last);
}

/** `<data>`: base64 with any whitespace. */
export function decodeData(s: string, at: number): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new PlistFail('bad base64 in <data>', at, false);
  return new Uint8Array(Buffer.from(clean, 'base64'));
}
