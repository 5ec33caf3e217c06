/**
 * `silicon-agent sample [--replay DIR] [--json] [--timeout S] [--config FILE] [--speed N]`:
 * start every enabled source, wait until each produced a usable sample (or gave up, or the timeout
 * passed), stop them, and print the snapshot: a readable table, or JSON with --json
 * (format in docs/parse.md, "## sample --json").
 *
 * On anything but macOS without --replay it replays the bundled fixtures/replay/m2-ultra and says
 * so, on stderr and in the output: it never prints replayed values as if they were this machine's.
 *
 * Live, powermetrics and iostat run at 1 s so the snapshot is quick — except powermetrics through
 * sudo, which keeps the configured interval (the sudoers rule allows exact command lines only).
 *
 * A source that gave nothing (unavailable, e.g. the SMC without its addon, or silent until the
 * timeout) is listed with its reason — in the table and in the JSON's `unavailable` — and does not
 * fail the command: exit 0 when at least one source produced a sample; 1 when none did;
 * 64 bad arguments; 66 replay folder missing; 78 bad configuration.
 */
import { existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { ConfigError, EX_CONFIG, loadConfig, type Config } from '../config.ts';
import { createLogger } from '../log.ts';
import type { AnyModule, BaseSourceConfig } from '../modules/module.ts';
import { createSources, MODULES, moduleOf } from '../registry.ts';
import type { BaseSample, ParseError } from '../samples.ts';
import type { ReplayManifest } from '../sources/replay.ts';
import { defaultReplayDir, liveSupported, readManifest } from '../sources/replay.ts';
import type { Snapshot } from '../sources/snapshot.ts';
import { takeSnapshot } from '../sources/snapshot.ts';
import type { SourceStatus } from '../sources/source.ts';
import { EX_USAGE, parseDataArgs, positiveOption } from './data-args.ts';

const EX_NOINPUT = 66;

export const USAGE = `usage: silicon-agent sample [--replay DIR] [--json] [--timeout S] [--config FILE] [--speed N]
  --replay DIR   read a capture folder (docs/replay.md) instead of this machine; the default on
                 any OS other than macOS is the bundled fixtures/replay/m2-ultra
  --json         print the snapshot as JSON (docs/parse.md "## sample --json")
  --timeout S    give up waiting for slow sources after S seconds (default 10, longer for long intervals)
  --config FILE  which sources are enabled, powermetrics samplers and sudo (default: built-in defaults)
  --speed N      replay speed factor (default 10)
`;

export interface SampleIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
}

export interface SampleOutput {
  mode: 'live' | 'replay';
  replay?: {
    dir: string;
    /** `flag` (--replay) or `not-macos` (no live tools here). */
    reason: 'flag' | 'not-macos';
    composite: boolean;
    name?: string;
    chip?: string;
    model?: string;
    macos?: { productVersion?: string; build?: string };
  };
  takenAt: string;
  timedOut: boolean;
  sources: Partial<Record<string, { state: SourceStatus['state']; reason?: string; sample: BaseSample | null }>>;
  /** Enabled sources without a usable sample, and why (the source's own reason, or the wait that ran out). */
  unavailable: Array<{ source: string; reason: string }>;
  errors: ParseError[];
}

function displayPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}

export async function main(argv: string[], ioIn: Partial<SampleIo> = {}): Promise<number> {
  const io: SampleIo = {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    isTTY: Boolean(process.stdout.isTTY),
    platform: process.platform,
    env: process.env,
    ...ioIn,
  };
  const parsed = parseDataArgs('sample', argv, { json: { type: 'boolean', default: false }, timeout: { type: 'string' } }, USAGE, io);
  if ('exit' in parsed) return parsed.exit;
  const args = parsed.values;
  const num = (name: string, v: string | undefined, def: number) => positiveOption('sample', name, v, def, io);
  const speed = num('speed', args.speed, 10);
  if (speed === undefined) return EX_USAGE;

  let replayDir: string | undefined;
  let reason: 'flag' | 'not-macos' | undefined;
  if (args.replay !== undefined) {
    replayDir = args.replay;
    reason = 'flag';
  } else if (!liveSupported(io.platform)) {
    replayDir = defaultReplayDir();
    reason = 'not-macos';
  }
  let manifest: ReplayManifest | undefined;
  if (replayDir !== undefined) {
    if (!existsSync(replayDir) || !statSync(replayDir).isDirectory()) {
      io.stderr(`silicon-agent sample: replay folder not found: ${replayDir}\n`);
      return EX_NOINPUT;
    }
    try {
      manifest = readManifest(replayDir);
    } catch (err) {
      io.stderr(`silicon-agent sample: ${(err as Error).message}\n`);
      return EX_NOINPUT;
    }
    const why = reason === 'not-macos' ? `this is ${io.platform}, not macOS` : '--replay was given';
    io.stderr(
      `REPLAY of ${displayPath(replayDir)}, not live data (${why})${manifest.composite ? '; composite: files from different Macs' : ''}\n`,
    );
  }

  let config: Config;
  try {
    config = loadConfig({ ...(args.config !== undefined ? { file: args.config } : {}), env: io.env }).config;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`silicon-agent sample: ${err.message}\n`);
      return EX_CONFIG;
    }
    throw err;
  }
  const sourcesConfig = quickIntervals(config, replayDir !== undefined);
  const enabled = Object.values(sourcesConfig).filter((c) => c.enabled);
  const longest = Math.max(...enabled.map((c) => c.intervalMs / (replayDir ? speed : 1)), 0);
  const timeoutS = num('timeout', args.timeout, Math.max(10, (3 * longest) / 1000 + 2));
  if (timeoutS === undefined) return EX_USAGE;

  // Quiet by default: the snapshot shows each source's state; SILICON_AGENT_LOG_LEVEL=debug shows more.
  const logger = createLogger({ level: (io.env.SILICON_AGENT_LOG_LEVEL as 'debug' | undefined) ?? 'error' });
  const sources = createSources({
    sources: sourcesConfig,
    logger,
    ...(replayDir !== undefined && manifest ? { replay: { dir: replayDir, manifest, speed, loop: false } } : {}),
  });
  const snap = await takeSnapshot(sources, { timeoutMs: timeoutS * 1000, usable: (x) => moduleOf(x.type)?.usable?.(x) ?? true });
  const out = toOutput(snap, sources.map((s) => s.name), replayDir, reason, manifest, timeoutS);
  io.stdout(args.json ? JSON.stringify(out, null, 2) + '\n' : formatTable(out));
  // Partial data is still data (the SMC without its addon must not fail a Mac's snapshot).
  return sources.some((s) => !snap.missing.includes(s.name)) ? 0 : 1;
}

