/**
 * The source registry: every source module, one line each, in the order of the docs, the dashboard
 * and `sample`'s table. Everything that depends on which sources exist reads this list: the
 * configuration schema (src/config.ts), the live and replay sources (`createSources`), `parse`,
 * `dump`, `sample`, `doctor`, the catalog and its generated docs.
 *
 * Adding a source: docs/architecture.md, "Adding a source".
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_METRICS } from './catalog/agent.ts';
import { COMMON_ATTRIBUTES } from './catalog/attributes.ts';
import { mergeYielding } from './catalog/fallback.ts';
import type { AttributeTable, CatalogEntry } from './catalog/types.ts';
import type { Logger } from './log.ts';
import { host } from './modules/host/index.ts';
import { filesystems } from './modules/filesystems/index.ts';
import { disks } from './modules/disks/index.ts';
import { gpu } from './modules/gpu/index.ts';
import { iostat } from './modules/iostat/index.ts';
import { network } from './modules/network/index.ts';
import type { AnyModule, BaseSourceConfig, LiveContext, ParseContext, SourceModule } from './modules/module.ts';
import { schemaCheck } from './modules/module.ts';
import { powermetrics } from './modules/powermetrics/index.ts';
import { smc } from './modules/smc/index.ts';
import { sysctl } from './modules/sysctl/index.ts';
import { vm_stat } from './modules/vm_stat/index.ts';
import type { BaseSample, DropReason } from './samples.ts';
import type { ChildTiming, RestartInfo } from './sources/child.ts';
import type { NativeLoader } from './sources/native.ts';
import { loadNative } from './sources/native.ts';
import type { ReplayManifest } from './sources/replay.ts';
import { createReplayPollSource, createReplayStreamSource } from './sources/replay.ts';
import type { Source } from './sources/source.ts';
import type { SampleCheck } from './store.ts';

export const MODULES = [powermetrics, iostat, vm_stat, sysctl, smc, host, network, filesystems, gpu, disks] as const satisfies readonly AnyModule[];

type Modules = (typeof MODULES)[number];
export type SourceName = Modules['name'];
export const SOURCE_NAMES: readonly SourceName[] = MODULES.map((m) => m.name);

/** Each source's configuration type, by name (what `config.sources` holds). */
export type SourcesConfig = { [M in Modules as M['name']]: M extends SourceModule<BaseSample, infer C> ? C : never };

export function moduleOf(name: string): AnyModule | undefined {
  return (MODULES as readonly AnyModule[]).find((m) => m.name === name);
}

/** The whole catalog: each module's metrics (tagged with its name), then the agent's own. */
export const CATALOG: readonly CatalogEntry[] = mergeYielding([
  ...(MODULES as readonly AnyModule[]).flatMap((m) => m.metrics.map((d): CatalogEntry => ({ ...d, source: m.name }))),
  ...AGENT_METRICS.map((d): CatalogEntry => ({ ...d, source: 'agent' })),
]);

/** Every attribute any catalog metric may carry: the common table and each module's own. */
export const ATTRIBUTES: AttributeTable = Object.assign(
  {},
  COMMON_ATTRIBUTES,
  { 'silicon_agent.source': { doc: COMMON_ATTRIBUTES['silicon_agent.source']!.doc, values: SOURCE_NAMES } },
  ...(MODULES as readonly AnyModule[]).map((m) => m.attributes ?? {}),
);

/** The store's own drop reasons, for every source: a stale sample, a value outside its schema's range. */
export const STORE_DROP_REASONS: readonly DropReason[] = ['stale', 'out_of_range'];

/** Every reason a value of `m`'s source can be dropped for. */
export function dropReasonsOf(m: AnyModule): readonly DropReason[] {
  return [...STORE_DROP_REASONS, ...(m.dropReasons ?? [])];
}

/** The store's check for a module's samples: its own fast check, else its schema. */
export function checkOf(m: AnyModule): SampleCheck {
  const c = m.check ? (s: unknown) => m.check!(s) : schemaCheck(m.sample);
  return (s) => c(s);
}

// ---------------------------------------------------------------------------------------------
// sources

export interface CreateSourcesOptions {
  /** Each enabled source's configuration, by name (`config.sources`). */
  sources: Readonly<Record<string, BaseSourceConfig>>;
  /** Replay this capture folder instead of running the tools. */
  replay?: { dir: string; manifest: ReplayManifest; speed?: number; loop?: boolean };
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** `hw.model` of this Mac (in replay the manifest's `model` wins). */
  hwModel?: string;
  native?: NativeLoader;
  /** Supervision timing for child sources (tests). */
  timing?: Partial<ChildTiming>;
  /** Count one child restart of `source`. */
  onRestart?: (source: string, info: RestartInfo) => void;
}

/**
 * The agent's sources: one per enabled module, live (its `live` factory) or, with `replay`, fed from
 * the folder's file through the module's parser (a module without its file in the folder is absent).
 */
export function createSources(opts: CreateSourcesOptions): Source[] {
  const out: Source[] = [];
  for (const m of MODULES as readonly AnyModule[]) {
    const c = opts.sources[m.name];
    if (c === undefined || !c.enabled) continue;
    const s = opts.replay ? replaySource(m, c, opts.replay, opts) : liveSource(m, c, opts);
    if (s) out.push(s);
  }
  return out;
}

function liveSource(m: AnyModule, c: BaseSourceConfig, opts: CreateSourcesOptions): Source {
  const ctx: LiveContext = {
    logger: opts.logger,
    env: opts.env ?? process.env,
    native: opts.native ?? loadNative,
    ...(opts.hwModel !== undefined ? { hwModel: opts.hwModel } : {}),
    ...(opts.timing ? { timing: opts.timing } : {}),
    ...(opts.onRestart ? { onRestart: (i: RestartInfo) => opts.onRestart!(m.name, i) } : {}),
  };
  return m.live(c, ctx);
}

function replaySource(
  m: AnyModule,
  c: BaseSourceConfig,
  r: NonNullable<CreateSourcesOptions['replay']>,
  opts: CreateSourcesOptions,
): Source | undefined {
  const file = join(r.dir, m.replay.file);
  if (!existsSync(file)) return undefined;
  const speed = r.speed ?? 1;
  if (!(speed > 0)) throw new RangeError(`replay speed must be positive, got ${speed}`);
  const hwModel = r.manifest.model ?? opts.hwModel;
  const base: ParseContext = { ...m.replay.context?.(r.manifest.sources[m.name], c.intervalMs, c), ...(hwModel !== undefined ? { hwModel } : {}), config: c, sourceConfig: c };
  const mode = m.replay.mode;
  const common = { name: m.name, intervalMs: c.intervalMs, file, speed, logger: opts.logger };
  if (mode.kind === 'stream')
    return createReplayStreamSource({ ...common, loop: r.loop ?? false, units: (b) => mode.units(b), createParser: () => m.parser(base) });
  return createReplayPollSource({
    ...common,
    ...(mode.transform ? { transform: (b: Buffer) => mode.transform!(b) } : {}),
    createParser: (pc) => m.parser({ ...base, ...(pc.sincePreviousS !== undefined ? { sincePreviousS: pc.sincePreviousS } : {}) }),
  });
}

/** The sources that have a file in a replay folder. */
export function replaySourcesIn(dir: string): SourceName[] {
  return MODULES.filter((m) => existsSync(join(dir, m.replay.file))).map((m) => m.name);
}
