/**
 * `silicon-agent dump [--seconds N] [--out DIR] [--config FILE]`: capture every source's raw output
 * into a replay folder (docs/replay.md), so one command on a real node (the first M3 Ultra) yields a
 * fixture that `run --replay` and `sample --replay` read.
 *
 * The command lines are the sources' own (`powermetricsCommandLine`, `iostatArgs`, `SYSCTL_NAMES`,
 * the `smc dump` command), with the configured intervals and samplers — so as a non-root user the
 * powermetrics line is exactly one the installed sudoers rule allows (`sudo -n`, never a prompt).
 * Streams (powermetrics, iostat) run for N seconds and are then stopped with SIGTERM; one-shots
 * (vm_stat, sysctl, SMC) run once at the start. Files hold the tools' bytes unchanged.
 *
 * Exit status: 0 every source captured; 2 the folder was written but some source failed (the
 * manifest's `sources.<name>.note` says why, and that file is absent); 1 nothing could be captured.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { PATHS } from '../launchd/job.ts';
import { packageVersion } from '../package-root.ts';
import { parseSysctl } from '../parsers/sysctl.ts';
import type { SourceName, SysctlSample } from '../samples.ts';
import type { SmcAddonLoad } from '../smc/addon.ts';
import { binary } from '../sources/binaries.ts';
import { iostatArgs, iostatSeconds } from '../sources/iostat.ts';
import { powermetricsCommandLine } from '../sources/powermetrics.ts';
import { REPLAY_FILES, type ReplayManifest, type ReplaySourceInfo } from '../sources/replay.ts';
import { SYSCTL_NAMES } from '../sources/sysctl.ts';
import { runCommand, type CommandContext, type ParsedArgs } from '../system/context.ts';
import { onDisk } from '../system/host.ts';
import { showCommand } from '../system/runner.ts';
import { main as smcDumpMain } from './smc-dump.ts';

export const DUMP_USAGE = `usage: silicon-agent dump [--seconds N] [--out DIR] [--config FILE]
  --seconds N    how long to record the powermetrics and iostat streams (default 30)
  --out DIR      the folder to write (default ./silicon-agent-dump-<model>-<time>; must not exist or be empty)
  --config FILE  take intervals and samplers from this config (default ${PATHS.configFile} if present)`;

export interface DumpOptions {
  seconds: number;
  out?: string;
  config?: string;
}

export interface DumpDeps {
  /** The SMC addon loader given to `smc dump` (tests pass one that serves a real dump). */
  loadSmcAddon?: () => SmcAddonLoad;
}

interface Captured {
  bytes: Buffer;
  stderr: string;
  exitCode: number | undefined;
  startedAt: string;
  endedAt: string;
  stoppedByUs: boolean;
}

/** Run a command, stopping it with SIGTERM after `ms` (if given); keep stdout as bytes. */
async function capture(file: string, args: string[], env: NodeJS.ProcessEnv, now: () => Date, ms?: number): Promise<Captured> {
  const startedAt = now().toISOString();
  const child = execa(file, args, {
    reject: false,
    env,
    extendEnv: false,
    stdin: 'ignore',
    encoding: 'buffer',
    stripFinalNewline: false,
    forceKillAfterDelay: 5000,
    timeout: ms === undefined ? 60_000 : undefined,
  });
  let stoppedByUs = false;
  const timer = ms === undefined ? undefined : setTimeout(() => {
    stoppedByUs = true;
    child.kill('SIGTERM');
  }, ms);
  const r = await child;
  if (timer) clearTimeout(timer);
  return {
    bytes: Buffer.from(r.stdout ?? new Uint8Array()),
    stderr: Buffer.from(r.stderr ?? new Uint8Array()).toString('utf8'),
    exitCode: r.exitCode,
    startedAt,
    endedAt: now().toISOString(),
    stoppedByUs,
  };
}

function firstLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).find(Boolean)?.slice(0, 200) ?? '';
}

