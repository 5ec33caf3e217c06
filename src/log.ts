/**
 * Structured logs: one JSON object per line (for launchd log files and log shippers), or a
 * readable line when stderr is a terminal. Logs go to stderr so stdout stays clean for
 * `--json` output.
 *
 * `once(kind, …)` logs a kind of event the first time only (bad input is "counted, logged once
 * per kind"); `clearOnce(kind)` re-arms it, e.g. when an outage ends. Fields whose name looks
 * like a secret are redacted, so header values never reach a log.
 */
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

export function redact(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET.test(k)) out[k] = '[redacted]';
    else if (v instanceof Error) out[k] = v.message;
    else if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = redact(v as Fields);
    else out[k] = v;
  }
  return out;
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
        write(JSON.stringify({ time: now().toISOString(), level, msg, ...all }));
      } else {
        const extra = Object.entries(all)
          .map(([k, v]) => `${k}=${human(v)}`)
          .join(' ');
        write(`${now().toISOString().slice(11, 19)} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? '  ' + extra : ''}`);
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
