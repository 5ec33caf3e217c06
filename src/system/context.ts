/** What every admin command (install, uninstall, status, doctor, dump) gets from the outside world. */
import { detectHost, type Host } from './host.ts';
import { execaRunner, type Runner } from './runner.ts';
import { scrub } from '../secrets.ts';

export interface CommandContext {
  env: NodeJS.ProcessEnv;
  host: Host;
  runner: Runner;
  out: (line: string) => void;
  err: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
}

export function defaultContext(env: NodeJS.ProcessEnv = process.env): CommandContext {
  return {
    env,
    host: detectHost(env),
    runner: execaRunner(env),
    // every line an admin command prints passes the secrets filter (src/secrets.ts)
    out: (l) => void process.stdout.write(scrub(l) + '\n'),
    err: (l) => void process.stderr.write(scrub(l) + '\n'),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => new Date(),
  };
}

/** What an admin command's argument parser returns: options, or a usage error (`help`: the usage was asked for). */
export type ParsedArgs<O> = { ok: true; opts: O } | { ok: false; error: string; help?: true };

/**
 * The `main` of an admin command: parse, then `--help` → usage on stdout and exit 0, a bad
 * argument → the error on stderr and exit 64 (EX_USAGE), else run with `ctx` (the default
 * context unless a test passes its own).
 */
export async function runCommand<O>(
  argv: string[],
  parse: (argv: string[]) => ParsedArgs<O>,
  run: (opts: O, ctx: CommandContext) => Promise<number>,
  ctx: CommandContext = defaultContext(),
): Promise<number> {
  const p = parse(argv);
  if (p.ok) return run(p.opts, ctx);
  if (p.help) {
    ctx.out(p.error);
    return 0;
  }
  ctx.err(p.error);
  return 64;
}
