/**
 * Replay: sources fed from a capture folder instead of live tools, through the SAME parsers, at a
 * speed factor. The folder layout is defined in docs/replay.md (the `dump` command writes it):
 * `manifest.json` (chip, model, macOS, commands, timestamps, provenance, `composite`) and one file
 * per source, named by its module (`replay.file`: powermetrics.plist, iostat.txt, vm_stat.txt, …).
 * Streams are played unit by unit; one-shot outputs are re-read at each poll.
 *
 * A missing file means that source is absent. Streams are cut into one unit per interval (a plist
 * document; an iostat data row with any header lines before it) and one unit is pushed every
 * `intervalMs / speed`, the first one at once, the others on the wall-clock grid of that period
 * (./aligned.ts), like the live polled sources. The cut is only timing: the parser receives every
 * byte in order and does its own framing. At the end of a stream the parser is ended (a cut-off
 * last document becomes its `truncated` error); with `loop` the stream starts again from the top
 * with a fresh parser (as a restarted child would), without it the source reports `stopped`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log.ts';
import { createLogger } from '../log.ts';
import type { StreamParser } from '../parsers/parser.ts';
import { packageRoot } from '../package-root.ts';
import type { BaseSample, ParseError } from '../samples.ts';
import type { PollContext, PollSource } from './poll.ts';
import { createPollSource } from './poll.ts';
import { alignedDelay } from './aligned.ts';
import { createSinkRelay } from './relay.ts';
import type { Source, SourceStatus } from './source.ts';

export const ReplaySourceInfo = z.looseObject({
  /** The exact command line that produced the file (or would have, for copied captures). */
  command: z.string().optional(),
  /** The tool's sampling interval in the capture (powermetrics -i, iostat -w × 1000). */
  intervalMs: z.number().positive().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  /** Where the file came from when it was copied, e.g. `fixtures/powermetrics/….plist`. */
  origin: z.string().optional(),
  /** The machine the file was captured on, when it differs from the folder's. */
  machine: z.string().optional(),
  note: z.string().optional(),
});
export type ReplaySourceInfo = z.infer<typeof ReplaySourceInfo>;

export const ReplayManifest = z.looseObject({
  format: z.literal('silicon-agent-replay/1'),
  name: z.string().optional(),
  /** `machdep.cpu.brand_string`, e.g. `Apple M2 Ultra`. */
  chip: z.string().optional(),
  /** `hw.model`, e.g. `Mac14,14`. */
  model: z.string().optional(),
  /** `kern.osproductversion` and `kern.osversion`. */
  macos: z.object({ productVersion: z.string().optional(), build: z.string().optional() }).optional(),
  /** true when the files come from different machines (copied fixtures), false for one `dump`. */
  composite: z.boolean(),
  createdAt: z.string().optional(),
  /** Tool that wrote the folder: `silicon-agent dump <version>` or `hand-assembled from fixtures`. */
  createdBy: z.string().optional(),
  note: z.string().optional(),
  /** Per source (by its module's name). */
  sources: z.record(z.string(), ReplaySourceInfo).default({}),
});
export type ReplayManifest = z.infer<typeof ReplayManifest>;

export const DEFAULT_REPLAY = 'm2-ultra';

/** The bundled replay folder used when live sources cannot run (not a Mac). */
export function defaultReplayDir(name: string = DEFAULT_REPLAY): string {
  return join(packageRoot(), 'fixtures', 'replay', name);
}

/** True where the live tools can exist. */
export function liveSupported(platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'darwin';
}

/** A manifest that cannot be read or is not one: names the file and what is wrong with it. */
export class ManifestError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'ManifestError';
    this.file = file;
  }
}

/**
 * The largest replay file read (the largest real capture is 3.5 MB; the agent's heap is capped at
 * 96 MiB). A bigger one makes its source unavailable, with the reason, instead of filling memory.
 */
export const MAX_REPLAY_FILE_BYTES = 32 * 1024 * 1024;

/** A replay file's bytes, refusing one larger than MAX_REPLAY_FILE_BYTES before reading it. */
export async function readReplayFile(file: string, max = MAX_REPLAY_FILE_BYTES): Promise<Buffer> {
  const st = await stat(file);
  if (!st.isFile()) throw new Error('not a regular file');
  if (st.size > max) throw new Error(`${st.size} bytes, more than the ${max}-byte limit for a replay file`);
  const buf = await readFile(file);
  // the file may have grown between stat and read
  if (buf.length > max) throw new Error(`more than the ${max}-byte limit for a replay file`);
  return buf;
}

