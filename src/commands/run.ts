/**
 * `silicon-agent run [--replay DIR] [--config FILE] [--speed N]`: run the agent until SIGTERM/SIGINT.
 *
 * Live on macOS. Anywhere else (or with --replay) it replays a capture folder — by default the
 * bundled `fixtures/replay/m2-ultra` — says so in a banner, and marks the resource with
 * `silicon_agent.replay = true` so replayed data can never pass for a live node.
 *
 * With SILICON_AGENT_STATUS_FILE set (the launchd job sets it) it keeps that file up to date for
 * `silicon-agent status` (src/status-file.ts): written at most every 5 s, and once more on stop.
 *
 * Signals (src/signals.ts, installed before anything slow starts): SIGTERM/SIGINT stop the sources,
 * flush a final export and exit 0 within 5 s of the signal (during start-up: once started). SIGHUP
 * reloads the configuration; one that arrives during start-up is queued and applied once the agent
 * is up (several count as one), and one during shutdown is ignored.
 *
 * Under launchd (SILICON_AGENT_LOG_FILE set to the job's StandardErrorPath) it watches for newsyslog's
 * rotation of that file and then stops cleanly and exits 75, so launchd restarts it on the fresh file.
 *
 * Started by npm (`npm start`, `npx … run`: npm sets npm_command), it also stops when the process
 * that started it is gone, because npm does not pass its SIGTERM on to the agent (`watchParent`).
 *
 * Exit codes (src/sysexits.ts, README "Exit codes"): 0 after a clean stop, 75 after a log rotation
 * (EX_TEMPFAIL: launchd restarts it), 64 bad arguments (EX_USAGE), 65 a replay folder whose
 * manifest.json is not one (EX_DATAERR), 66 missing replay folder (EX_NOINPUT), 69 the Prometheus
 * port in use (EX_UNAVAILABLE), 77 the port not permitted (EX_NOPERM), 78 bad configuration or a
 * Prometheus host this machine does not have (EX_CONFIG), 70 any other start-up failure
 * (EX_SOFTWARE). A failed start closes everything it opened before it exits.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { createAgent, type Agent, type AgentPlugin } from '../agent.ts';
import { EX_USAGE, parseDataArgs, positiveOption } from './data-args.ts';
import { ConfigError, EX_CONFIG, loadConfig, redactedConfig, type Config } from '../config.ts';
import { buildResource, type HostFacts } from '../export/resource.ts';
import { Health } from '../health.ts';
import { EX_LOG_ROTATED, LOG_FILE_ENV, watchLogRotation } from '../launchd/log-rotation.ts';
import { createLogger, type Logger } from '../log.ts';
import { createPlausibilityFilter } from '../plausibility.ts';
import { processSignals } from '../signals.ts';
import { ListenError } from '../export/listen-error.ts';
import { ManifestError, readManifest } from '../sources/replay.ts';
import { EX_DATAERR, EX_SOFTWARE } from '../sysexits.ts';
import { createStatusWriter, STATUS_FILE_ENV } from '../status-file.ts';
// src/registry.ts (every source and parser) is loaded by the agent; the governor is imported only once
// the exporters are up, so /metrics answers quickly after start.

export { EX_USAGE };
export const EX_NOINPUT = 66;

export const USAGE = `usage: silicon-agent run [--replay DIR] [--config FILE] [--speed N] [--no-loop]

  --replay DIR   replay a capture folder (docs/replay.md) instead of running the tools;
                 the default on any OS other than macOS is the bundled fixtures/replay/m2-ultra
  --config FILE  JSON configuration (default: $SILICON_AGENT_CONFIG, else built-in defaults)
  --speed N      replay speed factor (default 1)
  --no-loop      replay each capture once instead of looping it
`;

export interface RunMode {
  replayDir?: string;
  /** Why it replays: the user asked, or this is not a Mac. */
  replayReason?: 'flag' | 'not-macos';
}

export async function chooseMode(replayFlag: string | undefined, platform: NodeJS.Platform = process.platform): Promise<RunMode> {
  if (replayFlag !== undefined) return { replayDir: replayFlag, replayReason: 'flag' };
  const { defaultReplayDir, liveSupported } = await import('../sources/replay.ts');
  if (!liveSupported(platform)) return { replayDir: defaultReplayDir(), replayReason: 'not-macos' };
  return {};
}

