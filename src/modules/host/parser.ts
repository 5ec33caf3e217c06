/**
 * Parser for a host capture (`host.jsonl`, written by `dump`): one `silicon-agent-host/1` facts object
 * per line (./facts.ts), each becoming one sample through the same function the live poll uses. Pure:
 * text in, HostSample / ParseError out, never throws.
 *
 * Errors: a line that is not JSON is `malformed`; a last line cut off without its newline that is not
 * JSON is `truncated`; a line longer than MAX_LINE_CHARS is `too_large` (and skipped to its end, never
 * buffered); a JSON value that is not a reading gets the error factsToSample gives it.
 */
import type { StreamParser } from '../../parsers/parser.ts';
import { safely } from '../../parsers/parser.ts';
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import type { FactsOptions } from './facts.ts';
import { factsToSample } from './facts.ts';
import type { HostSample } from './sample.ts';

/** 1024 CPUs of five times each print about 100 KB; four times that is no reading. */
export const MAX_LINE_CHARS = 400 * 1024;

type Result = HostSample | ParseError;

export function createHostParser(opts: FactsOptions = {}): StreamParser<HostSample> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let held = '';
  /** Inside a line already reported as too large: drop everything up to its newline. */
  let skipping = false;
  let lineNo = 0;

  const parseLine = (line: string, atEnd: boolean): Result[] => {
    lineNo++;
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim().length === 0) return [];
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      const kind = atEnd ? 'truncated' : 'malformed';
      const why = atEnd ? 'the last host reading is cut off' : `a host reading is not JSON: ${(e as Error).message.slice(0, 80)}`;
      return [parseError('host', kind, why, { line: lineNo })];
    }
    return factsToSample(raw, opts).map((r) => (r.type === 'error' ? { ...r, line: lineNo } : r));
  };

  const feed = (text: string): Result[] => {
    const out: Result[] = [];
    let pos = 0;
    while (pos < text.length) {
      const nl = text.indexOf('\n', pos);
      if (skipping) {
        if (nl < 0) return out;
        skipping = false;
        lineNo++;
        pos = nl + 1;
        continue;
      }
      if (nl < 0) {
        held += text.slice(pos);
        if (held.length > MAX_LINE_CHARS) {
          held = '';
          skipping = true;
          out.push(parseError('host', 'too_large', `a host reading longer than ${MAX_LINE_CHARS} characters`, { line: lineNo + 1 }));
        }
        return out;
      }
      const line = held + text.slice(pos, nl);
      held = '';
      pos = nl + 1;
      if (line.length > MAX_LINE_CHARS) {
        lineNo++;
        out.push(parseError('host', 'too_large', `a host reading longer than ${MAX_LINE_CHARS} characters`, { line: lineNo }));
        continue;
      }
      out.push(...parseLine(line, false));
    }
    return out;
  };

  return {
    source: 'host',
    push(chunk) {
      return safely<HostSample>('host', () => feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })));
    },
    end() {
      return safely<HostSample>('host', () => {
        const out = feed(decoder.decode());
        const last = held;
        held = '';
        skipping = false;
        if (last.length > 0) out.push(...parseLine(last, true));
        return out;
      });
    },
  };
}

/** Parse a whole capture at once. */
export function parseHost(text: string, opts: FactsOptions = {}): Result[] {
  const p = createHostParser(opts);
  return [...p.push(text), ...p.end()];
}

/** Replay units: one reading (a line with content, blank lines before it included) per interval; every byte kept. */
export function lineUnits(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let unit = 0;
  let content = false;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === 0x0a) {
      if (content) {
        out.push(buf.subarray(unit, i + 1));
        unit = i + 1;
        content = false;
      }
    } else if (b !== 0x20 && b !== 0x0d && b !== 0x09) content = true;
  }
  if (unit < buf.length) out.push(buf.subarray(unit));
  return out;
}
