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
import { parseSmcDump } from './dump-format.ts';
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

export function parseSmc(input: string | Uint8Array, opts: SmcParserOptions = {}): Array<SmcSample | ParseError> {
  return safely('smc', () => {
    const { keys, errors } = parseSmcDump(input);
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