function banner(log: Logger, mode: RunMode, tty: boolean): void {
  const why = mode.replayReason === 'not-macos' ? `this is ${process.platform}, not macOS` : '--replay was given';
  const text = `REPLAY MODE: not measuring this machine (${why}). Replaying ${mode.replayDir}; every series carries silicon_agent.replay=true.`;
  if (tty) {
    const bar = '!'.repeat(Math.min(100, text.length + 4));
    process.stderr.write(`${bar}\n! ${text}\n${bar}\n`);
  }
  log.warn(text, { replay: true, replayDir: mode.replayDir });
}

/** Host facts for the resource: sysctl when live; the capture's manifest when replaying. */
async function factsFor(mode: RunMode): Promise<{ facts: HostFacts; platform?: NodeJS.Platform }> {
  if (mode.replayDir === undefined) return { facts: await (await import('../modules/sysctl/source.ts')).readHostFacts() };
  return replayFacts(mode.replayDir);
}

/**
 * The replayed Mac's facts from the folder's manifest.json (chip, model, macOS version and build).
 * Read leniently here (the replay source validates the manifest): a missing or odd field is left out.
 */
export function replayFacts(dir: string): { facts: HostFacts; platform?: NodeJS.Platform } {
  let m: { model?: unknown; chip?: unknown; macos?: { productVersion?: unknown; build?: unknown } } = {};
  try {
    m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as typeof m;
  } catch {
    return { facts: {} };
  }
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const facts: HostFacts = {};
  const [model, chip, version, build] = [str(m.model), str(m.chip), str(m.macos?.productVersion), str(m.macos?.build)];
  if (model) facts.hwModel = model;
  if (chip) facts.cpuBrand = chip;
  if (version) facts.osProductVersion = version;
  if (build) facts.osBuild = build;
  // The replayed data describes a Mac even when the agent runs elsewhere.
  return Object.keys(facts).length > 0 ? { facts, platform: 'darwin' } : { facts };
}

export interface RunOptions {
  /** Resolves when the process should stop (default: SIGTERM or SIGINT). */
  stopSignal?: Promise<string>;
  env?: Record<string, string | undefined>;
  /** Called once the agent is up (tests). */
  onStarted?: (agent: Agent) => void;
}

