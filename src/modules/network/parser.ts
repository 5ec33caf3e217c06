/**
 * The network parser (pure, never throws): `netstat -i -b -d -n` text (./netstat.ts) or the addon's
 * facts as JSON (./facts.ts, what `dump` writes when the addon reads), buffered and read at `end`
 * into ONE sample of the selected interfaces (./select.ts). The selection is the configured one, so
 * a replay exports what the live agent would.
 */
import type { StreamParser } from '../../parsers/parser.ts';
import { safely } from '../../parsers/parser.ts';
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import { readIfmibFacts } from './facts.ts';
import type { InterfacesRead } from './netstat.ts';
import { parseNetstat } from './netstat.ts';
import type { NetworkSample } from './sample.ts';
import { MAX_INTERFACES } from './sample.ts';
import type { NetworkSelection } from './select.ts';
import { DEFAULT_SELECTION, selectInterfaces } from './select.ts';

export const MAX_INPUT_CHARS = 1024 * 1024;

/** Interfaces read (by either reader) into the sample and its errors. */
export function toSample(read: InterfacesRead, reader: NetworkSample['reader'], sel: NetworkSelection): Array<NetworkSample | ParseError> {
  if (read.interfaces.length === 0) {
    if (read.errors.length === 0) return [parseError('network', 'empty', 'no interfaces read')];
    return read.errors;
  }
  const sample: NetworkSample = {
    type: 'network',
    reader,
    interfaces: selectInterfaces(read.interfaces, sel),
    maxInterfaces: Math.max(1, Math.min(MAX_INTERFACES, Math.floor(sel.maxInterfaces))),
    seen: read.interfaces.length,
  };
  return [...read.errors, sample];
}

/** One whole output (netstat text or facts JSON). Never throws. */
export function parseNetwork(text: string, sel: NetworkSelection = DEFAULT_SELECTION): Array<NetworkSample | ParseError> {
  return safely<NetworkSample>('network', () => {
    if (text.length > MAX_INPUT_CHARS) return [parseError('network', 'too_large', `network input longer than ${MAX_INPUT_CHARS} characters`)];
    const head = text.trimStart();
    if (head === '') return [parseError('network', 'empty', 'no network output')];
    if (head.startsWith('{')) {
      let facts: unknown;
      try {
        facts = JSON.parse(text);
      } catch (e) {
        return [parseError('network', head.length > 0 && !text.trimEnd().endsWith('}') ? 'truncated' : 'malformed', `facts JSON: ${(e as Error).message.slice(0, 120)}`)];
      }
      return toSample(readIfmibFacts(facts), 'ifmib', sel);
    }
    const read = parseNetstat(text);
    if (!read.recognised && read.errors.length === 0) return [parseError('network', 'unknown_layout', 'no netstat -i header')];
    return toSample(read, 'netstat', sel);
  });
}

/** The addon's facts object (the live in-process read) into results. Never throws. */
export function interpretFacts(facts: unknown, sel: NetworkSelection = DEFAULT_SELECTION): Array<NetworkSample | ParseError> {
  return safely<NetworkSample>('network', () => toSample(readIfmibFacts(facts), 'ifmib', sel));
}

export function createNetworkParser(sel: NetworkSelection = DEFAULT_SELECTION): StreamParser<NetworkSample> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let text = '';
  let overflow = false;
  return {
    source: 'network',
    push(chunk) {
      return safely<NetworkSample>('network', () => {
        if (overflow) return [];
        text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
        if (text.length > MAX_INPUT_CHARS) {
          overflow = true;
          text = '';
          return [parseError('network', 'too_large', `network input longer than ${MAX_INPUT_CHARS} characters`)];
        }
        return [];
      });
    },
    end() {
      return safely<NetworkSample>('network', () => {
        if (overflow) return [];
        const all = text + decoder.decode();
        text = '';
        return parseNetwork(all, sel);
      });
    },
  };
}
