/**
 * powermetrics `-f plist` stream → PowermetricsSample. Pure: bytes in, samples and typed errors out.
 *
 * Framing (reference §1.3): each document runs from `<?xml` to `</plist>`; the NUL separator is
 * written *before* the next document, so a document is emitted as soon as its `</plist>` arrives,
 * never when the next NUL comes (that would lag one interval). Framing works on bytes (chunks can
 * split anywhere, even inside a multi-byte UTF-8 character); each complete document is decoded
 * once (`decodeDocument`: in pieces when it is larger than V8's largest ordinary string) and mapped
 * by ./document.ts. The search for `</plist>` is the addon's where it loads (PowermetricsOptions.search,
 * native/byte_search.h), else Buffer#indexOf's; in that second case the usual shape is decoded just
 * before the search, which then reads cache-warm bytes (`fastEnd`).
 */
import type { StreamParser } from '../../parsers/parser.ts';
import { safely } from '../../parsers/parser.ts';
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import { AppTracker } from './apps.ts';
import { parsePowermetricsDocument, type ByteSearch, type PowermetricsOptions } from './document.ts';
import type { PowermetricsSample } from './sample.ts';

type Result = PowermetricsSample | ParseError;

// ---------------------------------------------------------------------------------------------
// Stream framing

// Searches use needles that start with a byte rare in powermetrics output ('?', 'p') rather than
// '<' (one byte in ten): the search finds candidates with memchr on the first byte, so this is ~20×
// faster on a 65 KB document. Each hit is then checked for the full '<?xml' / '</plist>'.
const XML_START_TAIL = Buffer.from('?xml');
const PLIST_END = Buffer.from('</plist>');
const PLIST_END_TAIL = Buffer.from('plist>');

/** Index of the next '<?xml' at or after `from`, or -1. */
function findStart(b: Buffer, from: number): number {
  let p = from + 1;
  for (;;) {
    const h = b.indexOf(XML_START_TAIL, p);
    if (h < 0) return -1;
    if (h > 0 && h - 1 >= from && b[h - 1] === 0x3c) return h - 1;
    p = h + 1;
  }
}

/**
 * Index of the next '</plist>' at or after `from`, or -1. With `search` (the addon's, see
 * PowermetricsOptions.search) one call finds it; this loop stops at every 'p' (one byte in 66).
 */
function findEnd(b: Buffer, from: number, search: ByteSearch | undefined): number {
  if (search !== undefined) return search(b, PLIST_END, from);
  let p = from + 2;
  for (;;) {
    const h = b.indexOf(PLIST_END_TAIL, p);
    if (h < 0) return -1;
    if (h >= from + 2 && b[h - 1] === 0x2f && b[h - 2] === 0x3c) return h - 2;
    p = h + 1;
  }
}
function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** True when b[at - 8, at) is '</plist>'. */
function endsWithPlistEnd(b: Buffer, at: number): boolean {
  for (let i = 0; i < 8; i++) if (b[at - 8 + i] !== PLIST_END[i]) return false;
  return true;
}

/**
 * Longest text decoded as one string. V8 allocates a string of up to about 128 KiB in its young
 * generation; a longer one is a large object on pages of its own, which costs page faults: on this
 * VM, decoding 129 KiB took 111 µs where 127 KiB took 9 µs (0.84 against 0.07 ns per byte).
 */
export const PIECE_MAX = 127 * 1024;
/** Where a document is cut into pieces: before an app's dict (a coalition's `id` or a task's `pid` comes first). */
const CUT = Buffer.from('\n<dict>\n<key>');
const CUT_ID = Buffer.from('id</key>');
const CUT_PID = Buffer.from('pid</key>');

