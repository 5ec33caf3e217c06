/**
 * The command-line handling `run` and `sample` share: the options that say where the data comes
 * from (`--replay DIR`, `--config FILE`, `--speed N`) and `--help`, plus each command's own
 * options; a usage error prints the message and the usage on stderr (EX_USAGE), `--help` prints
 * the usage on stdout (exit 0). Node built-ins only: `sample` must stay light.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export const EX_USAGE = 64;

type OptionSpec = { type: 'string'; short?: string; default?: string } | { type: 'boolean'; short?: string; default?: boolean };

const DATA_OPTIONS = {
  replay: { type: 'string' },
  config: { type: 'string' },
  speed: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** What parseArgs gives for the shared options plus `E` (strict, no positionals). */
export type DataArgs<E extends Record<string, OptionSpec>> = ReturnType<
  typeof parseArgs<{ args: string[]; options: typeof DATA_OPTIONS & E; allowPositionals: false; strict: true }>
>['values'];

export interface ArgsIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

/** The parsed values, or the exit code to return at once (usage error, or --help done). */
export function parseDataArgs<const E extends Record<string, OptionSpec>>(
  command: string,
  argv: string[],
  extra: E,
  usage: string,
  io: ArgsIo,
): { values: DataArgs<E> } | { exit: number } {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options: { ...DATA_OPTIONS, ...extra } as ParseArgsOptionsConfig, allowPositionals: false, strict: true }).values;
  } catch (err) {
    io.stderr(`silicon-agent ${command}: ${(err as Error).message}\n${usage}`);
    return { exit: EX_USAGE };
  }
  if (values.help) {
    io.stdout(usage);
    return { exit: 0 };
  }
  return { values: values as DataArgs<E> };
}

/** A positive, finite number option (`def` when absent), or undefined after telling stderr why. */
export function positiveOption(command: string, name: string, v: string | undefined, def: number, io: ArgsIo): number | undefined {
  if (v === undefined) return def;
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) {
    io.stderr(`silicon-agent ${command}: --${name} must be a positive number, got ${JSON.stringify(v)}\n`);
    return undefined;
  }
  return n;
}