export async function main(argv: string[], opts: RunOptions = {}): Promise<number> {
  // First thing (src/cli.ts has already installed them, before loading this module): see src/signals.ts.
  const signals = opts.stopSignal ? undefined : processSignals();
  const io = { stdout: (t: string) => void process.stdout.write(t), stderr: (t: string) => void process.stderr.write(t) };
  const parsed = parseDataArgs('run', argv, { 'no-loop': { type: 'boolean', default: false } }, USAGE, io);
  if ('exit' in parsed) return parsed.exit;
  const args = parsed.values;
  const speed = positiveOption('run', 'speed', args.speed, 1, io);
  if (speed === undefined) return EX_USAGE;

  const env = opts.env ?? process.env;
  let config: Config;
  let configFile: string | undefined;
  try {
    const loaded = loadConfig({ ...(args.config !== undefined ? { file: args.config } : {}), env });
    config = loaded.config;
    configFile = loaded.file;
  } catch (err) {
    if (err instanceof ConfigError) {
      createLogger().error(err.message, { field: err.field, exitCode: EX_CONFIG });
      return EX_CONFIG;
    }
    throw err;
  }

  const log = createLogger({ level: config.log.level });
  signals?.attach(log);
  const mode = await chooseMode(args.replay);
  if (mode.replayDir !== undefined) {
    if (!existsSync(mode.replayDir) || !statSync(mode.replayDir).isDirectory()) {
      log.error('replay folder not found', { replayDir: mode.replayDir, exitCode: EX_NOINPUT });
      return EX_NOINPUT;
    }
    banner(log, mode, Boolean(process.stderr.isTTY));
  }

  // The status file `silicon-agent status` reads (the launchd job sets the variable; unset, none is written).
  const health = new Health();
  const statusPath = env[STATUS_FILE_ENV];
  const status = statusPath ? createStatusWriter(statusPath, health, { replay: mode.replayDir !== undefined }) : undefined;

  let agent: Agent;
  try {
    const { facts, platform } = await factsFor(mode);
    const resource = buildResource({
      resource: config.resource,
      facts,
      ...(platform ? { platform } : {}),
      ...(mode.replayDir !== undefined ? { replayDir: mode.replayDir } : {}),
    });
    log.info('starting silicon-agent', {
      mode: mode.replayDir !== undefined ? 'replay' : 'live',
      configFile: configFile ?? null,
      config: redactedConfig(config),
      resource: resource.attributes,
    });
    agent = createAgent(config, {
      log,
      resource,
      health,
      // Robustness (issue 5): impossible values are dropped and counted before the store
      // (src/plausibility.ts); the governor meters the agent + children every 10 s and degrades
      // within budget.cpuPercent / budget.rssMiB (src/governor.ts, docs/budget.md).
      filters: [createPlausibilityFilter()],
      plugins: [lazyPlugin('governor', async () => (await import('../governor.ts')).createGovernor({ log }))],
      // Sources and the final flush share the 5 s shutdown budget (see STOP_DEADLINE_MS).
      stopTimeoutMs: 2000,
      sources: async (c, hooks) => {
        const { createSources } = await import('../registry.ts');
        const replay = mode.replayDir !== undefined ? { dir: mode.replayDir, manifest: readManifest(mode.replayDir), speed, loop: !args['no-loop'] } : undefined;
        return createSources({
          sources: c.sources,
          onRestart: hooks.onRestart,
          ...(replay ? { replay } : {}),
          ...(facts.hwModel ? { hwModel: facts.hwModel } : {}),
          logger: log,
          env,
        });
      },
    });
    await agent.start();
  } catch (err) {
    // agent.start has closed what it opened; nothing is left listening or running.
    const exitCode = startFailureCode(err);
    const where = err instanceof ManifestError ? { file: err.file } : err instanceof ListenError ? { host: err.host, port: err.port } : {};
    log.error('failed to start', { error: err as Error, ...where, exitCode });
    status?.close();
    if (!opts.stopSignal) exitSoon();
    return exitCode;
  }
  log.info('started', { sources: agent.sources.map((s) => s.name) });
  // Everything start-up needs is loaded now: persist the compile cache bin/silicon-agent.js enabled
  // (Node writes it at exit otherwise, and a long-running agent may never exit cleanly).
  module.flushCompileCache?.();
  opts.onStarted?.(agent);

  // The Prometheus server keeps the process alive, but it can be disabled: hold a ref'd timer until stop.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const load = { ...(args.config !== undefined ? { file: args.config } : {}), env };
  signals?.running(() => reloadConfig(agent, log, load));
  // Under launchd: after newsyslog renames the log file, stop and exit 75 so launchd starts the
  // agent again on the fresh file (src/launchd/log-rotation.ts explains why).
  const rotation = watchRotation(env, log, () => signals?.requestStop('log-rotated'));
  const parent = opts.stopSignal ? undefined : watchParent(env, log, () => signals?.requestStop('parent-exited'));
  const sig = await Promise.race([opts.stopSignal ?? signals!.stop, rotation.rotated]);
  rotation.stop();
  parent?.stop();
  const exitCode = sig === 'log-rotated' ? EX_LOG_ROTATED : 0;
  log.info('stopping', { signal: sig });
  // Stop children, flush a final export and exit 0 within 5 s of the signal, whatever hangs (issue 5).
  const deadlineMs = Math.max(500, STOP_DEADLINE_MS - (signals?.stopRequestedAt !== undefined ? performance.now() - signals.stopRequestedAt : 0));
  const stopped = await Promise.race([
    (async () => {
      await signals?.reloadsSettled();
      await agent.stop();
      return true;
    })().catch((err: unknown) => {
      log.error('error while stopping', { error: err as Error });
      return true;
    }),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), deadlineMs).unref()),
  ]);
  clearInterval(keepAlive);
  status?.close();
  if (!stopped) log.warn('stop did not finish in time; exiting anyway', { deadlineMs });
  log.info('stopped');
  if (!opts.stopSignal) {
    // Exit explicitly once stderr has taken the last line, rather than when the event loop drains:
    // anything still holding it (a child that ignores SIGTERM, a socket) must not keep the process
    // past the deadline, and Node's natural exit closes the signal handles first, so a SIGHUP in
    // that window would still terminate the process by its default action.
    // (process.exit() takes the exit code src/cli.ts sets from this function's result.)
    exitSoon();
  }
  return exitCode;
}

/** Exit once stderr has taken the last line (src/cli.ts sets the exit code from main's result first). */
function exitSoon(): void {
  process.stderr.write('', () => setImmediate(() => process.exit()));
  setTimeout(() => process.exit(), 500).unref();
}

