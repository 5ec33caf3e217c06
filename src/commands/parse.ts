/**
 * `silicon-agent parse <powermetrics|iostat|vm_stat|sysctl|smc> FILE [--json]`: run one capture
 * through the agent's parser for that tool and print every result in input order — samples and
 * typed parse errors in their place. This is how captures from real nodes are checked, so the
 * JSON output is a stable contract (docs/parse.md).
 *
 * FILE `-` reads stdin. Exit codes: 0 no error entries; 1 at least one error entry;
 * 64 bad arguments; 66 FILE unreadable.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createIostatParser } from '../parsers/iostat.ts';
import type { StreamParser } from '../parsers/parser.ts';
import { createPowermetricsParser } from '../parsers/powermetrics.ts';
import { parseSmcDump } from '../parsers/smc-dump.ts';
import { createSysctlParser } from '../parsers/sysctl.ts';
import { createVmStatParser } from '../parsers/vm_stat.ts';
import type { ParseResult, Sample, SourceName } from '../samples.ts';
import { SOURCE_NAMES } from '../samples.ts';
import { interpretSmc } from '../smc/interpret.ts';

const EX_USAGE = 64;
const EX_NOINPUT = 66;

export const USAGE = `usage: silicon-agent parse <${SOURCE_NAMES.join('|')}> FILE [--json] [options]
  FILE              a capture of that tool's output; - reads stdin
  --json            print a JSON array: every sample and every typed error, in input order
  --interval-s N    iostat: the capture's -w seconds, set as intervalS on interval rows
  --names a,b,...   sysctl: the names given to \`sysctl -n\`, in order (for output without names)
  --hw-model MODEL  smc: hw.model of the captured Mac (a Mac Studio's 0 RPM fan reads unavailable)
Exit status: 0 no errors, 1 at least one error entry, 64 usage, 66 unreadable FILE.
`;

export interface ParseIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readStdin: () => Buffer;
}

export interface ParseCommandOptions {
  intervalS?: number;
  names?: string[];
  hwModel?: string;
}

/** Every result of one capture through the agent's parser, in input order. Pure. */
export function parseCapture(source: SourceName, input: Buffer, opts: ParseCommandOptions = {}): ParseResult[] {
  if (source === 'smc') {
    const { keys, errors } = parseSmcDump(input);
    // The dump's line errors first (in line order), then the one sample the keys make.
    const out: ParseResult[] = [...errors];
    if (keys.length > 0)
      out.push(interpretSmc(keys, [], opts.hwModel !== undefined ? { hwModel: opts.hwModel } : {}));
    return out;
  }
  const parser: StreamParser<Sample> =
    source === 'powermetrics'
      ? createPowermetricsParser()
      : source === 'iostat'
        ? createIostatParser(opts.intervalS !== undefined ? { intervalS: opts.intervalS } : {})
        : source === 'vm_stat'
          ? createVmStatParser()
          : createSysctlParser(opts.names ? { names: opts.names } : {});
  return [...parser.push(input), ...parser.end()];
}

/** The stable JSON form: an array with one result per line. */
export function formatJson(results: readonly ParseResult[]): string {
  if (results.length === 0) return '[]\n';
  return '[\n' + results.map((r) => JSON.stringify(r)).join(',\n') + '\n]\n';
}

function summary(r: ParseResult): string {
  switch (r.type) {
    case 'error':
      return `error ${r.source} ${r.kind}${r.line !== undefined ? ` line ${r.line}` : ''}${r.offset !== undefined ? ` offset ${r.offset}` : ''}: ${r.message}`;
    case 'powermetrics':
      return `powermetrics ${r.timestamp ?? ''} ${r.elapsedS.toFixed(3)} s, cpu ${r.cpu?.powerW.toFixed(3) ?? '-'} W, gpu ${r.gpu?.powerW.toFixed(3) ?? '-'} W, ${r.clusters.length} clusters on ${r.dies} die(s)`;
    case 'iostat':
      return `iostat ${r.sinceBoot ? 'since boot' : `${r.intervalS ?? '?'} s`}: ${r.disks.map((d) => `${d.device} ${d.transfersPerS} tps ${(d.bytesPerS / 1048576).toFixed(2)} MiB/s`).join(', ')}`;
    case 'vm_stat':
      return `vm_stat page ${r.pageSizeBytes} B, ${Object.keys(r.counters).length} counters, used ${(r.derived.usedBytes / 2 ** 30).toFixed(2)} GiB`;
    case 'sysctl':
      return `sysctl ${Object.keys(r.values).length} values${r.swap ? `, swap ${(r.swap.usedBytes / 2 ** 30).toFixed(2)}/${(r.swap.totalBytes / 2 ** 30).toFixed(2)} GiB` : ''}`;
    case 'smc':
      return `smc ${r.temperatures.length} temperatures, ${r.fans.length} fans${r.systemPowerW !== undefined ? `, system ${r.systemPowerW.toFixed(2)} W` : ''}`;
  }
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
  const source = sourceArg as SourceName;
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
