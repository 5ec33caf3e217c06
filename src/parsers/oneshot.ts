/**
 * A parser for a one-shot output (an `ioreg` text): `push` buffers up to a bound, `end` parses the
 * whole text with `parse`. Never throws.
 */
import type { BaseSample, ParseError } from '../samples.ts';
import { parseError } from '../samples.ts';
import type { StreamParser } from './parser.ts';
import { safely } from './parser.ts';

/** A one-shot parser: `push` buffers (bounded), `end` parses. */
export function createOneShotParser<S extends BaseSample>(
  source: string,
  parse: (text: string) => Array<S | ParseError>,
  maxChars: number,
): StreamParser<S> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let text = '';
  let overflow = false;
  return {
    source,
    push(chunk) {
      return safely<S>(source, () => {
        if (overflow) return [];
        text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
        if (text.length > maxChars) {
          overflow = true;
          text = '';
          return [parseError(source, 'too_large', `${source} input longer than ${maxChars} characters`)];
        }
        return [];
      });
    },
    end() {
      return safely<S>(source, () => {
        if (overflow) return [];
        const all = text + decoder.decode();
        text = '';
        return parse(all);
      });
    },
  };
}

