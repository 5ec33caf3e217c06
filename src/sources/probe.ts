/**
 * Command-line helpers shared by the sources, `doctor` and `dump`: how a command is shown to a human
 * (copy-pasteable), how a failure is described, and a bounded probe of a streaming command.
 */
import type { execa as Execa } from 'execa';

/** `file args…` as a copy-pasteable line (for --dry-run, doctor and error messages). */
export function showCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** What one finished command gave. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The executable could not be started (not found, not executable). */
  notFound: boolean;
  timedOut: boolean;
}

/** One line that says what failed, for error messages. */
export function describeFailure(file: string, args: readonly string[], r: CommandResult): string {
  const why = r.notFound ? 'not found' : r.timedOut ? 'timed out' : `exit ${r.exitCode}`;
  const msg = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(0, 3).join(' / ');
  return `\`${showCommand(file, args)}\` failed (${why})${msg ? `: ${msg}` : ''}`;
}

export interface FirstOutput {
  /** `done(out)` held before the timeout. */
  ok: boolean;
  out: string;
  err: string;
  exitCode: number | undefined;
  notFound: boolean;
}

/** The most a probe keeps of a command's output: it looks for the first document or row only. */
const MAX_PROBE_BYTES = 1024 * 1024;

/**
 * Start a streaming command and resolve once `done(out)` holds, or at `timeoutMs`; the command is
 * always stopped (SIGTERM, then SIGKILL after 3 s). Output past 1 MiB is not kept.
 */
export async function firstOutput(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  done: (out: string) => boolean,
): Promise<FirstOutput> {
  const { execa } = (await import('execa')) as { execa: typeof Execa };
  const child = execa(file, [...args], { reject: false, env, extendEnv: false, stdin: 'ignore', forceKillAfterDelay: 3000 });
  let out = '';
  let err = '';
  let ok = false;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.stdout?.on('data', (b: Buffer) => {
      if (out.length < MAX_PROBE_BYTES) out += b.toString('latin1');
      if (!ok && done(out)) {
        ok = true;
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (b: Buffer) => {
      if (err.length < MAX_PROBE_BYTES) err += b.toString();
    });
    void child.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  child.kill('SIGTERM');
  const r = await child;
  return { ok, out, err, exitCode: r.exitCode, notFound: r.exitCode === undefined && /ENOENT/.test(String(r.code ?? r.message)) };
}
