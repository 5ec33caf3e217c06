/**
 * Structured logs: one JSON object per line (for launchd log files and log shippers), or a
 * readable line when stderr is a terminal. Logs go to stderr so stdout stays clean for
 * `--json` output.
 *
 * `once(kind, …)` logs a kind of event the first time only (bad input is "counted, logged once
 * per kind"); `clearOnce(kind)` re-arms it, e.g. when an outage ends. Fields whose name looks
 * like a secret are redacted, and every line passes `scrub` (src/secrets.ts): a secret the
 * configuration declared (a header value, a URL's user:password or query) never reaches a log,
 * wherever it hides in the line (an error message, a URL).
 */
import { scrub } from './secrets.ts';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** Log only the first event of this kind (until clearOnce). Returns true when it logged. */
  once(kind: string, level: Level, msg: string, fields?: Fields): boolean;
  clearOnce(kind: string): void;
  /** A logger that adds these fields to every line. */
  child(fields: Fields): Logger;
}

export interface LoggerOptions {
  level?: Level;
  /** true: JSON lines; false: human lines; default: JSON unless the stream is a TTY. */
  json?: boolean;
  write?: (line: string) => void;
  isTTY?: boolean;
  now?: () => Date;
}

const SECRET = /authorization|header|token|password|secret|api[-_]?key|cookie/i;

/**
 * A copy of `fields` with every value under a secret-looking name replaced by '[redacted]', at any
 * depth: inside nested objects and inside arrays (`[{ authorization: … }]`). Errors become
 * their message, a Date stays a Date (JSON.stringify prints it), a cycle becomes '[circular]'.
 */
export function redact(fields: Fields): Fields {
  return redactObject(fields, new WeakSet());
}

function redactObject(fields: Fields, seen: WeakSet<object>): Fields {
  seen.add(fields);
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET.test(k) ? '[redacted]' : redactValue(v, seen);
  seen.delete(fields);
  return out;
}

function redactValue(v: unknown, seen: WeakSet<object>): unknown {
  if (v instanceof Error) return v.message;
  if (!v || typeof v !== 'object') return v;
  if (seen.has(v)) return '[circular]';
  if (Array.isArray(v)) {
    seen.add(v);
    const out = v.map((x) => redactValue(x, seen));
    seen.delete(v);
    return out;
  }
  return v instanceof Date ? v : redactObject(v as Fields, seen);
}

function human(v: unknown): string {
  return typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = ORDER[opts.level ?? ((process.env.SILICON_AGENT_LOG_LEVEL as Level | undefined) ?? 'info')] ?? 20;
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const tty = opts.isTTY ?? Boolean(process.stderr.isTTY);
  const json = opts.json ?? !tty;
  const now = opts.now ?? (() => new Date());
  const seen = new Set<string>();

  const make = (base: Fields): Logger => {
    const emit = (level: Level, msg: string, fields: Fields = {}) => {
      if (ORDER[level] < min) return;
      const all = redact({ ...base, ...fields });
      if (json) {
        write(scrub(JSON.stringify({ time: now().toISOString(), level, msg, ...all })));
      } else {
        const extra = Object.entries(all)
          .map(([k, v]) => `${k}=${human(v)}`)
          .join(' ');
        write(scrub(`${now().toISOString().slice(11, 19)} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? '  ' + extra : ''}`));
      }
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      once(kind, level, m, f) {
        if (seen.has(kind)) return false;
        seen.add(kind);
        emit(level, m, { ...f, kind });
        return true;
      },
      clearOnce: (kind) => void seen.delete(kind),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make({});
}

/** A logger that records lines in memory, for tests. */
export function memoryLogger(level: Level = 'debug'): Logger & { lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level, json: true, write: (l) => lines.push(JSON.parse(l)) });
  return Object.assign(logger, { lines });
}
