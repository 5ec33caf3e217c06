/**
 * Secrets never leave the process. The configuration's secrets — OTLP header values, a URL's
 * user:password, a URL's query string (`?api_key=…`) — are registered here when the configuration
 * loads (src/config.ts), and every line the agent writes about the outside world passes `scrub`:
 * every log line (src/log.ts), the export error kept in the health recorder and the status file, and
 * what `doctor` prints. URLs shown to a human go through `redactUrl`.
 *
 * A utility: imported by anyone, imports nothing of ours.
 */

export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are not scrubbed from free text: they would match ordinary words
 * (`?format=json`). Structured places (URLs, the configuration dump) redact them whatever their length.
 */
export const MIN_SECRET_LENGTH = 6;
const known = new Set<string>();
/** The registered secrets, longest first (a secret containing another is replaced whole). */
let ordered: string[] = [];

/** Register secret strings; each is also registered in its URL-encoded and decoded forms. */
export function addSecrets(values: Iterable<string>): void {
  let added = false;
  for (const v of values) {
    for (const form of forms(v)) {
      if (form.length < MIN_SECRET_LENGTH || known.has(form)) continue;
      known.add(form);
      added = true;
    }
  }
  if (added) ordered = [...known].sort((a, b) => b.length - a.length);
}

function forms(v: string): string[] {
  const out = [v];
  try {
    const d = decodeURIComponent(v);
    if (d !== v) out.push(d);
  } catch {
    // not percent-encoded
  }
  const e = encodeURIComponent(v);
  if (e !== v) out.push(e);
  // as it appears inside a JSON string (a log line quotes it)
  const j = JSON.stringify(v).slice(1, -1);
  if (j !== v) out.push(j);
  return out;
}

/** `text` with every registered secret replaced by [redacted]. */
export function scrub(text: string): string {
  if (ordered.length === 0 || text.length < MIN_SECRET_LENGTH) return text;
  let out = text;
  for (const s of ordered) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** Forget every registered secret (tests). */
export function clearSecrets(): void {
  known.clear();
  ordered = [];
}

/**
 * A URL fit to show: its user:password and its query string replaced by [redacted], its fragment
 * dropped. Something that does not parse as a URL is not shown at all.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '[unparseable url]';
  }
  const auth = u.username !== '' || u.password !== '' ? `${REDACTED}@` : '';
  const query = u.search !== '' ? `?${REDACTED}` : '';
  return `${u.protocol}//${auth}${u.host}${u.pathname}${query}`;
}

/**
 * The secret parts of a URL: its password, user:password, its query string and each query value.
 * The user name alone is not registered for free-text scrubbing (it is often a plain word such as
 * "user"); `redactUrl` hides it wherever a URL is shown.
 */
export function urlSecrets(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  const out: string[] = [];
  if (u.password) out.push(u.password);
  if (u.username && u.password) out.push(`${u.username}:${u.password}`);
  if (u.search.length > 1) {
    out.push(u.search.slice(1));
    for (const v of u.searchParams.values()) out.push(v);
  }
  return out;
}
