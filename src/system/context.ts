/** What every admin command (install, uninstall, status, doctor, dump) gets from the outside world. */
import { detectHost, type Host } from './host.ts';
import { execaRunner, type Runner } from './runner.ts';

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
    out: (l) => void process.stdout.write(l + '\n'),
    err: (l) => void process.stderr.write(l + '\n'),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => new Date(),
  };
}
