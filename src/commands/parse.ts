/**
 * `silicon-agent parse <source> FILE [--json]`: run one capture through the agent's parser for that
 * source (its module's `parser`, src/registry.ts) and print every result in input order — samples
 * and typed parse errors in their place. This is how captures from real nodes are checked, so the
 * JSON output is a stable contract (docs/parse.md).
 *
 * FILE `-` reads stdin. Exit codes: 0 no error entries; 1 at least one error entry;
 * 64 bad arguments; 66 FILE unreadable.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ParseContext } from '../modules/module.ts';
import { moduleOf, SOURCE_NAMES } from '../registry.ts';
import type { ParseResult } from '../samples.ts';

const EX_USAGE = 64;
const EX_NOINPUT = 66;

export const USAGE = `usage: silicon-agent parse <${SOURCE_NAMES.join('|')}> FILE [--json] [options]
  FILE              a capture of that tool's output; - reads stdin
  --json            print a JSON array: every sample and every typed error, in input order
  --interval-s N    iostat: the capture's -w seconds, set as intervalS on interval rows
  --names a,b,...   sysctl: the names given to \`sysctl -n\`, in order (for output without names)
  --hw-model MODEL  smc: hw.model of the captured Mac (a Mac Studio's 0 RPM fan reads unavailable)
  --per-cpu         host: CPU time per logical CPU (as with sources.host.perCpu) instead of summed
Exit status: 0 no errors, 1 at least one error entry, 64 usage, 66 unreadable FILE.
`;

export interface ParseIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readStdin: () => Buffer;
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
export function formatJson(results: readonly ParseResult[]): string {
  if (results.length === 0) return '[]\n';
  return '[\n' + results.map((r) => JSON.stringify(r)).join(',\n') + '\n]\n';
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
    readStdin: () => readFileSync(0),
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
        'per-cpu': { type: 'boolean', default: false },
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
  if (v['per-cpu']) opts.perCpu = true;

  let input: Buffer;
  try {
    input = file === '-' ? io.readStdin() : readFileSync(file);
  } catch (err) {
    io.stderr(`silicon-agent parse: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return EX_NOINPUT;
  }
  const results = parseCapture(source, input, opts);
  const errors = results.filter((r) => r.type === 'error').length;
  if (v.json) io.stdout(formatJson(results));
  else {
    io.stdout(results.map((r, i) => `#${i + 1} ${summary(r)}`).join('\n') + (results.length ? '\n' : ''));
    io.stdout(`${results.length - errors} samples, ${errors} errors\n`);
  }
  return errors > 0 ? 1 : 0;
}