/**
 * The text of bytes [start, end) of `b`: one string, or past PIECE_MAX consecutive pieces, each cut
 * just before the `<dict>` of a coalition or a task (elements of the `coalitions` and `tasks` arrays,
 * most of a large document). Every piece but the last is at most PIECE_MAX; the last holds whatever
 * is left once no cut point is found (a document without app dicts stays one string). parsePlist goes
 * on from one piece to the next between elements; a cut anywhere else only costs it a second parse of
 * the joined text, with the same result. The bytes are decoded as UTF-8 in one call: V8's decoder
 * checks for ASCII (the usual case) as it copies, which measured faster than a separate
 * `isAscii` check before a Latin-1 copy (docs/benchmarks.md, round 4). A cut falls before '<', an
 * ASCII byte, so UTF-8 pieces join to the text of the whole.
 */
export function decodeDocument(b: Buffer, start: number, end: number): string | string[] {
  if (end - start <= PIECE_MAX) return b.toString('utf8', start, end);
  const pieces: string[] = [];
  let from = start;
  while (end - from > PIECE_MAX) {
    const c = chooseCut(b, from, from + PIECE_MAX);
    if (c < 0) break;
    pieces.push(b.toString('utf8', from, c));
    from = c;
  }
  if (pieces.length === 0) return b.toString('utf8', start, end);
  pieces.push(b.toString('utf8', from, end));
  return pieces;
}

/**
 * A cut point in (from, limit]: just after the '\n' of a CUT followed by CUT_ID or CUT_PID, or -1.
 * It looks forward from the middle of the range first, then back from it, so the search stays among
 * the app dicts (a backward search from the limit would first walk the processor section's many
 * `<dict>`s). At most MAX_TRIES candidates each way: a document with no app dicts is decoded whole.
 */
function chooseCut(b: Buffer, from: number, limit: number): number {
  const mid = from + ((limit - from) >> 1);
  let tries = 0;
  for (let h = b.indexOf(CUT, mid); h >= 0 && h < limit && tries < MAX_TRIES; h = b.indexOf(CUT, h + 1), tries++) if (isAppDict(b, h)) return h + 1;
  tries = 0;
  for (let h = b.lastIndexOf(CUT, mid - 1); h >= from && tries < MAX_TRIES; h = h === 0 ? -1 : b.lastIndexOf(CUT, h - 1), tries++) if (isAppDict(b, h)) return h + 1;
  return -1;
}
const MAX_TRIES = 64;

function isAppDict(b: Buffer, h: number): boolean {
  const k = h + CUT.length;
  return startsWithAt(b, k, CUT_ID) || startsWithAt(b, k, CUT_PID);
}

function startsWithAt(b: Buffer, at: number, s: Buffer): boolean {
  if (at + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s[i]) return false;
  return true;
}

/**
 * A document decoded ahead of framing (see `fastEnd` in createPowermetricsParser): the text of
 * bytes [start, end) of the current work buffer.
 */
interface Decoded {
  start: number;
  end: number;
  text: string | string[];
  /** findStart(work, start + 5): where the next document starts, or -1. */
  next: number;
}

const DEFAULT_MAX_DOC = 8 * 1024 * 1024;
/** Smallest holding buffer once one is needed (a powermetrics document is 10–70 KB). */
const MIN_HOLD = 64 * 1024;
/** Holding buffer for a tail of a few bytes (from Buffer's shared pool, no allocation of its own). */
const SMALL_HOLD = 256;
const EMPTY = Buffer.alloc(0);

function isBlank(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c !== 0 && c !== 32 && c !== 10 && c !== 13 && c !== 9) return false;
  }
  return true;
}

/**
 * The powermetrics stream parser. Held bytes are bounded by `maxDocumentBytes` (default 8 MiB):
 * past it the held document is reported `malformed` and dropped up to the next `<?xml`.
 */