/**
 * The configured sources with intervals that make a snapshot quick: a replay plays every source at
 * 1 s; live, each module says (its `quick`: powermetrics and iostat at most every second).
 */
function quickIntervals(config: Config, replay: boolean): Record<string, BaseSourceConfig> {
  const out: Record<string, BaseSourceConfig> = {};
  for (const [name, c] of Object.entries(config.sources) as [string, BaseSourceConfig][]) {
    const quick = moduleOf(name)?.quick;
    out[name] = replay ? { ...c, intervalMs: 1000 } : quick ? quick(c) : c;
  }
  return out;
}

/** Why a source has no usable sample in the snapshot. */
function whyMissing(n: string, snap: Snapshot, timeoutS: number): string {
  const st = snap.status[n];
  if (st?.reason) return st.reason;
  if (snap.latest[n]) return 'only the since-boot average arrived, no interval row';
  const state = st?.state ?? 'starting';
  return state === 'unavailable' ? 'unavailable' : `no sample within ${timeoutS} s (${state})`;
}

export function toOutput(
  snap: Snapshot,
  names: readonly string[],
  replayDir: string | undefined,
  reason: 'flag' | 'not-macos' | undefined,
  manifest: ReplayManifest | undefined,
  timeoutS = 10,
): SampleOutput {
  const sources: SampleOutput['sources'] = {};
  for (const n of names) {
    const st = snap.status[n] ?? { state: 'starting' as const };
    sources[n] = {
      state: st.state,
      ...(st.reason !== undefined ? { reason: st.reason } : {}),
      sample: snap.latest[n] ?? null,
    };
  }
  const replay: SampleOutput['replay'] =
    replayDir === undefined
      ? undefined
      : {
          dir: displayPath(replayDir),
          reason: reason ?? 'flag',
          composite: manifest?.composite ?? true,
          ...(manifest?.name ? { name: manifest.name } : {}),
          ...(manifest?.chip ? { chip: manifest.chip } : {}),
          ...(manifest?.model ? { model: manifest.model } : {}),
          ...(manifest?.macos ? { macos: manifest.macos } : {}),
        };
  const out: SampleOutput = {
    mode: replay ? 'replay' : 'live',
    ...(replay ? { replay } : {}),
    takenAt: new Date().toISOString(),
    timedOut: snap.timedOut,
    sources,
    unavailable: names.filter((n) => snap.missing.includes(n)).map((n) => ({ source: n, reason: whyMissing(n, snap, timeoutS) })),
    errors: snap.errors,
  };
  return out;
}

// ---------------------------------------------------------------------------------------------
// Table

function table(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

export function formatTable(out: SampleOutput): string {
  const lines: string[] = [];
  if (out.replay) {
    const r = out.replay;
    const what = [r.chip, r.model, r.macos?.productVersion && `macOS ${r.macos.productVersion}`].filter(Boolean).join(', ');
    lines.push(`REPLAY of ${r.dir}, not live data${r.reason === 'not-macos' ? ' (not macOS)' : ''}`);
    lines.push(`  ${what || 'capture'}${r.composite ? ' — COMPOSITE: files from different Macs, see manifest.json' : ''}`);
  } else {
    lines.push(`silicon-agent sample: live, ${out.takenAt}`);
  }
  const s = out.sources;
  for (const m of MODULES as readonly AnyModule[]) {
    const entry = s[m.name];
    for (const sec of m.sections) {
      lines.push('', sec.heading);
      if (!entry) lines.push('  (source disabled)');
      else if (!entry.sample) lines.push(`  no sample: ${entry.state}${entry.reason ? ` — ${entry.reason}` : ''}`);
      else lines.push(...table(sec.rows(entry.sample)));
    }
  }
  if (out.errors.length > 0) {
    lines.push('', `Parse errors (${out.errors.length})`);
    for (const e of out.errors.slice(0, 10)) lines.push(`  ${e.source} ${e.kind}: ${e.message}`);
  }
  if (out.unavailable.length > 0) {
    lines.push('', `Unavailable (${out.unavailable.length} of ${Object.keys(s).length} sources)`);
    lines.push(...table(out.unavailable.map((u) => [u.source, u.reason])));
  }
  if (out.timedOut) lines.push('', 'Timed out waiting for: ' + Object.entries(s).filter(([, v]) => !v?.sample).map(([k]) => k).join(', '));
  return lines.join('\n') + '\n';
}