export function parseDumpArgs(argv: string[]): ParsedArgs<DumpOptions> {
  try {
    const { values: v } = parseArgs({
      args: argv,
      strict: true,
      options: {
        seconds: { type: 'string', default: '30' },
        out: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (v.help) return { ok: false, help: true, error: DUMP_USAGE };
    const seconds = Number(v.seconds);
    if (!(seconds > 0 && seconds <= 3600)) return { ok: false, error: `--seconds must be between 0 and 3600, got ${v.seconds}` };
    return { ok: true, opts: { seconds, ...(v.out !== undefined ? { out: v.out } : {}), ...(v.config !== undefined ? { config: v.config } : {}) } };
  } catch (err) {
    return { ok: false, error: `${(err as Error).message}\n${DUMP_USAGE}` };
  }
}

export async function dump(opts: DumpOptions, ctx: CommandContext, deps: DumpDeps = {}): Promise<number> {
  let config: Config;
  try {
    const installed = onDisk(ctx.host, PATHS.configFile);
    const file = opts.config ?? (existsSync(installed) ? installed : undefined);
    config = loadConfig({ ...(file !== undefined ? { file } : {}), env: ctx.env }).config;
  } catch (err) {
    if (err instanceof ConfigError) {
      ctx.err(`silicon-agent dump: ${err.message}`);
      return 78;
    }
    throw err;
  }
  const env = ctx.env;
  const now = ctx.now;
  const ms = Math.round(opts.seconds * 1000);
  const pm = config.sources.powermetrics;
  // Root runs powermetrics directly; anyone else goes through the installed rule (sudo -n: no prompt).
  const sudo = ctx.host.uid !== 0;
  const pmLine = powermetricsCommandLine({
    intervalMs: pm.intervalMs,
    samplers: pm.samplers,
    sudo,
    command: binary('powermetrics', undefined, env),
    sudoCommand: binary('sudo', undefined, env),
  });
  const ioLine = [binary('iostat', undefined, env), ...iostatArgs(config.sources.iostat.intervalMs)];
  const vmLine = [binary('vm_stat', undefined, env)];
  const scLine = [binary('sysctl', undefined, env), ...SYSCTL_NAMES];

  const createdAt = now().toISOString();
  ctx.err(`silicon-agent dump: recording for ${opts.seconds} s: ${showCommand(pmLine[0]!, pmLine.slice(1))} and ${showCommand(ioLine[0]!, ioLine.slice(1))}`);

  // One-shots first (quick), then both streams together.
  const sysctl = await capture(scLine[0]!, scLine.slice(1), env, now);
  const vm = await capture(vmLine[0]!, [], env, now);
  let smcText = '';
  let smcErr = '';
  const smcStarted = now().toISOString();
  const smcRc = await smcDumpMain(['dump'], {
    out: (s) => void (smcText += s),
    err: (s) => void (smcErr += s),
    ...(deps.loadSmcAddon ? { loadAddon: deps.loadSmcAddon } : {}),
  });
  const smcEnded = now().toISOString();
  const [power, io] = await Promise.all([
    capture(pmLine[0]!, pmLine.slice(1), env, now, ms),
    capture(ioLine[0]!, ioLine.slice(1), env, now, ms),
  ]);

  // Facts for the manifest, from the sysctl output (the parser the sysctl source uses).
  let facts: SysctlSample | undefined;
  for (const r of parseSysctl(sysctl.bytes.toString('utf8'))) if (r.type === 'sysctl') facts = r;
  const model = facts?.hwModel;
  const stamp = createdAt.replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  const dir = resolve(opts.out ?? `silicon-agent-dump-${(model ?? 'unknown').replace(/[^\w.-]+/g, '_')}-${stamp}`);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    ctx.err(`silicon-agent dump: ${dir} exists and is not empty; choose another --out`);
    return 1;
  }
  mkdirSync(dir, { recursive: true });

  const sources: Partial<Record<SourceName, ReplaySourceInfo>> = {};
  const failed: string[] = [];
  const put = (name: SourceName, line: string[], c: { bytes: Buffer; startedAt: string; endedAt: string }, ok: boolean, why: string, intervalMs?: number) => {
    const info: ReplaySourceInfo = { command: showCommand(line[0]!, line.slice(1)), startedAt: c.startedAt, endedAt: c.endedAt, ...(intervalMs ? { intervalMs } : {}) };
    if (ok) writeFileSync(join(dir, REPLAY_FILES[name]), c.bytes);
    else {
      info.note = `not captured: ${why}`;
      failed.push(`${name}: ${why}`);
    }
    sources[name] = info;
  };
  // A stream we stopped is a success if it produced output; a one-shot needs its output (sysctl may exit 1 for a missing name).
  const streamOk = (c: Captured) => c.bytes.length > 0 && (c.stoppedByUs || c.exitCode === 0);
  put('powermetrics', pmLine, power, streamOk(power) && power.bytes.includes('</plist>'), firstLine(power.stderr) || `no plist document (${power.stoppedByUs ? `still silent after ${opts.seconds} s` : `exit ${power.exitCode}`})`, pm.intervalMs);
  put('iostat', ioLine, io, streamOk(io), firstLine(io.stderr) || `no output (${io.stoppedByUs ? `still silent after ${opts.seconds} s` : `exit ${io.exitCode}`})`, iostatSeconds(config.sources.iostat.intervalMs) * 1000);
  put('vm_stat', vmLine, vm, vm.exitCode === 0 && vm.bytes.length > 0, firstLine(vm.stderr) || `exit ${vm.exitCode}`);
  put('sysctl', scLine, sysctl, sysctl.bytes.length > 0, firstLine(sysctl.stderr) || `exit ${sysctl.exitCode}`);
  put('smc', ['silicon-agent', 'smc', 'dump'], { bytes: Buffer.from(smcText, 'utf8'), startedAt: smcStarted, endedAt: smcEnded }, smcRc === 0 && smcText.length > 0, firstLine(smcErr.replace(/^smc dump: /, '')) || 'no keys');

  const manifest: ReplayManifest = {
    format: 'silicon-agent-replay/1',
    name: `dump-${model ?? 'unknown'}`,
    ...(facts?.cpuBrand ? { chip: facts.cpuBrand } : {}),
    ...(model ? { model } : {}),
    ...(facts?.osProductVersion || facts?.osBuild
      ? { macos: { ...(facts.osProductVersion ? { productVersion: facts.osProductVersion } : {}), ...(facts.osBuild ? { build: facts.osBuild } : {}) } }
      : {}),
    composite: false,
    createdAt,
    createdBy: `silicon-agent dump ${packageVersion()}`,
    note: `captured by \`silicon-agent dump --seconds ${opts.seconds}\` as ${sudo ? 'a non-root user (powermetrics through sudo -n)' : 'root'}`,
    sources,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

  const got = Object.keys(sources).length - failed.length;
  ctx.out(dir);
  for (const f of failed) ctx.err(`silicon-agent dump: ${f}`);
  ctx.err(`silicon-agent dump: wrote ${got} of 5 sources to ${dir}${model ? ` (${facts?.cpuBrand ?? 'chip unknown'}, ${model})` : ''}; replay it with: silicon-agent sample --replay ${dir}`);
  return got === 0 ? 1 : failed.length > 0 ? 2 : 0;
}

export async function main(argv: string[]): Promise<number> {
  return runCommand(argv, parseDumpArgs, dump);
}
