/**
 * What a failed OTLP export is called: its class (`error.type`, EXPORT_ERROR_TYPES in src/health.ts)
 * and a message fit for a log line, the status file and `silicon-agent status`.
 *
 * Messages are built from trusted fields only: an HTTP status code with Node's standard reason phrase
 * (never the collector's own phrase or body, which can echo our request headers back), a system
 * error's syscall, code and address. Any other text (an error the exporter made up) passes `redactText`:
 * URL credentials stripped, every header value and the URL's user and password replaced.
 *
 * The official exporter (@opentelemetry/otlp-exporter-base 0.301.0) ends an export with:
 * - `OTLPExporterError(statusMessage, statusCode, body)` for a non-retryable status (4xx but 429, 3xx, 5xx but 502-504);
 * - `Error("Request timed out")` when its own per-request timeout fired (its req.setTimeout);
 * - the request's system error (ECONNREFUSED, ECONNRESET, …, or a TLS error);
 * - `OTLPExporterError("Export failed with retryable status")` without a code after 429/502/503/504:
 *   the status is then the last one our agent saw (src/export/otlp-http.ts).
 */
import { STATUS_CODES } from 'node:http';
import type { ExportErrorType } from '../health.ts';
import { scrub } from '../secrets.ts';

export interface ExportFailure {
  type: ExportErrorType;
  message: string;
}

/** System error codes of a collector that is not there: refused, reset, unreachable, not resolved. */
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EADDRNOTAVAIL',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
const TIMEOUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);
/** OpenSSL's certificate verification codes as Node reports them (plus ERR_TLS_* and ERR_SSL_*). */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|HOSTNAME_MISMATCH|EPROTO$)/;

/** The exporter's own per-request timeout message (http-transport-utils in otlp-exporter-base). */
const EXPORTER_TIMEOUT_MESSAGE = 'Request timed out';

/** What to keep out of free text: the URL's user and password, the header values. */
export interface SecretsOf {
  url?: string;
  headers?: Readonly<Record<string, string>>;
}

/** Values shorter than this are not replaced in free text (they would match everywhere). */
const MIN_SECRET = 4;

/**
 * Free text with URL credentials stripped (`scheme://user:pw@` → `scheme://`), every secret the
 * configuration registered replaced (src/secrets.ts `scrub`), and so is every secret of this exporter's
 * own (header values, the URL's user and password, plain and percent-encoded), registered or not.
 */
export function redactText(text: string, secrets: SecretsOf = {}): string {
  let out = scrub(text).replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1');
  const values: string[] = Object.values(secrets.headers ?? {});
  if (secrets.url !== undefined) {
    try {
      const u = new URL(secrets.url);
      values.push(u.username, u.password, decodeURIComponent(u.username), decodeURIComponent(u.password));
    } catch {
      // not a URL: nothing of it to remove
    }
  }
  const forms = new Set<string>();
  for (const v of values) {
    if (v.length < MIN_SECRET) continue;
    forms.add(v);
    forms.add(encodeURIComponent(v));
  }
  for (const v of [...forms].sort((a, b) => b.length - a.length)) out = out.split(v).join('[redacted]');
  return out.slice(0, 300);
}

/** "HTTP 503 Service Unavailable": the code and Node's standard phrase, never the collector's. */
export function statusText(code: number): string {
  const phrase = STATUS_CODES[code];
  return phrase === undefined ? `HTTP ${code}` : `HTTP ${code} ${phrase}`;
}

/** The class of an HTTP status the collector answered with. */
export function statusType(code: number): ExportErrorType {
  if (code >= 400 && code <= 499) return 'http_4xx';
  if (code >= 500 && code <= 599) return 'http_5xx';
  return '_OTHER';
}

type Fields = { code?: unknown; syscall?: unknown; address?: unknown; port?: unknown; message?: unknown; name?: unknown };

/**
 * Classify what the exporter answered. `lastStatus` is the last HTTP status our agent saw during this
 * export (undefined if none), used when the exporter's error carries none.
 */
export function classifyExportError(error: unknown, lastStatus: number | undefined, secrets: SecretsOf = {}): ExportFailure {
  const e = (error !== null && typeof error === 'object' ? error : {}) as Fields;
  const message = typeof e.message === 'string' ? e.message : error === undefined ? '' : String(error);
  const code = e.code;
  // An OTLPExporterError: `code` is the HTTP status.
  if (typeof code === 'number' && Number.isInteger(code) && code >= 100 && code <= 599) return { type: statusType(code), message: statusText(code) };
  if (typeof code === 'string') {
    const where = systemWhere(e);
    const text = `${typeof e.syscall === 'string' ? `${e.syscall} ` : ''}${code}${where}`;
    if (UNAVAILABLE.has(code)) return { type: 'unavailable', message: text };
    if (TIMEOUT.has(code)) return { type: 'timeout', message: text };
    if (TLS_CODE.test(code)) return { type: 'tls', message: `TLS ${text}` };
    return { type: '_OTHER', message: redactText(text, secrets) };
  }
  if (message === EXPORTER_TIMEOUT_MESSAGE) return { type: 'timeout', message: 'no answer within the export timeout' };
  if (lastStatus !== undefined) return { type: statusType(lastStatus), message: `${statusText(lastStatus)} (retries exhausted)` };
  return { type: '_OTHER', message: redactText(message === '' ? 'unknown error' : message, secrets) };
}

/** " 127.0.0.1:4318" from a system error's address and port, when they look like one. */
function systemWhere(e: Fields): string {
  if (typeof e.address !== 'string' || !/^[0-9a-fA-F.:]+$/.test(e.address)) return '';
  return typeof e.port === 'number' ? ` ${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}` : ` ${e.address}`;
}
