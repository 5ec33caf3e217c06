/**
 * The `silicon-agent` command: a small dispatcher. Each subcommand is a module
 * `src/commands/<module>.ts` exporting `main(argv: string[]): Promise<number>` (the exit code),
 * loaded only when that subcommand runs, so `sample` never loads the exporters and a build
 * without an optional command still runs the others ("not available in this build", exit 1).
 *
 * Importing this file runs the command line (bin/silicon-agent.js imports it); tests spawn the
 * bin rather than import it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Command {
  name: string;
  /** File name under src/commands/, without extension. */
  module: string;
  summary: string;
}

const COMMANDS: readonly Command[] = [
  { name: 'run', module: 'run', summary: 'run the agent: sources to OTLP push and a Prometheus /metrics endpoint, until stopped' },
  { name: 'sample', module: 'sample', summary: 'print one snapshot of every source (a table, or JSON with --json)' },
  { name: 'parse', module: 'parse', summary: 'parse a captured tool output file into samples and typed errors (JSON with --json)' },
  { name: 'dump', module: 'dump', summary: "capture every source's raw output into a replay folder (docs/replay.md)" },
  { name: 'smc', module: 'smc-dump', summary: '`smc dump`: print every SMC key with its type and raw bytes' },
  { name: 'install', module: 'install', summary: 'install the launchd job (and the sudoers rule for powermetrics when asked)' },
  { name: 'uninstall', module: 'uninstall', summary: 'remove the launchd job and everything install wrote' },
  { name: 'status', module: 'status', summary: "show the installed agent's state" },
  { name: 'doctor', module: 'doctor', summary: 'check this machine: tools, privileges, SMC addon, configuration' },
];

const HERE = dirname(fileURLToPath(import.meta.url));
/** `.ts` when running the sources, `.js` in the compiled dist/. */
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: silicon-agent <command> [options]      (silicon-agent <command> --help for its options)',
    '',
    'Host metrics for Apple Silicon Macs: powermetrics, iostat, vm_stat, sysctl and the SMC.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'options:',
    '  --help, -h     this help',
    '  --version, -v  print the version',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(help());
    return 64; // EX_USAGE
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(help());
    return 0;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    // Loaded by path like the commands (this file imports nothing of its own statically).
    const root = (await import(new URL(`./package-root${EXT}`, import.meta.url).href)) as typeof import('./package-root.ts');
    process.stdout.write(`silicon-agent ${root.packageVersion()}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === first);
  if (!cmd) {
    process.stderr.write(`silicon-agent: unknown command ${JSON.stringify(first)}\n\n${help()}`);
    return 64;
  }
  // `run`: before anything imports node:http, keep Node's undici from loading with it (~6 MiB of
  // RSS the agent never uses: src/http-lazy-exports.ts).
  if (cmd.name === 'run' && existsSync(join(HERE, 'http-lazy-exports' + EXT)))
    ((await import(new URL(`./http-lazy-exports${EXT}`, import.meta.url).href)) as typeof import('./http-lazy-exports.ts')).keepUndiciLazy();
  // `run`: signal handlers before anything slow loads (src/signals.ts), so an early SIGHUP or
  // SIGTERM never gets Node's default action.
  // (Loaded by path like the commands, so a build without it still runs the others.)
  if (cmd.name === 'run' && existsSync(join(HERE, 'signals' + EXT)))
    ((await import(new URL(`./signals${EXT}`, import.meta.url).href)) as typeof import('./signals.ts')).processSignals();
  const file = join(HERE, 'commands', cmd.module + EXT);
  if (!existsSync(file)) {
    process.stderr.write(`silicon-agent: the \`${cmd.name}\` command is not available in this build\n`);
    return 1;
  }
  const mod = (await import(new URL(`./commands/${cmd.module}${EXT}`, import.meta.url).href)) as {
    main?: (argv: string[]) => Promise<number>;
  };
  if (typeof mod.main !== 'function') {
    process.stderr.write(`silicon-agent: the \`${cmd.name}\` command is not available in this build (no main)\n`);
    return 1;
  }
  return mod.main(rest);
}

// A reader that stops early (`… | head`) closes the pipe: stop quietly, as `cat` would, instead of
// dying on an unhandled EPIPE. A closed stderr loses log lines but never stops the agent.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});
process.stderr.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`silicon-agent: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 70; // EX_SOFTWARE
}