export function createPowermetricsParser(options: PowermetricsOptions = {}): StreamParser<PowermetricsSample> {
  const { search, ...rest } = options;
  const maxDoc = options.maxDocumentBytes ?? DEFAULT_MAX_DOC;
  // One top-N app tracker for the life of the stream (./apps.ts).
  const docOptions: PowermetricsOptions = { ...rest, apps: options.apps ?? new AppTracker(options.topApps === undefined ? {} : { top: options.topApps }) };
  // Allocated on the first bytes that must be held across pushes, not at creation: a replay loop
  // or a restarted child creates a parser per pass, and whole documents in one chunk hold nothing.
  let buf: Buffer = EMPTY;
  let len = 0; // bytes held in buf
  let base = 0; // stream offset of buf[0]
  let scanned = 0; // buf[0, scanned) has no '</plist>' starting in it (modulo the 7-byte overlap)
  let discarding = false; // after an overflow: drop bytes silently until the next '<?xml'
  let produced = 0; // results emitted over the stream's life (for `empty`)
  let sawContent = false;

  const at = (offset: number) => ({ offset });

  // The last answer of findStart within the current push (`work` does not change until the push keeps
  // its tail). A document start found from `memoFrom` is also the first one from any later point up to
  // it, and "none" stays none: without this, every `</plist>` of a run without `<?xml` (junk, or a hostile
  // capture given to `parse` in one piece) searched to the end of the bytes again, quadratic in the run.
  let memoWork: Buffer | undefined;
  let memoFrom = 0;
  let memoAt = -1;
  function nextStart(work: Buffer, from: number): number {
    if (work === memoWork && from >= memoFrom && (memoAt < 0 || memoAt >= from)) return memoAt;
    memoWork = work;
    memoFrom = from;
    memoAt = findStart(work, from);
    return memoAt;
  }

  /** Handle bytes [a, b) of `work` that end with '</plist>'. */
  function region(work: Buffer, a: number, b: number, out: Result[], pre?: Decoded): void {
    const first = pre === undefined ? nextStart(work, a) : pre.start;
    if (first < 0 || first >= b) {
      if (!discarding && !isBlank(work, a, b)) out.push(parseError('powermetrics', 'malformed', `${b - a} bytes ending in </plist> without <?xml`, at(base + a)));
      return; // still discarding: this was the tail of the oversized document
    }
    if (!discarding && !isBlank(work, a, first))
      out.push(parseError('powermetrics', 'malformed', `${first - a} bytes of non-plist text before <?xml (warning or junk)`, at(base + a)));
    discarding = false;
    let start = first;
    for (;;) {
      const next = pre !== undefined && start === pre.start ? pre.next : nextStart(work, start + 5);
      if (next < 0 || next >= b) break;
      out.push(parseError('powermetrics', 'truncated', 'document cut off by the start of another document', at(base + start)));
      start = next;
    }
    const text = pre !== undefined && pre.start === start && pre.end === b ? pre.text : decodeDocument(work, start, b);
    for (const r of parsePowermetricsDocument(text, { ...docOptions, offset: base + start })) out.push(r);
  }

  function keep(work: Buffer, from: number): void {
    const n = work.length - from;
    if (work === buf) {
      if (from > 0) buf.copyWithin(0, from, len);
    } else {
      // A few bytes (the newline after '</plist>') take a small pooled buffer, not MIN_HOLD.
      if (n > buf.length) buf = Buffer.allocUnsafe(n <= SMALL_HOLD ? SMALL_HOLD : Math.max(n, MIN_HOLD, buf.length * 2));
      work.copy(buf, 0, from);
    }
    len = n;
    if (buf.length > 1024 * 1024 && len < buf.length / 4) {
      const smaller = Buffer.allocUnsafe(Math.max(MIN_HOLD, len * 2));
      buf.copy(smaller, 0, 0, len);
      buf = smaller;
    }
  }

  /**
   * The usual shape, decoded before the search for its end: from `pos`, a document starting within
   * 7 bytes of `from`, where the byte scan resumes (with more text before it the plain path runs, so
   * nothing is decoded twice), whose bytes up to the next '<?xml' (or the end of the bytes), less
   * trailing whitespace and NULs, end with '</plist>'. Returns that candidate decoded, or undefined.
   * Decoding first brings the bytes into the CPU cache, so the search for the first '</plist>' that
   * follows (findEnd, unchanged: it alone decides where the document ends) reads warm memory instead
   * of cold; region() uses the text when findEnd lands on the candidate's end. Only without the
   * addon's search, which needs no warming.
   */
  function fastEnd(work: Buffer, pos: number, from: number): Decoded | undefined {
    const start = nextStart(work, pos);
    if (start < 0 || start - from >= PLIST_END.length) return undefined;
    const next = nextStart(work, start + 5); // region() needs it too
    let end = next < 0 ? work.length : next;
    while (end > start && (isWs(work[end - 1]!) || work[end - 1] === 0)) end--;
    if (end - start < 2 * PLIST_END.length || !endsWithPlistEnd(work, end)) return undefined;
    return { start, end, text: decodeDocument(work, start, end), next };
  }

  function push(chunk: Uint8Array | string): Result[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.length === 0) return [];
    let work: Buffer;
    if (len === 0) {
      work = bytes;
      scanned = 0;
    } else {
      if (len + bytes.length > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(len + bytes.length, MIN_HOLD, buf.length * 2));
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      bytes.copy(buf, len);
      len += bytes.length;
      work = buf.subarray(0, len);
    }
    const out: Result[] = [];
    let pos = 0;
    for (;;) {
      const from = Math.max(pos, scanned - (PLIST_END.length - 1));
      // With the addon's search (a vector scan, fast on cold bytes) the document is found first and then
      // decoded; without it, decoding first warms the bytes for Buffer#indexOf's slower search (fastEnd).
      const pre = search === undefined ? fastEnd(work, pos, from) : undefined;
      const e = findEnd(work, from, search);
      if (e < 0) break;
      const end = e + PLIST_END.length;
      sawContent = true;
      region(work, pos, end, out, pre);
      pos = end;
      scanned = end;
    }
    // Hold the rest; scanned is relative to the held bytes from here on.
    scanned = Math.max(0, work.length - pos);
    const held = work.length - pos;
    if (held > maxDoc) {
      const startIdx = nextStart(work, pos);
      if (!discarding)
        out.push(parseError('powermetrics', 'malformed', `no </plist> within ${maxDoc} bytes; dropped and resynchronising at the next <?xml`, at(base + pos)));
      // Resynchronise at a document start after the one that overflowed (or at the first one when
      // the held bytes were already being discarded).
      const resync = startIdx < 0 ? -1 : discarding ? startIdx : nextStart(work, startIdx + 5);
      if (resync >= 0) {
        discarding = false;
        base += resync;
        pos = resync;
        scanned = 0;
      } else {
        discarding = true;
        const tail = Math.max(pos, work.length - 4); // keep what could be the start of a split "<?xml" (at most what is held)
        base += tail;
        pos = tail;
        scanned = 0;
      }
    } else {
      base += pos;
    }
    keep(work, pos);
    produced += out.length;
    return out;
  }

  function end(): Result[] {
    const out: Result[] = [];
    if (len > 0) {
      const work = buf.subarray(0, len);
      if (!isBlank(work, 0, len)) sawContent = true;
      const first = findStart(work, 0);
      if (first < 0) {
        if (!discarding && !isBlank(work, 0, len))
          out.push(parseError('powermetrics', 'malformed', `${len} bytes of non-plist text at end of stream`, at(base)));
      } else {
        if (!discarding && !isBlank(work, 0, first))
          out.push(parseError('powermetrics', 'malformed', `${first} bytes of non-plist text before <?xml`, at(base)));
        out.push(parseError('powermetrics', 'truncated', `stream ended inside a document (${len - first} bytes, no </plist>)`, at(base + first)));
      }
    }
    if (produced + out.length === 0 && !sawContent) out.push(parseError('powermetrics', 'empty', 'no powermetrics output'));
    // Reset for reuse.
    len = 0;
    base = 0;
    scanned = 0;
    discarding = false;
    produced = 0;
    sawContent = false;
    return out;
  }

  return {
    source: 'powermetrics',
    push: (chunk) => safely('powermetrics', () => push(chunk)),
    end: () => safely('powermetrics', end),
  };
}
