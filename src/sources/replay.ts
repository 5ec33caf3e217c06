/**
 * Replay: sources fed from a capture folder instead of live tools, through the SAME parsers, at a
 * speed factor. The folder layout is defined in docs/replay.md (the `dump` command writes it):
 *
 *   manifest.json        chip, model, macOS, commands, timestamps, provenance, `composite`
 *   powermetrics.plist   a `powermetrics -f plist` stream (NUL-separated documents)
 *   iostat.txt           a streamed `iostat -d -w N` capture
 *   vm_stat.txt          one-shot `vm_stat` output      (replayed at each poll)
 *   sysctl.txt           one-shot `sysctl <names>` output (replayed at each poll)
 *   smc.txt              an SMC dump (iSMC raw format), handled by createSmcSource({ replayFile })
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
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log.ts';
import { createLogger } from '../log.ts';
import type { StreamParser } from '../parsers/parser.ts';
import { splitPair } from '../parsers/sysctl.ts';
import type { ParseError, Sample, SourceName } from '../samples.ts';
import { SOURCE_NAMES } from '../samples.ts';
import type { PollSource } from './poll.ts';
import { createPollSource } from './poll.ts';
import { alignedDelay } from './aligned.ts';
import { createSinkRelay } from './relay.ts';
import type { Source, SourceStatus } from './source.ts';

/** The file of each source in a replay folder. */
export const REPLAY_FILES: Record<SourceName, string> = {
  powermetrics: 'powermetrics.plist',
  iostat: 'iostat.txt',
  vm_stat: 'vm_stat.txt',
  sysctl: 'sysctl.txt',
  smc: 'smc.txt',
};

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
  sources: z.partialRecord(z.enum(SOURCE_NAMES), ReplaySourceInfo).default({}),
});
export type ReplayManifest = z.infer<typeof ReplayManifest>;

/** Read and validate `manifest.json`; a folder without one gets a minimal composite manifest. */
export function readManifest(dir: string): ReplayManifest {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return { format: 'silicon-agent-replay/1', composite: true, sources: {} };
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const r = ReplayManifest.safeParse(raw);
  if (!r.success) throw new Error(`${file}: not a replay manifest: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** Sources that have a file in the folder. */
export function replaySourcesIn(dir: string): SourceName[] {
  return SOURCE_NAMES.filter((n) => existsSync(join(dir, REPLAY_FILES[n])));
}

// ---------------------------------------------------------------------------------------------
// Timing units (framing belongs to the parsers; this only decides what to push when)

const PLIST_END = Buffer.from('</plist>');

/** One unit per plist document: cut after each `</plist>` and the newline after it. */
export function plistUnits(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const i = buf.indexOf(PLIST_END, start);
    if (i < 0) break;
    let end = i + PLIST_END.length;
    while (end < buf.length && (buf[end] === 0x0a || buf[end] === 0x0d)) end++;
    out.push(buf.subarray(start, end));
    start = end;
  }
  if (start < buf.length) out.push(buf.subarray(start));
  return out;
}

const DATA_ROW = /^\s*[-+]?\d/;

/** One unit per iostat data row, header lines travelling with the row after them. */
export function rowUnits(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0; // start of the unit being collected
  let pos = 0; // start of the next line
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const next = nl < 0 ? buf.length : nl + 1;
    const line = buf.subarray(pos, next).toString('latin1');
    pos = next;
    if (DATA_ROW.test(line)) {
      out.push(buf.subarray(start, pos));
      start = pos;
    }
  }
  if (start < buf.length) out.push(buf.subarray(start));
  return out;
}

/**
 * What `sysctl <names>` would have printed, from a capture of more (`sysctl hw` prints ~100 lines,
 * the live source asks for ~10 names and gets ~20 lines): `name: value` lines whose name is neither
 * one of `names` nor a leaf under one (a node such as `hw.perflevel0` prints its leaves) are left
 * out; a pair is what the sysctl parser calls one (splitPair). Every other line is kept byte for
 * byte, junk included, so a capture's bad lines still reach the parser; the kept lines keep their order.
 */
export function sysctlAsAsked(buf: Buffer, names: readonly string[]): Buffer {
  const asked = new Set(names);
  const keep: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const next = nl < 0 ? buf.length : nl + 1;
    const line = buf.subarray(pos, next);
    pos = next;
    let end = line.length;
    if (end > 0 && line[end - 1] === 0x0a) end--;
    if (end > 0 && line[end - 1] === 0x0d) end--;
    const pair = splitPair(line.toString('utf8', 0, end));
    if (pair) {
      const name = pair[0];
      let wanted = asked.has(name);
      for (let dot = name.lastIndexOf('.'); !wanted && dot > 0; dot = name.lastIndexOf('.', dot - 1)) wanted = asked.has(name.slice(0, dot));
      if (!wanted) continue;
    }
    keep.push(line);
  }
  return Buffer.concat(keep);
}

// ---------------------------------------------------------------------------------------------

export interface ReplayStreamOptions<S extends Sample = Sample> {
  name: SourceName;
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

export function createReplayStreamSource<S extends Sample>(opts: ReplayStreamOptions<S>): ReplayStreamSource {
  const log = (opts.logger ?? createLogger()).child({ source: opts.name, replay: opts.file });
  const periodMs = opts.intervalMs / (opts.speed ?? 1);
  const relay = createSinkRelay(opts.name, log);
  const setStatus = relay.setStatus;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let passes = 0;
  // One flag for the source's life: `running` is set by the first sample, not again on each pass.
  const run = { gotSample: false };
  const deliver = (results: Array<Sample | ParseError>) => relay.deliver(results, run);

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
      readFile(opts.file).then(
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

export interface ReplayPollOptions<S extends Sample = Sample> {
  name: SourceName;
  intervalMs: number;
  file: string;
  createParser: () => StreamParser<S>;
  speed?: number;
  /** Applied once to the file's bytes (e.g. sysctlAsAsked): what the live command would print. */
  transform?: (buf: Buffer) => Buffer;
  logger?: Logger;
}

/** A one-shot output (vm_stat, sysctl) replayed at each poll, every `intervalMs / speed`. */
export function createReplayPollSource<S extends Sample>(opts: ReplayPollOptions<S>): PollSource {
  let cached: Promise<Buffer> | undefined;
  return createPollSource({
    name: opts.name,
    intervalMs: opts.intervalMs / (opts.speed ?? 1),
    createParser: opts.createParser,
    ...(opts.logger ? { logger: opts.logger } : {}),
    read: async () => {
      try {
        return { stdout: await (cached ??= readFile(opts.file).then(opts.transform ?? ((b) => b))) };
      } catch (err) {
        return { unavailable: `cannot read replay file ${opts.file}: ${(err as Error).message}` };
      }
    },
  });
}
