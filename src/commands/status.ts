/**
 * `silicon-agent status [--json]`: the launchd job's state (from `launchctl print`, read leniently:
 * its format is not an API), how it was installed, and the agent's own status file — the last
 * successful OTLP export, the last failure, the last Prometheus scrape, and each source's state.
 * Exit 0 when the job is loaded and running, 3 otherwise (LSB "program is not running").
 * Run it with sudo: the status file belongs to the agent's user.
 */
import { parseArgs } from 'node:util';
import { PATHS } from '../launchd/job.ts';
import { jobState, SERVICE, type JobState } from '../launchd/launchctl.ts';
import { readRecord, type InstallRecord } from '../launchd/record.ts';
import { defaultContext, runCommand, type CommandContext, type ParsedArgs } from '../system/context.ts';
import { onDisk } from '../system/host.ts';
import { readStatusFile, type StatusRead } from '../status-file.ts';

export interface StatusReport {
  job: Omit<JobState, 'raw'>;
  install?: InstallRecord;
  agent: StatusRead;
}

export async function collectStatus(ctx: CommandContext): Promise<StatusReport> {
  const { raw: _raw, ...job } = await jobState({ runner: ctx.runner, env: ctx.env });
  const install = readRecord(onDisk(ctx.host, PATHS.installRecord));
  const agent = readStatusFile(onDisk(ctx.host, PATHS.statusFile));
  return { job, ...(install ? { install } : {}), agent };
}

export function ago(iso: string | undefined, now: Date): string {
  if (!iso) return 'never';
  const s = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return iso;
  const span = s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : s < 172800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} d`;
  return `${iso} (${span} ago)`;
}

export function formatStatus(r: StatusReport, now: Date): string[] {
  const lines: string[] = [];
  const j = r.job;
  if (!j.loaded) lines.push(`job          ${SERVICE}: not loaded${r.install ? ' (installed; start it with `sudo launchctl bootstrap system ' + PATHS.plist + '`)' : ' (not installed: `sudo silicon-agent install`)'}`);
  else {
    const bits = [j.pid !== undefined ? `pid ${j.pid}` : undefined, j.runs !== undefined ? `runs ${j.runs}` : undefined, j.lastExit ? `last exit ${j.lastExit}` : undefined].filter(Boolean);
    lines.push(`job          ${SERVICE}: ${j.state ?? 'loaded (state unknown)'}${bits.length ? ` (${bits.join(', ')})` : ''}`);
  }
  if (r.install) lines.push(`installed    ${r.install.installedAt} as ${r.install.privilege === 'root' ? 'root' : `${r.install.user} (powermetrics through a sudoers rule)`}`);
  if (!r.agent.ok) {
    lines.push(`agent        ${r.agent.reason}`);
    return lines;
  }
  const a = r.agent.status;
  lines.push(`agent        pid ${a.pid}, started ${ago(a.startedAt, now)}, status written ${ago(a.updatedAt, now)}${a.replay ? ', REPLAYING captures' : ''}`);
  lines.push(`last export  ${ago(a.export.lastSuccessAt, now)}`);
  if (a.export.lastFailureAt && (!a.export.lastSuccessAt || a.export.lastFailureAt > a.export.lastSuccessAt))
    lines.push(
      `last failure ${ago(a.export.lastFailureAt, now)}${a.export.lastError ? `: ${a.export.lastError}` : ''}${a.export.lastErrorType ? ` (${a.export.lastErrorType})` : ''}`,
    );
  lines.push(`last scrape  ${ago(a.prometheus.lastScrapeAt, now)}`);
  lines.push('sources');
  const names = Object.keys(a.sources).sort();
  if (names.length === 0) lines.push('  (none reported yet)');
  const w = Math.max(0, ...names.map((n) => n.length));
  for (const n of names) {
    const s = a.sources[n]!;
    lines.push(`  ${n.padEnd(w)}  ${s.state.padEnd(11)}  last sample ${ago(s.lastSampleAt, now)}${s.reason ? `  — ${s.reason}` : ''}`);
  }
  return lines;
}

export const STATUS_USAGE = `usage: silicon-agent status [--json]
  --json   the same report as JSON (job, install record, the agent's status file)
Exit status: 0 the job is loaded and running, 3 not running or not installed, 64 usage.`;

export function parseStatusArgs(argv: string[]): ParsedArgs<{ json: boolean }> {
  try {
    const v = parseArgs({ args: argv, strict: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } }).values;
    return v.help ? { ok: false, help: true, error: STATUS_USAGE } : { ok: true, opts: { json: v.json } };
  } catch (err) {
    return { ok: false, error: `${(err as Error).message}\n${STATUS_USAGE}` };
  }
}

export async function status(argv: string[], ctx: CommandContext): Promise<number> {
  return runCommand(argv, parseStatusArgs, async ({ json }) => {
    const r = await collectStatus(ctx);
    if (json) ctx.out(JSON.stringify(r, null, 2));
    else for (const l of formatStatus(r, ctx.now())) ctx.out(l);
    return r.job.loaded && (r.job.state === undefined || r.job.state === 'running') ? 0 : 3;
  }, ctx);
}

export async function main(argv: string[]): Promise<number> {
  return status(argv, defaultContext());
}
