/**
 * The SMC's parser: a key dump (iSMC `raw` format, or `smc dump --json`; ./dump-format.ts) in, one
 * SmcSample out, through the same interpretation a live read gets (./interpret.ts). Replay, `parse`
 * and a field report from a new chip all take this path. The dump's bad lines come first, as typed
 * errors in line order, then the sample the good keys make.
 */
import type { StreamParser } from '../../parsers/parser.ts';
import { safely } from '../../parsers/parser.ts';
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import { parseSmcDump, type SmcDumpResult } from './dump-format.ts';
import { interpretSmc } from './interpret.ts';
import type { SmcSample } from './sample.ts';

export interface SmcParserOptions {
  /** `hw.model` of the dumped Mac: a Mac Studio's 0 RPM fan reads unavailable. */
  hwModel?: string;
  /** Seconds since the previous reading (energy integration); none for a single dump. */
  intervalS?: number;
}

/** The largest dump accepted: a full M2 Max dump is ~60 KB; 4 MiB is far beyond any real SMC. */
export const MAX_SMC_DUMP_BYTES = 4 * 1024 * 1024;

/**
 * The last clean dump read from bytes, and its keys. A replay polls one dump file every interval, so
 * the same bytes come back each time: they are compared (a memcmp) and their keys, which nothing
 * modifies, are interpreted again without reading the text again — what a live read costs, where the
 * addon hands over the keys themselves. Only a dump without errors is kept; one at most.
 */
let lastDump: { bytes: Buffer; keys: SmcDumpResult['keys'] } | undefined;

function readDump(input: string | Uint8Array): SmcDumpResult {
  if (typeof input !== 'string' && lastDump && Buffer.compare(lastDump.bytes, input) === 0) return { keys: lastDump.keys, errors: [] };
  const r = parseSmcDump(input);
  lastDump = typeof input !== 'string' && r.errors.length === 0 && r.keys.length > 0 ? { bytes: Buffer.from(input), keys: r.keys } : undefined;
  return r;
}

export function parseSmc(input: string | Uint8Array, opts: SmcParserOptions = {}): Array<SmcSample | ParseError> {
  return safely('smc', () => {
    const { keys, errors } = readDump(input);
    const out: Array<SmcSample | ParseError> = [...errors];
    if (keys.length > 0)
      out.push(
        interpretSmc(keys, [], {
          ...(opts.hwModel !== undefined ? { hwModel: opts.hwModel } : {}),
          ...(opts.intervalS !== undefined ? { intervalS: opts.intervalS } : {}),
        }),
      );
    return out;
  });
}

export function createSmcParser(opts: SmcParserOptions = {}): StreamParser<SmcSample> {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  return {
    source: 'smc',
    push(chunk) {
      if (overflow) return [];
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
      size += b.length;
      if (size > MAX_SMC_DUMP_BYTES) {
        overflow = true;
        chunks.length = 0;
        return [parseError('smc', 'too_large', `SMC dump larger than ${MAX_SMC_DUMP_BYTES} bytes; not parsed`)];
      }
      chunks.push(b);
      return [];
    },
    end() {
      if (overflow) return [];
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      chunks.length = 0;
      return parseSmc(all, opts);
    },
  };
}
