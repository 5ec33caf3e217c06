/**
 * `silicon-agent dump [--seconds N] [--out DIR] [--config FILE]`: capture every source's raw output
 * into a replay folder (docs/replay.md), so one command on a real node (the first M3 Ultra) yields a
 * fixture that `run --replay` and `sample --replay` read.
 *
 * What to run is each module's `dump` (src/registry.ts): the sources' own command lines with the
 * configured intervals and samplers — so as a non-root user the powermetrics line is exactly one the
 * installed sudoers rule allows (`sudo -n`, never a prompt). Streams run for N seconds and are then
 * stopped with SIGTERM; one-shots and in-process captures (the SMC) run once at the start. Files hold
 * the tools' bytes unchanged.
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
import type { AnyModule, BaseSourceConfig, DumpContext } from '../modules/module.ts';
import { parseSysctl } from '../modules/sysctl/parser.ts';
import type { SysctlSample } from '../modules/sysctl/sample.ts';
import { packageVersion } from '../package-root.ts';
import { MODULES } from '../registry.ts';
import type { NativeLoader } from '../sources/native.ts';
import { loadNative } from '../sources/native.ts';
import { showCommand } from '../sources/probe.ts';
import type { ReplayManifest, ReplaySourceInfo } from '../sources/replay.ts';
import { runCommand, type CommandContext, type ParsedArgs } from '../system/context.ts';
import { onDisk } from '../system/host.ts';

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
  /** The native addon loader (tests pass one that serves a real SMC dump). */
  native?: NativeLoader;
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

/** An extra file of an in-process capture: a plain name, never a replay file of any source, nor the manifest. */
export function extraFileOk(name: string): boolean {
  return /^[\w][\w.-]*$/.test(name) && name !== 'manifest.json' && !MODULES.some((m) => m.replay.file === name);
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
  const root = ctx.host.uid === 0;
  const native = deps.native ?? loadNative;
  const enabled = (MODULES as readonly AnyModule[]).filter((m) => (config.sources as Record<string, BaseSourceConfig>)[m.name]?.enabled);
  const dctx = (m: AnyModule): DumpContext<BaseSourceConfig> => ({ config: (config.sources as Record<string, BaseSourceConfig>)[m.name]!, env, root, native });
  const streams = enabled.filter((m) => m.dump.kind === 'stream');

  const createdAt = now().toISOString();
  const lines = streams.map((m) => (m.dump.kind === 'stream' ? m.dump.argv(dctx(m)) : []));
  ctx.err(`silicon-agent dump: recording for ${opts.seconds} s: ${lines.map((l) => showCommand(l[0]!, l.slice(1))).join(' and ')}`);

  interface Got {
    info: ReplaySourceInfo;
    bytes?: Buffer;
    why?: string;
    /** An in-process capture's extra files, by plain name. */
    files?: Readonly<Record<string, Buffer>>;
  }
  const got = new Map<string, Got>();
  // One-shots and in-process captures first (quick), then every stream together.
  for (const m of enabled) {
    const d = m.dump;
    if (d.kind === 'oneshot') {
      const argv = d.argv(dctx(m));
      const c = await capture(argv[0]!, argv.slice(1), env, now);
      const ok = c.bytes.length > 0 && (c.exitCode === 0 || d.nonZeroOk === true);
      got.set(m.name, { info: { command: showCommand(argv[0]!, argv.slice(1)), startedAt: c.startedAt, endedAt: c.endedAt }, ...(ok ? { bytes: c.bytes } : { why: firstLine(c.stderr) || `exit ${c.exitCode}` }) });
    } else if (d.kind === 'inprocess') {
      const startedAt = now().toISOString();
      const r = await d.capture(dctx(m)).catch((err: unknown) => ({ error: (err as Error)?.message ?? String(err) }));
      const info: ReplaySourceInfo = { command: d.label, startedAt, endedAt: now().toISOString() };
      if ('text' in r) {
        // Extra facts for the manifest never overwrite what dump records itself.
        for (const [k, v] of Object.entries(r.info ?? {})) if (!(k in info)) (info as Record<string, unknown>)[k] = v;
        got.set(m.name, { info, bytes: Buffer.from(r.text, 'utf8'), ...(r.files ? { files: r.files } : {}) });
      } else got.set(m.name, { info, why: r.error });
    }
  }
  const streamed = await Promise.all(lines.map((l) => capture(l[0]!, l.slice(1), env, now, ms)));
  streams.forEach((m, i) => {
    const d = m.dump;
    if (d.kind !== 'stream') return;
    const c = streamed[i]!;
    const l = lines[i]!;
    // A stream we stopped is a success if it produced output (a whole unit, where the module says what one is).
    const ok = c.bytes.length > 0 && (c.stoppedByUs || c.exitCode === 0) && (d.complete?.(c.bytes) ?? true);
    const info: ReplaySourceInfo = { command: showCommand(l[0]!, l.slice(1)), startedAt: c.startedAt, endedAt: c.endedAt, intervalMs: d.intervalMs(dctx(m).config) };
    const silent = c.stoppedByUs ? `still silent after ${opts.seconds} s` : `exit ${c.exitCode}`;
    got.set(m.name, ok ? { info, bytes: c.bytes } : { info, why: firstLine(c.stderr) || `no complete output (${silent})` });
  });

  // Facts for the manifest, from the sysctl capture (the parser the sysctl source uses).
  let facts: SysctlSample | undefined;
  const sysctlBytes = got.get('sysctl')?.bytes;
  if (sysctlBytes) for (const r of parseSysctl(sysctlBytes.toString('utf8'))) if (r.type === 'sysctl') facts = r;
  const model = facts?.hwModel;
  const stamp = createdAt.replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  const dir = resolve(opts.out ?? `silicon-agent-dump-${(model ?? 'unknown').replace(/[^\w.-]+/g, '_')}-${stamp}`);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    ctx.err(`silicon-agent dump: ${dir} exists and is not empty; choose another --out`);
    return 1;
  }
  mkdirSync(dir, { recursive: true });

  const sources: Record<string, ReplaySourceInfo> = {};
  const failed: string[] = [];
  for (const m of enabled) {
    const g = got.get(m.name);
    if (!g) continue;
    if (g.bytes) {
      writeFileSync(join(dir, m.replay.file), g.bytes);
      for (const [name, bytes] of Object.entries(g.files ?? {})) if (extraFileOk(name)) writeFileSync(join(dir, name), bytes);
    } else {
      g.info.note = `not captured: ${g.why}`;
      failed.push(`${m.name}: ${g.why}`);
    }
    sources[m.name] = g.info;
  }

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
    note: `captured by \`silicon-agent dump --seconds ${opts.seconds}\` as ${root ? 'root' : 'a non-root user (powermetrics through sudo -n)'}`,
    sources,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

  const written = Object.keys(sources).length - failed.length;
  ctx.out(dir);
  for (const f of failed) ctx.err(`silicon-agent dump: ${f}`);
  ctx.err(`silicon-agent dump: wrote ${written} of ${enabled.length} sources to ${dir}${model ? ` (${facts?.cpuBrand ?? 'chip unknown'}, ${model})` : ''}; replay it with: silicon-agent sample --replay ${dir}`);
  return written === 0 ? 1 : failed.length > 0 ? 2 : 0;
}

export async function main(argv: string[]): Promise<number> {
  return runCommand(argv, parseDumpArgs, dump);
}
