/**
 * `silicon-agent parse <source> FILE [--json]`: run one capture through the agent's parser for that
 * source (its module's `parser`, src/registry.ts) and print every result in input order — samples
 * and typed parse errors in their place. This is how captures from real nodes are checked, so the
 * JSON output is a stable contract (docs/parse.md).
 *
 * FILE `-` reads stdin. Bounded whatever it is fed: input beyond `--max-mib` (64 MiB by default, far
 * above any real capture) is refused after reading at most that much (65); at most 100 errors are
 * printed, then a count of the rest; control characters from the capture are escaped in the text and
 * the JSON output; a binary plist or UTF-16 text is named as such instead of parsed.
 *
 * Exit codes: 0 no error entries; 1 at least one error entry; 64 bad arguments; 65 input too large;
 * 66 FILE unreadable.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { escapeControl, escapeJsonText } from '../escape.ts';
import { parseArgs } from 'node:util';
import type { ParseContext } from '../modules/module.ts';
import { moduleOf, SOURCE_NAMES } from '../registry.ts';
import type { ParseResult } from '../samples.ts';

const EX_USAGE = 64;
const EX_DATAERR = 65;
const EX_NOINPUT = 66;

/** Default input cap; the largest real capture in fixtures/ is 3.5 MB. */
export const DEFAULT_MAX_MIB = 64;
/** Errors printed before the rest are only counted. */
export const MAX_ERRORS_SHOWN = 100;

export const USAGE = `usage: silicon-agent parse <${SOURCE_NAMES.join('|')}> FILE [--json] [options]
  FILE              a capture of that tool's output; - reads stdin
  --json            print a JSON array: every sample and every typed error, in input order
  --interval-s N    iostat: the capture's -w seconds, set as intervalS on interval rows
  --names a,b,...   sysctl: the names given to \`sysctl -n\`, in order (for output without names)
  --hw-model MODEL  smc: hw.model of the captured Mac (a Mac Studio's 0 RPM fan reads unavailable)
  --max-mib N       refuse input larger than N MiB (default ${DEFAULT_MAX_MIB}, at most 1024)
Exit status: 0 no errors, 1 at least one error entry, 64 usage, 65 input too large, 66 unreadable FILE.
`;

export interface ParseIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Up to `max` bytes of stdin (more only tells that there was more). */
  readStdin: (max: number) => Buffer;
}

/** At most `max` bytes of `fd`, read in chunks (a pipe or /dev/urandom never fills memory). */
export function readAtMost(fd: number, max: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(1 << 20, max - total));
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if ((err as NodeJS.ErrnoException).code === 'EOF') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    total += n;
    if (total >= max) break;
  }
  return Buffer.concat(chunks, total);
}

/** What the input is, when it is not text a parser reads: a binary plist or UTF-16. */
export function foreignEncoding(input: Buffer): string | undefined {
  if (input.subarray(0, 6).toString('latin1') === 'bplist')
    return 'a binary plist (bplist): the parsers read the XML form that `powermetrics -f plist` writes; convert it with `plutil -convert xml1 FILE` or `plistutil -i FILE -f xml`';
  const bom = input.length >= 2 ? input.readUInt16BE(0) : 0;
  const head = input.subarray(0, 64);
  const oddNul = head.length >= 8 && head.every((b, i) => (i % 2 === 1) === (b === 0));
  const evenNul = head.length >= 8 && head.every((b, i) => (i % 2 === 0) === (b === 0));
  if (bom === 0xfffe || bom === 0xfeff || oddNul || evenNul)
    return 'UTF-16 text: the tools write UTF-8; convert it with `iconv -f UTF-16 -t UTF-8 FILE`';
  return undefined;
}

export type ParseCommandOptions = ParseContext;

/** Every result of one capture through the agent's parser for `source`, in input order. Pure. */
export function parseCapture(source: string, input: Buffer, opts: ParseCommandOptions = {}): ParseResult[] {
  const m = moduleOf(source);
  if (!m) throw new RangeError(`unknown source ${JSON.stringify(source)}`);
  const parser = m.parser(opts);
  return [...parser.push(input), ...parser.end()];
}

/** The stable JSON form: an array with one result per line. */
export function formatJson(results: readonly ParseResult[], omittedErrors = 0): string {
  const rows: unknown[] = omittedErrors > 0 ? [...results, { type: 'omitted', errors: omittedErrors }] : [...results];
  if (rows.length === 0) return '[]\n';
  return '[\n' + rows.map((r) => escapeJsonText(JSON.stringify(r))).join(',\n') + '\n]\n';
}