/** The documented exit code for a start-up failure (see the header). */
export function startFailureCode(err: unknown): number {
  if (err instanceof ListenError) return err.exitCode;
  if (err instanceof ManifestError) return EX_DATAERR;
  if (err instanceof ConfigError) return EX_CONFIG;
  return EX_SOFTWARE;
}

/** How often the parent is checked (SILICON_AGENT_PARENT_CHECK_MS for tests). */
export const PARENT_CHECK_ENV = 'SILICON_AGENT_PARENT_CHECK_MS';

/**
 * Started by npm (npm_command is set: `npm start`, `npx … run`), stop when the parent that started
 * us is gone: npm exits on SIGTERM without passing it on, and the agent, reparented, would keep
 * running and holding its port. Under launchd (or a plain shell) nothing is watched: there the
 * agent gets its signals itself, and `nohup … &` must keep it running after the shell exits.
 */
export function watchParent(env: Record<string, string | undefined>, log: Logger, onGone: () => void): { stop(): void } {
  if (!env.npm_command) return { stop() {} };
  const original = process.ppid;
  const every = Number(env[PARENT_CHECK_ENV]) > 0 ? Number(env[PARENT_CHECK_ENV]) : 1000;
  const timer = setInterval(() => {
    if (process.ppid === original) return;
    clearInterval(timer);
    log.warn('the npm process that started the agent is gone: stopping', { parentPid: original, npmCommand: env.npm_command });
    onGone();
  }, every);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** How often the log file is compared with stderr (default 60 s; SILICON_AGENT_LOG_CHECK_MS for tests). */
export const LOG_CHECK_ENV = 'SILICON_AGENT_LOG_CHECK_MS';

function watchRotation(
  env: Record<string, string | undefined>,
  log: Logger,
  onRotated: () => void,
): { rotated: Promise<string>; stop(): void } {
  const path = env[LOG_FILE_ENV];
  if (!path) return { rotated: new Promise<string>(() => {}), stop() {} };
  const every = Number(env[LOG_CHECK_ENV]);
  let resolve!: (reason: string) => void;
  const rotated = new Promise<string>((r) => (resolve = r));
  const w = watchLogRotation({
    path,
    ...(every > 0 ? { intervalMs: every } : {}),
    onRotated: (why) => {
      log.warn('log file rotated: stopping so launchd restarts the agent on the fresh file', { path, why, exitCode: EX_LOG_ROTATED });
      onRotated();
      resolve('log-rotated');
    },
  });
  return { rotated, stop: () => w.stop() };
}

/**
 * A plugin whose module is loaded when it starts — after the exporters listen — so /metrics answers
 * sooner (the governor pulls in the self-meter and execa).
 */
function lazyPlugin(name: string, load: () => Promise<AgentPlugin>): AgentPlugin {
  let plugin: AgentPlugin | undefined;
  return {
    name,
    async start(agent) {
      plugin = await load();
      await plugin.start?.(agent);
    },
    async stop() {
      await plugin?.stop?.();
    },
  };
}

/** SIGTERM/SIGINT to exit: the stop (children, final export) is bounded by this, counted from the signal. */
export const STOP_DEADLINE_MS = 4500;

/**
 * SIGHUP: read the configuration again (same --config file and environment). A bad new
 * configuration keeps the running one and logs why; a good one is applied with agent.reload
 * (sources and exporters rebuilt; totals, stats and the budget level kept).
 */
export async function reloadConfig(agent: Agent, log: Logger, load: { file?: string; env?: Record<string, string | undefined> }): Promise<boolean> {
  let next: Config;
  try {
    next = loadConfig(load).config;
  } catch (err) {
    const why = err instanceof ConfigError ? { field: err.field, error: err.message } : { error: err as Error };
    log.error('SIGHUP: new configuration rejected; keeping the current one', why);
    return false;
  }
  try {
    await agent.reload(next);
    log.info('SIGHUP: configuration reloaded', { config: redactedConfig(next) });
    return true;
  } catch (err) {
    // agent.reload restored the previous configuration (and its endpoint) before throwing.
    const where = err instanceof ListenError ? { host: err.host, port: err.port } : {};
    log.error('SIGHUP: reload failed; keeping the current configuration', { error: err as Error, ...where });
    return false;
  }
}
