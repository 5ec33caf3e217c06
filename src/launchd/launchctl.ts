/**
 * launchctl in the system domain (reference §5.3): bootout that waits until the job is really gone,
 * bootstrap with the one retry "Bootstrap failed: 5" needs, enable, kickstart, and a lenient reader
 * for `launchctl print` (its format is explicitly not an API and changes between releases).
 */
import { describeFailure } from '../sources/probe.ts';
import { tool, type Runner } from '../system/runner.ts';
import { LABEL } from './job.ts';

export const SERVICE = `system/${LABEL}`;

export interface LaunchctlDeps {
  runner: Runner;
  env?: NodeJS.ProcessEnv;
  sleep?: (ms: number) => Promise<void>;
  /** How long bootout may take to drain (default 15 s), and the poll period (default 250 ms). */
  drainTimeoutMs?: number;
  pollMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function lc(d: LaunchctlDeps, args: string[]) {
  const file = tool('launchctl', d.env);
  return { file, args, r: await d.runner.run(file, args, { timeoutMs: 30_000 }) };
}

export async function isLoaded(d: LaunchctlDeps): Promise<boolean> {
  const { r } = await lc(d, ['print', SERVICE]);
  return r.exitCode === 0;
}

/**
 * Stop and unload the job if loaded, then poll `launchctl print` until it fails: bootout returns
 * before the job has drained, and a bootstrap in that window fails with error 5.
 * Returns whether the job was loaded before. Throws with a clear message if it does not go away.
 */
export async function bootoutAndWait(d: LaunchctlDeps): Promise<boolean> {
  const sleep = d.sleep ?? defaultSleep;
  if (!(await isLoaded(d))) return false;
  const { file, args, r } = await lc(d, ['bootout', SERVICE]);
  // Exit 3 / 113 ("No such process", "Could not find service"): it went away on its own. Keep polling either way.
  const deadline = (d.drainTimeoutMs ?? 15_000) / (d.pollMs ?? 250);
  for (let i = 0; i <= deadline; i++) {
    if (!(await isLoaded(d))) return true;
    await sleep(d.pollMs ?? 250);
  }
  throw new Error(
    `the job ${SERVICE} is still loaded ${((d.drainTimeoutMs ?? 15_000) / 1000).toFixed(0)} s after bootout` +
      (r.exitCode !== 0 ? ` (${describeFailure(file, args, r)})` : '') +
      `; check \`sudo launchctl print ${SERVICE}\` and retry`,
  );
}

/** `launchctl bootstrap system <plist>`, retried once after a wait on error 5 (still draining). */
export async function bootstrap(d: LaunchctlDeps, plistPath: string): Promise<void> {
  const sleep = d.sleep ?? defaultSleep;
  let { file, args, r } = await lc(d, ['bootstrap', 'system', plistPath]);
  if (r.exitCode !== 0 && /\b5\b|Input\/output error/.test(r.stderr + r.stdout + ` ${r.exitCode}`)) {
    // Error 5 means "still loaded / draining" or "disabled": wait, make sure it is gone, enable, retry once.
    await sleep(d.pollMs !== undefined ? d.pollMs * 8 : 2000);
    if (await isLoaded(d)) await bootoutAndWait(d);
    await lc(d, ['enable', SERVICE]);
    ({ file, args, r } = await lc(d, ['bootstrap', 'system', plistPath]));
  }
  if (r.exitCode !== 0) throw new Error(describeFailure(file, args, r));
}

async function must(d: LaunchctlDeps, args: string[]): Promise<void> {
  const { file, r } = await lc(d, args);
  if (r.exitCode !== 0) throw new Error(describeFailure(file, args, r));
}

export const enable = (d: LaunchctlDeps) => must(d, ['enable', SERVICE]);
/** -k: restart it if RunAtLoad already started it, so the new files are what runs. */
export const kickstart = (d: LaunchctlDeps) => must(d, ['kickstart', '-k', SERVICE]);

export interface JobState {
  loaded: boolean;
  state?: string;
  pid?: number;
  runs?: number;
  lastExit?: string;
  path?: string;
  raw?: string;
}

/**
 * Read the top-level `key = value` lines of `launchctl print system/<label>`. Nested blocks
 * (`environment = { … }`) are skipped by tracking braces; unknown keys are ignored; anything
 * missing is just absent. Never throws.
 */
export function parseLaunchctlPrint(text: string): Omit<JobState, 'loaded' | 'raw'> {
  const top: Record<string, string> = {};
  let depth = 0;
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (s === '}') {
      depth = Math.max(0, depth - 1);
      continue;
    }
    const m = /^([^=]+?)\s*=\s*(.*)$/.exec(s);
    if (s.endsWith('{')) {
      depth++;
      continue;
    }
    if (depth === 1 && m && !(m[1]! in top)) top[m[1]!] = m[2]!;
  }
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const out: Omit<JobState, 'loaded' | 'raw'> = {};
  if (top.state) out.state = top.state;
  const pid = num(top.pid);
  if (pid !== undefined) out.pid = pid;
  const runs = num(top.runs);
  if (runs !== undefined) out.runs = runs;
  if (top['last exit code'] ?? top['last exit status']) out.lastExit = (top['last exit code'] ?? top['last exit status'])!;
  if (top.path) out.path = top.path;
  return out;
}

export async function jobState(d: LaunchctlDeps): Promise<JobState> {
  const { r } = await lc(d, ['print', SERVICE]);
  if (r.exitCode !== 0) return { loaded: false };
  return { loaded: true, ...parseLaunchctlPrint(r.stdout), raw: r.stdout };
}
