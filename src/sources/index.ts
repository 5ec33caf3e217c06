/**
 * createSources: the agent's sources from one plain options object, live or replayed.
 *
 * Live (no `replayDir`): one source per enabled name — powermetrics and iostat as supervised
 * long-lived children, vm_stat and sysctl polled, SMC through the addon. On a machine that is not
 * a Mac the live tools do not exist and each source reports `unavailable`; callers that want data
 * anyway (the `sample` command) use `defaultReplayDir()`, the bundled fixtures folder.
 *
 * Replay (`replayDir`): one source per enabled name that has its file in the folder
 * (docs/replay.md), fed through the same parsers at `speed`, looping when `loop` is set.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { packageRoot } from '../package-root.ts';
import { createIostatParser } from '../parsers/iostat.ts';
import { createPowermetricsParser } from '../parsers/powermetrics.ts';
import { createSysctlParser } from '../parsers/sysctl.ts';
import { createVmStatParser } from '../parsers/vm_stat.ts';
import type { SourceName } from '../samples.ts';
import { SOURCE_NAMES } from '../samples.ts';
import type { BinaryName } from './binaries.ts';
import type { ChildTiming, RestartInfo } from './child.ts';
import { createIostatSource, iostatSeconds } from './iostat.ts';
import { createPowermetricsSource } from './powermetrics.ts';
import type { ReplayManifest } from './replay.ts';
import {
  createReplayPollSource,
  createReplayStreamSource,
  plistUnits,
  readManifest,
  REPLAY_FILES,
  rowUnits,
  sysctlAsAsked,
} from './replay.ts';
import { createSmcSource } from './smc.ts';
import type { Source } from './source.ts';
import { createSysctlSource, SYSCTL_NAMES } from './sysctl.ts';
import { createVmStatSource } from './vm_stat.ts';

export interface CreateSourcesOptions {
  /** Replay this capture folder instead of running the tools. */
  replayDir?: string;
  /** Replay speed factor (default 1). */
  speed?: number;
  /** Replay: restart streams from the top at their end (default false). */
  loop?: boolean;
  enabled: Record<SourceName, boolean>;
  intervalsMs: Record<SourceName, number>;
  powermetrics: { samplers: readonly string[]; sudo: boolean };
  /** Executable overrides (see binaries.ts; default absolute macOS paths). */
  binaries?: Partial<Record<BinaryName, string>>;
  /** `hw.model` for the SMC fan rule; in replay the manifest's `model` is used. */
  hwModel?: string;
  logger?: Logger;
  /** Supervision timing for the child sources (tests). */
  timing?: Partial<ChildTiming>;
  /** Called on every child restart, with the source name. */
  onRestart?: (source: SourceName, info: RestartInfo) => void;
}

export const DEFAULT_REPLAY = 'm2-ultra';

/** The bundled replay folder used when live sources cannot run (not a Mac). */
export function defaultReplayDir(name: string = DEFAULT_REPLAY): string {
  return join(packageRoot(), 'fixtures', 'replay', name);
}

/** True where the live tools can exist. */
export function liveSupported(platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'darwin';
}

export function createSources(opts: CreateSourcesOptions): Source[] {
  const names = SOURCE_NAMES.filter((n) => opts.enabled[n]);
  return opts.replayDir !== undefined ? replaySources(opts.replayDir, names, opts) : liveSources(names, opts);
}

function liveSources(names: readonly SourceName[], opts: CreateSourcesOptions): Source[] {
  const common = {
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.timing ? { timing: opts.timing } : {}),
  };
  const restart = (n: SourceName) => (opts.onRestart ? { onRestart: (i: RestartInfo) => opts.onRestart!(n, i) } : {});
  const bin = opts.binaries ?? {};
  return names.map((n): Source => {
    const intervalMs = opts.intervalsMs[n];
    switch (n) {
      case 'powermetrics':
        return createPowermetricsSource({
          intervalMs,
          samplers: opts.powermetrics.samplers,
          sudo: opts.powermetrics.sudo,
          ...(bin.powermetrics ? { command: bin.powermetrics } : {}),
          ...(bin.sudo ? { sudoCommand: bin.sudo } : {}),
          ...common,
          ...restart(n),
        });
      case 'iostat':
        return createIostatSource({ intervalMs, ...(bin.iostat ? { command: bin.iostat } : {}), ...common, ...restart(n) });
      case 'vm_stat':
        return createVmStatSource({
          intervalMs,
          ...(bin.vm_stat ? { command: bin.vm_stat } : {}),
          ...(opts.logger ? { logger: opts.logger } : {}),
        });
      case 'sysctl':
        return createSysctlSource({
          intervalMs,
          ...(bin.sysctl ? { command: bin.sysctl } : {}),
          ...(opts.logger ? { logger: opts.logger } : {}),
        });
      case 'smc':
        return createSmcSource({
          intervalMs,
          ...(opts.hwModel ? { hwModel: opts.hwModel } : {}),
          ...(opts.logger ? { logger: opts.logger } : {}),
        });
    }
  });
}

function replaySources(dir: string, names: readonly SourceName[], opts: CreateSourcesOptions): Source[] {
  const manifest: ReplayManifest = readManifest(dir);
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new RangeError(`replay speed must be positive, got ${speed}`);
  const loop = opts.loop ?? false;
  const logger = opts.logger ? { logger: opts.logger } : {};
  const out: Source[] = [];
  for (const n of names) {
    const file = join(dir, REPLAY_FILES[n]);
    if (!existsSync(file)) continue;
    const intervalMs = opts.intervalsMs[n];
    switch (n) {
      case 'powermetrics':
        out.push(
          createReplayStreamSource({ name: n, intervalMs, file, speed, loop, units: plistUnits, createParser: () => createPowermetricsParser(), ...logger }),
        );
        break;
      case 'iostat': {
        // Rows mean what the capture's -w said; without it, the configured interval.
        const captured = manifest.sources.iostat?.intervalMs;
        const intervalS = captured !== undefined ? captured / 1000 : iostatSeconds(intervalMs);
        out.push(
          createReplayStreamSource({ name: n, intervalMs, file, speed, loop, units: rowUnits, createParser: () => createIostatParser({ intervalS }), ...logger }),
        );
        break;
      }
      case 'vm_stat':
        out.push(createReplayPollSource({ name: n, intervalMs, file, speed, createParser: createVmStatParser, ...logger }));
        break;
      case 'sysctl':
        // The live source asks for SYSCTL_NAMES only; a capture of `sysctl hw` holds five times more.
        out.push(
          createReplayPollSource({
            name: n,
            intervalMs,
            file,
            speed,
            createParser: () => createSysctlParser(),
            transform: (b) => sysctlAsAsked(b, SYSCTL_NAMES),
            ...logger,
          }),
        );
        break;
      case 'smc':
        out.push(
          createSmcSource({
            intervalMs: intervalMs / speed,
            replayFile: file,
            ...(manifest.model ? { hwModel: manifest.model } : opts.hwModel ? { hwModel: opts.hwModel } : {}),
            ...logger,
          }),
        );
        break;
    }
  }
  return out;
}

export type { ReplayManifest } from './replay.ts';
export { readManifest, REPLAY_FILES, replaySourcesIn } from './replay.ts';
