/**
 * The request target of an HTTP/1.1 request line (RFC 9112 §3.2), read by hand.
 *
 * `new URL(target, base)` is not used: it throws on targets a client may legitimately or hostilely
 * send (`//x:99999/metrics`, `//[`, `http://[/`, `//a@b:c/` each killed the agent, issue 12), and
 * it "fixes" others (dot segments, backslashes) so that what is matched is not what was sent. This
 * reader never throws: it returns the form and the path exactly as sent, or `invalid` with a reason.
 *
 * Accepted forms:
 * - origin-form `/path?query`: the path is one or more `/`-led segments of RFC 3986 path characters
 *   (unreserved, percent-encoded, sub-delims, `:` and `@`); the query also allows `/` and `?`;
 * - absolute-form `http://authority/path?query` (scheme http or https, any case), which a proxy
 *   sends; its path (`/` when empty) is matched like an origin-form path;
 * - asterisk-form `*` (OPTIONS *).
 * Authority-form (`host:port`) belongs to CONNECT, which the server answers before it gets here.
 * A fragment (`#`) never belongs in a request target. Pure: imports nothing.
 */

export type RequestTarget =
  | { form: 'origin' | 'absolute'; path: string; query: string | undefined }
  | { form: 'asterisk' }
  | { form: 'invalid'; reason: string };

/** Longest target read at all; the server's header limit (8 KiB) is lower anyway. */
export const MAX_TARGET_LENGTH = 8192;

// Character classes of RFC 3986, as 128-entry lookup tables (ASCII only; anything else is invalid).
function table(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}
const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGIT = '0123456789';
const UNRESERVED = ALPHA + DIGIT + '-._~';
const SUB_DELIMS = "!$&'()*+,;=";
/** pchar minus pct-encoded (handled separately). */
const PCHAR = table(UNRESERVED + SUB_DELIMS + ':@');
const QUERY = table(UNRESERVED + SUB_DELIMS + ':@/?');
const USERINFO = table(UNRESERVED + SUB_DELIMS + ':');
const REG_NAME = table(UNRESERVED + SUB_DELIMS);
const IP_LITERAL = table('0123456789abcdefABCDEF:.');
const HEX = table('0123456789abcdefABCDEF');

/**
 * Index just past a run of `allowed` characters (and `%HH` escapes) starting at `from`, stopping at
 * the first character in `stops`; -1 on a character that is neither (or a broken escape).
 */
function scan(s: string, from: number, allowed: Uint8Array, stops: string): number {
  let i = from;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */) {
      if (i + 2 >= s.length) return -1;
      const h1 = s.charCodeAt(i + 1);
      const h2 = s.charCodeAt(i + 2);
      if (!(h1 < 128 && HEX[h1]) || !(h2 < 128 && HEX[h2])) return -1;
      i += 3;
      continue;
    }
    if (stops.includes(s[i]!)) return i;
    if (c >= 128 || !allowed[c]) return -1;
    i++;
  }
  return i;
}

/** Path (must start with `/`) and optional query from `from` to the end. */
function pathAndQuery(s: string, from: number, form: 'origin' | 'absolute'): RequestTarget {
  if (s.charCodeAt(from) !== 0x2f /* / */) return { form: 'invalid', reason: 'path does not start with /' };
  let i = from;
  while (i < s.length && s[i] === '/') {
    const next = scan(s, i + 1, PCHAR, '/?');
    if (next < 0) return { form: 'invalid', reason: 'character not allowed in a path' };
    i = next;
  }
  const path = s.slice(from, i);
  if (i === s.length) return { form, path, query: undefined };
  // s[i] is '?'
  const end = scan(s, i + 1, QUERY, '');
  if (end < 0) return { form: 'invalid', reason: 'character not allowed in a query' };
  return { form, path, query: s.slice(i + 1) };
}

/** `[userinfo@]host[:port]`; true when well formed. */
function validAuthority(a: string): boolean {
  let rest = a;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    if (scan(rest.slice(0, at), 0, USERINFO, '') !== at) return false;
    rest = rest.slice(at + 1);
  }
  let host: string;
  let port: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return false;
    host = rest.slice(1, close);
    if (host.length === 0) return false;
    for (let i = 0; i < host.length; i++) {
      const c = host.charCodeAt(i);
      if (c >= 128 || !IP_LITERAL[c]) return false;
    }
    const after = rest.slice(close + 1);
    if (after.length > 0) {
      if (after[0] !== ':') return false;
      port = after.slice(1);
    }
  } else {
    const colon = rest.indexOf(':');
    host = colon < 0 ? rest : rest.slice(0, colon);
    port = colon < 0 ? undefined : rest.slice(colon + 1);
    if (host.length === 0) return false;
    if (scan(host, 0, REG_NAME, '') !== host.length) return false;
  }
  if (port !== undefined && port.length > 0) {
    if (port.length > 5) return false;
    for (let i = 0; i < port.length; i++) if (!DIGIT.includes(port[i]!)) return false;
    if (Number(port) > 65535) return false;
  }
  return true;
}

/** Read a request target. Never throws. */
export function parseRequestTarget(target: string): RequestTarget {
  if (target.length === 0) return { form: 'invalid', reason: 'empty target' };
  if (target.length > MAX_TARGET_LENGTH) return { form: 'invalid', reason: 'target too long' };
  if (target === '*') return { form: 'asterisk' };
  if (target[0] === '/') return pathAndQuery(target, 0, 'origin');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(target);
  if (m === null) return { form: 'invalid', reason: 'not an origin-form, absolute-form or * target' };
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return { form: 'invalid', reason: 'scheme is not http or https' };
  const start = m[0].length;
  let end = start;
  while (end < target.length && target[end] !== '/' && target[end] !== '?' && target[end] !== '#') end++;
  if (!validAuthority(target.slice(start, end))) return { form: 'invalid', reason: 'malformed authority' };
  if (end === target.length) return { form: 'absolute', path: '/', query: undefined };
  if (target[end] === '?') {
    const r = pathAndQuery(`/${target.slice(end)}`, 0, 'absolute');
    return r.form === 'absolute' ? { form: 'absolute', path: '/', query: r.query } : r;
  }
  return pathAndQuery(target, end, 'absolute');
}

/** True when `path` is made only of RFC 3986 path characters and starts with `/` (config check). */
export function isPathOnly(path: string): boolean {
  const r = parseRequestTarget(path);
  return r.form === 'origin' && r.query === undefined && r.path === path;
}
