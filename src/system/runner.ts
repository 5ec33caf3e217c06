/**
 * The one way install/uninstall/status/doctor/dump run system commands: argument arrays through
 * execa, never a shell, never throwing on a non-zero exit. Tests swap the executables, not this
 * code: with SILICON_AGENT_BIN_FROM_PATH=1 (the convention of src/sources/binaries.ts) each tool is
 * its bare name resolved through PATH, where the tests put recording fakes (test/fakes/system/).
 * Otherwise each tool is the absolute path macOS ships, so PATH cannot substitute a binary while
 * `install` runs as root.
 */
import { execa } from 'execa';
import { BIN_FROM_PATH_ENV } from '../sources/binaries.ts';

export const SYSTEM_TOOLS = {
  launchctl: '/bin/launchctl',
  dscl: '/usr/bin/dscl',
  id: '/usr/bin/id',
  visudo: '/usr/sbin/visudo',
  sudo: '/usr/bin/sudo',
  chown: '/usr/sbin/chown',
  sw_vers: '/usr/bin/sw_vers',
  sysctl: '/usr/sbin/sysctl',
  iostat: '/usr/sbin/iostat',
  vm_stat: '/usr/bin/vm_stat',
  powermetrics: '/usr/bin/powermetrics',
} as const;
export type SystemTool = keyof typeof SYSTEM_TOOLS;

export function tool(name: SystemTool, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[BIN_FROM_PATH_ENV];
  return v === '1' || v === 'true' ? name : SYSTEM_TOOLS[name];
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The executable could not be started (not found, not executable). */
  notFound: boolean;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
}

export interface Runner {
  run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
}

export function execaRunner(env: NodeJS.ProcessEnv = process.env): Runner {
  return {
    async run(file, args, opts = {}) {
      const r = await execa(file, [...args], {
        reject: false,
        env,
        extendEnv: false,
        stripFinalNewline: false,
        timeout: opts.timeoutMs ?? 30_000,
        ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
      });
      const notFound = r.exitCode === undefined && !r.timedOut && /ENOENT|EACCES/.test(String(r.code ?? r.message));
      return {
        exitCode: r.exitCode ?? (r.timedOut ? 124 : 127),
        stdout: String(r.stdout ?? ''),
        stderr: String(r.stderr ?? ''),
        notFound,
        timedOut: Boolean(r.timedOut),
      };
    },
  };
}

/** `file args…` as a copy-pasteable line (for --dry-run and error messages). */
export function showCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** One line that says what failed, for error messages. */
export function describeFailure(file: string, args: readonly string[], r: RunResult): string {
  const why = r.notFound ? 'not found' : r.timedOut ? 'timed out' : `exit ${r.exitCode}`;
  const msg = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(0, 3).join(' / ');
  return `\`${showCommand(file, args)}\` failed (${why})${msg ? `: ${msg}` : ''}`;
}