/** Every sample, and the first MAX_ERRORS_SHOWN errors, in input order; the number of errors left out. */
export function capErrors(results: readonly ParseResult[], max = MAX_ERRORS_SHOWN): { shown: ParseResult[]; omitted: number } {
  let errors = 0;
  const shown = results.filter((r) => r.type !== 'error' || ++errors <= max);
  return { shown, omitted: Math.max(0, errors - max) };
}

function summary(r: ParseResult): string {
  if (r.type === 'error') {
    const e = r as Extract<ParseResult, { type: 'error' }>;
    return `error ${e.source} ${e.kind}${e.line !== undefined ? ` line ${e.line}` : ''}${e.offset !== undefined ? ` offset ${e.offset}` : ''}: ${e.message}`;
  }
  return moduleOf(r.type)?.describe(r) ?? r.type;
}

export async function main(argv: string[], ioIn: Partial<ParseIo> = {}): Promise<number> {
  const io: ParseIo = {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    readStdin: (max) => readAtMost(0, max),
    ...ioIn,
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        'interval-s': { type: 'string' },
        names: { type: 'string' },
        'hw-model': { type: 'string' },
        'max-mib': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
    });
  } catch (err) {
    io.stderr(`silicon-agent parse: ${(err as Error).message}\n${USAGE}`);
    return EX_USAGE;
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [sourceArg, file, ...extra] = positionals;
  if (sourceArg === undefined || file === undefined || extra.length > 0) {
    io.stderr(USAGE);
    return EX_USAGE;
  }
  if (!(SOURCE_NAMES as readonly string[]).includes(sourceArg)) {
    io.stderr(`silicon-agent parse: unknown source ${JSON.stringify(sourceArg)}; one of ${SOURCE_NAMES.join(', ')}\n`);
    return EX_USAGE;
  }
  const source = sourceArg;
  const opts: ParseCommandOptions = {};
  if (v['interval-s'] !== undefined) {
    const n = Number(v['interval-s']);
    if (!(n > 0) || !Number.isFinite(n)) {
      io.stderr(`silicon-agent parse: --interval-s must be a positive number\n`);
      return EX_USAGE;
    }
    opts.intervalS = n;
  }
  if (v.names !== undefined) opts.names = v.names.split(',').filter(Boolean);
  if (v['hw-model'] !== undefined) opts.hwModel = v['hw-model'];

  let maxMib = DEFAULT_MAX_MIB;
  if (v['max-mib'] !== undefined) {
    maxMib = Number(v['max-mib']);
    if (!Number.isInteger(maxMib) || maxMib < 1 || maxMib > 1024) {
      io.stderr(`silicon-agent parse: --max-mib must be an integer from 1 to 1024\n`);
      return EX_USAGE;
    }
  }
  const max = maxMib * 1024 * 1024;
  const shownName = escapeControl(file);
  let input: Buffer;
  try {
    if (file === '-') input = io.readStdin(max + 1);
    else {
      const fd = openSync(file, 'r');
      try {
        input = fstatSync(fd).size > max ? Buffer.alloc(max + 1) : readAtMost(fd, max + 1);
      } finally {
        closeSync(fd);
      }
    }
  } catch (err) {
    io.stderr(`silicon-agent parse: cannot read ${shownName}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return EX_NOINPUT;
  }
  if (input.length > max) {
    io.stderr(`silicon-agent parse: ${file === '-' ? 'stdin' : shownName} holds more than ${maxMib} MiB, more than any capture: not parsed (--max-mib raises the limit)\n`);
    return EX_DATAERR;
  }
  const foreign = foreignEncoding(input);
  const results: ParseResult[] = foreign
    ? [{ type: 'error', source, kind: 'malformed', message: `the input is ${foreign}`, offset: 0 }]
    : parseCapture(source, input, opts);
  const errors = results.filter((r) => r.type === 'error').length;
  const { shown, omitted } = capErrors(results);
  if (v.json) io.stdout(formatJson(shown, omitted));
  else {
    io.stdout(shown.map((r, i) => escapeControl(`#${i + 1} ${summary(r)}`)).join('\n') + (shown.length ? '\n' : ''));
    if (omitted > 0) io.stdout(`(${omitted} more errors not shown)\n`);
    io.stdout(`${results.length - errors} samples, ${errors} errors\n`);
  }
  return errors > 0 ? 1 : 0;
}
