/**
 * `silicon-agent run [--replay DIR] [--config FILE] [--speed N]`: run the agent until SIGTERM/SIGINT.
 *
 * Live on macOS. Anywhere else (or with --replay) it replays a capture folder — by default the
 * bundled `fixtures/replay/m2-ultra` — says so in a banner, and marks the resource with
 * `silicon_agent.replay = true` so replayed data can never pass for a live node.
 *
 * Exit codes: 0 after a clean stop, 64 bad arguments (EX_USAGE), 66 missing replay folder
 * (EX_NOINPUT), 78 bad configuration (EX_CONFIG), 1 anything else.
 */
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createAgent, type Agent } from '../agent.ts';
import { ConfigError, EX_CONFIG, loadConfig, redactedConfig, toSourcesOptions, type Config } from '../config.ts';
import { buildResource, readHostFacts, type HostFacts } from '../export/resource.ts';
import { createLogger, type Logger } from '../log.ts';
import { createSources, defaultReplayDir, liveSupported, readManifest } from '../sources/index.ts';

export const EX_USAGE = 64;
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

export function chooseMode(replayFlag: string | undefined, platform: NodeJS.Platform = process.platform): RunMode {
  if (replayFlag !== undefined) return { replayDir: replayFlag, replayReason: 'flag' };
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
  if (mode.replayDir === undefined) return { facts: await readHostFacts() };
  return replayFacts(mode.replayDir);
}

/** The replayed Mac's facts from the folder's manifest.json (chip, model, macOS version and build). */
export function replayFacts(dir: string): { facts: HostFacts; platform?: NodeJS.Platform } {
  const m = readManifest(dir);
  const facts: HostFacts = {};
  if (m.model) facts.hwModel = m.model;
  if (m.chip) facts.cpuBrand = m.chip;
  if (m.macos?.productVersion) facts.osProductVersion = m.macos.productVersion;
  if (m.macos?.build) facts.osBuild = m.macos.build;
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

function signals(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      // A second signal while stopping ends the process at once.
      process.once(sig, () => process.exit(130));
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

export async function main(argv: string[], opts: RunOptions = {}): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        replay: { type: 'string' },
        config: { type: 'string' },
        speed: { type: 'string' },
        'no-loop': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`silicon-agent run: ${(err as Error).message}\n${USAGE}`);
    return EX_USAGE;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const speed = args.speed === undefined ? 1 : Number(args.speed);
  if (!(speed > 0) || !Number.isFinite(speed)) {
    process.stderr.write(`silicon-agent run: --speed must be a positive number, got "${args.speed}"\n`);
    return EX_USAGE;
  }

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
  const mode = chooseMode(args.replay);
  if (mode.replayDir !== undefined) {
    if (!existsSync(mode.replayDir) || !statSync(mode.replayDir).isDirectory()) {
      log.error('replay folder not found', { replayDir: mode.replayDir, exitCode: EX_NOINPUT });
      return EX_NOINPUT;
    }
    banner(log, mode, Boolean(process.stderr.isTTY));
  }

  let agent: Agent;
  try {
    const { facts, platform } = await factsFor(mode);
    const resource = buildResource({
      config,
      env,
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
      sources: (c) =>
        createSources({
          ...toSourcesOptions(c),
          ...(mode.replayDir !== undefined ? { replayDir: mode.replayDir, speed, loop: !args['no-loop'] } : {}),
          ...(facts.hwModel ? { hwModel: facts.hwModel } : {}),
          logger: log,
        }),
    });
    await agent.start();
  } catch (err) {
    log.error('failed to start', { error: err as Error });
    return 1;
  }
  opts.onStarted?.(agent);

  // The Prometheus server keeps the process alive, but it can be disabled: hold a ref'd timer until stop.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const sig = await (opts.stopSignal ?? signals());
  log.info('stopping', { signal: sig });
  try {
    await agent.stop();
  } catch (err) {
    log.error('error while stopping', { error: err as Error });
  } finally {
    clearInterval(keepAlive);
  }
  log.info('stopped');
  return 0;
}
