/**
 * A source module: everything about one source in one declaration (the registry, src/registry.ts,
 * lists them). Everything that used to switch on a source's name — the live and replay sources,
 * `parse`, `dump`, `sample`, `doctor`, the configuration schema, the sample check at the store's
 * door, the catalog and docs/metrics.md — reads the module instead.
 *
 * A module's files, by role (the import rule, test/architecture/imports.test.ts, knows them by name):
 *   sample.ts   the zod schema of its sample and the inferred type          (samples tier)
 *   parser.ts   pure: bytes in, samples and typed errors out (and helpers)  (parsers tier)
 *   source.ts   live I/O: spawn, poll, native calls                         (sources tier)
 *   metrics.ts  its part of the catalog                                     (catalog tier)
 *   index.ts    this declaration                                            (registry tier)
 * Other files in the folder are pure helpers of the parser (parsers tier).
 */
import { z } from 'zod';
import type { AttributeTable, MetricDef } from '../catalog/types.ts';
import type { Logger } from '../log.ts';
import type { StreamParser } from '../parsers/parser.ts';
import type { BaseSample, DropReason } from '../samples.ts';
import type { ChildTiming, RestartInfo } from '../sources/child.ts';
import type { NativeLoader } from '../sources/native.ts';
import type { CommandResult } from '../sources/probe.ts';
import type { ReplaySourceInfo } from '../sources/replay.ts';
import type { Source } from '../sources/source.ts';
import type { SampleProblem } from '../store.ts';
import { compileCheck } from '../sample-check.ts';

/** What every source's configuration has; a module adds its own fields. */
export interface BaseSourceConfig {
  enabled: boolean;
  intervalMs: number;
}

/** What the parser of a capture may need to know beyond its bytes (`parse` flags, a replay's manifest). */
export interface ParseContext {
  /** iostat: seconds per interval row (its -w). */
  intervalS?: number;
  /** sysctl: the names asked for, when the output has no names (`sysctl -n`). */
  names?: readonly string[];
  /** `hw.model` of the captured Mac (SMC: a Mac Studio's 0 RPM fan reads unavailable). */
  hwModel?: string;
  /** Seconds since the previous reading of this source (SMC: energy integration). */
  sincePreviousS?: number;
  /** The source's own configuration, where its parser needs it (network: the interface selection). */
  config?: BaseSourceConfig;
  /** host: one CPU-time entry per logical CPU (`sources.host.perCpu`). */
  perCpu?: boolean;
  /** This source's configuration (filesystems: a replay selects volumes by its own settings). */
  sourceConfig?: BaseSourceConfig;
}

/** What a live source factory gets besides its configuration. */
export interface LiveContext {
  logger: Logger;
  /** `hw.model` of this Mac, when known. */
  hwModel?: string;
  /** Supervision timing for child sources (tests). */
  timing?: Partial<ChildTiming>;
  /** Count one child restart (crash or hang). */
  onRestart?: (info: RestartInfo) => void;
  env: NodeJS.ProcessEnv;
  /** The native addon (tests pass their own). */
  native: NativeLoader;
}

/** How a capture file is played back (src/sources/replay.ts runs it through the module's parser). */
export type ReplayMode =
  /** A stream cut into timing units (one plist document, one data row): one unit per interval. */
  | { kind: 'stream'; units(buf: Buffer): Buffer[] }
  /** A one-shot output re-read at each poll; `transform` turns a capture into what the live command prints. */
  | { kind: 'poll'; transform?(buf: Buffer): Buffer };

export interface ReplaySpec {
  /** File name inside a replay folder (docs/replay.md). */
  file: string;
  mode: ReplayMode;
  /** What the manifest says about this capture, as parser context (e.g. iostat's captured -w). */
  context?(info: ReplaySourceInfo | undefined, intervalMs: number, config?: BaseSourceConfig): ParseContext;
}

/** What `dump` needs to capture this source's raw output into a replay folder. */
export interface DumpContext<C> {
  config: C;
  env: NodeJS.ProcessEnv;
  /** The dump runs as root (powermetrics directly) or not (powermetrics through `sudo -n`). */
  root: boolean;
  native: NativeLoader;
}

export type DumpSpec<C> =
  /** A long-lived stream, recorded for the dump's --seconds and then stopped. */
  | { kind: 'stream'; argv(ctx: DumpContext<C>): string[]; intervalMs(config: C): number; complete?(bytes: Buffer): boolean }
  /** A one-shot command. `nonZeroOk`: output on a non-zero exit still counts (sysctl asked for a name this Mac lacks). */
  | { kind: 'oneshot'; argv(ctx: DumpContext<C>): string[]; nonZeroOk?: boolean }
  /** Captured inside the agent (the SMC through the addon): the text or why not. */
  | { kind: 'inprocess'; label: string; capture(ctx: DumpContext<C>): Promise<InprocessCapture | { error: string }> };