/** The largest manifest.json read (a real one is about 2 KB). */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Read and validate `manifest.json`; a folder without one gets a minimal composite manifest. */
export function readManifest(dir: string): ReplayManifest {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return { format: 'silicon-agent-replay/1', composite: true, sources: {} };
  let text: string;
  try {
    const buf = readFileSync(file);
    if (buf.length > MAX_MANIFEST_BYTES) throw new ManifestError(file, `larger than ${MAX_MANIFEST_BYTES} bytes: not a replay manifest`);
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    throw new ManifestError(file, `cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(file, `not valid JSON: ${(err as Error).message}`);
  }
  const r = ReplayManifest.safeParse(raw);
  if (!r.success) throw new ManifestError(file, `not a replay manifest: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

// ---------------------------------------------------------------------------------------------

export interface ReplayStreamOptions<S extends BaseSample = BaseSample> {
  name: string;
  intervalMs: number;
  file: string;
  createParser: () => StreamParser<S>;
  units: (buf: Buffer) => Buffer[];
  /** Playback speed factor (2 = twice as fast). Default 1. */
  speed?: number;
  /** Start again from the top at the end. Default false. */
  loop?: boolean;
  logger?: Logger;
}

export interface ReplayStreamSource extends Source {
  readonly status: SourceStatus;
  /** Completed passes over the file. */
  readonly passes: number;
}

export function createReplayStreamSource<S extends BaseSample>(opts: ReplayStreamOptions<S>): ReplayStreamSource {
  const log = (opts.logger ?? createLogger()).child({ source: opts.name, replay: opts.file });
  const periodMs = opts.intervalMs / (opts.speed ?? 1);
  const relay = createSinkRelay(opts.name, log);
  const setStatus = relay.setStatus;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let passes = 0;
  // One flag for the source's life: `running` is set by the first sample, not again on each pass.
  const run = { gotSample: false };
  const deliver = (results: Array<BaseSample | ParseError>) => relay.deliver(results, run);

  const play = (units: Buffer[]) => {
    let parser = opts.createParser();
    let i = 0;
    const step = () => {
      timer = undefined;
      if (stopped) return;
      if (i < units.length) {
        deliver(parser.push(units[i++]!));
      }
      if (i >= units.length) {
        deliver(parser.end());
        passes++;
        if (!opts.loop) {
          setStatus({ state: 'stopped', reason: 'replay finished' });
          return;
        }
        parser = opts.createParser();
        i = 0;
      }
      timer = setTimeout(step, alignedDelay(periodMs));
    };
    step();
  };

  return {
    name: opts.name,
    intervalMs: opts.intervalMs,
    get status() {
      return relay.status;
    },
    get passes() {
      return passes;
    },
    start(s) {
      if (!stopped) return;
      relay.sink = s;
      stopped = false;
      setStatus({ state: 'starting' });
      readReplayFile(opts.file).then(
        (buf) => {
          if (stopped) return;
          const units = opts.units(buf);
          if (units.length === 0) {
            setStatus({ state: 'unavailable', reason: `replay file ${opts.file} is empty` });
            return;
          }
          play(units);
        },
        (err: Error) => {
          log.once(`${opts.name}:replay-read`, 'error', 'cannot read replay file', { err });
          setStatus({ state: 'unavailable', reason: `cannot read replay file ${opts.file}: ${err.message}` });
        },
      );
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      setStatus({ state: 'stopped' });
    },
  };
}

export interface ReplayPollOptions<S extends BaseSample = BaseSample> {
  name: string;
  intervalMs: number;
  file: string;
  createParser: (ctx: PollContext) => StreamParser<S>;
  speed?: number;
  /** Applied once to the file's bytes (e.g. sysctlAsAsked): what the live command would print. */
  transform?: (buf: Buffer) => Buffer;
  logger?: Logger;
}

/** A one-shot output (vm_stat, sysctl) replayed at each poll, every `intervalMs / speed`. */
export function createReplayPollSource<S extends BaseSample>(opts: ReplayPollOptions<S>): PollSource {
  let cached: Promise<Buffer> | undefined;
  return createPollSource({
    name: opts.name,
    intervalMs: opts.intervalMs / (opts.speed ?? 1),
    createParser: opts.createParser,
    weight: 'none',
    ...(opts.logger ? { logger: opts.logger } : {}),
    read: async () => {
      try {
        return { stdout: await (cached ??= readReplayFile(opts.file).then(opts.transform ?? ((b) => b))) };
      } catch (err) {
        return { unavailable: `cannot read replay file ${opts.file}: ${(err as Error).message}` };
      }
    },
  });
}
