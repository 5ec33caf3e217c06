/**
 * The one way install/uninstall/status/doctor/dump run system commands: argument arrays through
 * execa, never a shell, never throwing on a non-zero exit. Tests swap the executables, not this
 * code: with SILICON_AGENT_BIN_FROM_PATH=1 (the convention of src/sources/binaries.ts) each tool is
 * its bare name resolved through PATH, where the tests put recording fakes (test/fakes/system/).
 * Otherwise each tool is the absolute path macOS ships, so PATH cannot substitute a binary while
 * `install` runs as root.
 */
import { execa } from 'execa';
import { binary, type ToolName } from '../sources/binaries.ts';
import type { CommandResult } from '../sources/probe.ts';

export type SystemTool = ToolName;

/** The executable for a system tool (the one table: src/sources/binaries.ts). */
export function tool(name: SystemTool, env: NodeJS.ProcessEnv = process.env): string {
  return binary(name, undefined, env);
}

/** What one run gave (./probe's CommandResult). */
export type RunResult = CommandResult;

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