/**
 * What an in-process dump capture returns: the replay file's text and, optionally, more files for the
 * folder (plain names, never the replay file or manifest.json) and more manifest facts for its
 * `sources.<name>` entry (merged without overwriting what dump records itself).
 */
export interface InprocessCapture {
  text: string;
  files?: Readonly<Record<string, Buffer>>;
  info?: Readonly<Record<string, unknown>>;
}

/** One line of `doctor`. */
export interface DoctorCheck {
  name: string;
  status: 'pass' | 'warn' | 'fail';
  detail: string;
}

export interface DoctorContext<C> {
  config: C;
  env: NodeJS.ProcessEnv;
  uid: number;
  /** The user the installed agent runs as, when it is not root (from the install record). */
  agentUser?: string;
  native: NativeLoader;
  /** Runs a system command the way every admin command does (argument array, never a shell). */
  run(file: string, args: readonly string[], opts?: { timeoutMs?: number }): Promise<CommandResult>;
}

export interface SourceModule<S extends BaseSample = BaseSample, C extends BaseSourceConfig = BaseSourceConfig> {
  /** The source's name: config key, `parse`/`dump` argument, `silicon_agent.source` value, sample `type`. */
  readonly name: S['type'];
  /** docs/metrics.md section title. */
  readonly title: string;
  /** Its configuration: a zod object whose every field has a default (`enabled`, `intervalMs`, then its own). */
  readonly config: z.ZodType<C, unknown>;
  /** The sample schema, with every field's real range. */
  readonly sample: z.ZodType<S>;
  /**
   * A fast check with the schema's verdict (the per-sample path at the store's door): where the sample
   * fails, or undefined. Default: the schema's safeParse (`schemaCheck`).
   */
  check?(sample: unknown): SampleProblem | undefined;
  /** A fresh pure parser. */
  parser(ctx: ParseContext): StreamParser<S>;
  /** The live source (macOS). */
  live(config: C, ctx: LiveContext): Source;
  replay: ReplaySpec;
  /** Its part of the catalog, in docs order. */
  metrics: readonly MetricDef<S>[];
  /** Attributes only this module's metrics use (the common ones are in src/catalog/attributes.ts). */
  attributes?: AttributeTable;
  /**
   * Why values of this source can be dropped besides the store's own reasons (`stale`, `out_of_range`):
   * what its parser reports in a sample's `dropped` and what the plausibility filter checks in it. It
   * bounds the `silicon_agent.values.dropped` series per source (test/export/series-bound.test.ts).
   */
  dropReasons?: readonly DropReason[];
  dump: DumpSpec<C>;
  /** One line for `parse`'s text output. */
  describe(sample: S): string;
  /** `sample`'s table: one or more sections, each a heading and rows of cells. */
  sections: ReadonlyArray<{ heading: string; rows(sample: S): string[][] }>;
  /** `doctor`'s checks for this source (it is enabled). */
  doctor?(ctx: DoctorContext<C>): Promise<DoctorCheck[]>;
  /** The sample `sample` waits for: the first usable one (iostat's since-boot row is not). Default: any. */
  usable?(sample: S): boolean;
  /** The configuration for `sample`'s quick live snapshot (e.g. a 1 s interval). Default: as configured. */
  quick?(config: C): C;
}

/** A module with its types erased, as the registry holds it. */
// Method syntax in SourceModule makes its sample-typed callbacks bivariant, so any module fits.
export type AnyModule = SourceModule<BaseSample, BaseSourceConfig>;

/** An interval in ms: 100 ms to 1 h. */
export const intervalMs = (def: number) => z.number().int().min(100).max(3_600_000).default(def);

/**
 * A source's configuration schema: `enabled`, `intervalMs` (with this default) and the module's own
 * fields. Strict: an unknown field is a configuration error (exit 78).
 */
export function sourceConfig<const E extends z.ZodRawShape = {}>(defaultIntervalMs: number, extra: E = {} as E) {
  return z.strictObject({ enabled: z.boolean().default(true), intervalMs: intervalMs(defaultIntervalMs), ...extra });
}

/**
 * A SampleCheck (src/store.ts) from a zod schema: the first issue's path and message. A sample the
 * compiled predicate (src/sample-check.ts) finds certainly valid is passed without zod's copy; any other
 * sample gets zod's verdict and message.
 */
export function schemaCheck(schema: z.ZodType): (sample: unknown) => SampleProblem | undefined {
  const certain = compileCheck(schema);
  return (sample) => {
    if (certain) {
      try {
        if (certain(sample)) return undefined;
      } catch {
        // a refinement threw: zod decides below
      }
    }
    const r = schema.safeParse(sample);
    if (r.success) return undefined;
    const i = r.error.issues[0]!;
    return { path: i.path.map((k) => (typeof k === 'symbol' ? String(k) : k)), message: i.message };
  };
}
