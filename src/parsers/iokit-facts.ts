/**
 * The native registry reader's output (native/iokit_registry.cc, `readRegistry`) checked and converted
 * into the ioreg parser's entries (./ioreg.ts), so the text path and the native path are interpreted
 * by one piece of code. Pure, never throws; untrusted input: every shape is checked, and the same
 * bounds as the text parser apply (entries, nesting, values, string size).
 *
 * The facts:  { ok: true, entries: [{ className, name, id?, properties: {…}, children?: [entry…] }] }
 *          or { ok: false, error: "why" }
 * Property values as the addon gives them: string, number, bigint (integers past 2^53), boolean,
 * Uint8Array (CFData), arrays, plain objects (CFDictionary).
 */
import type { BaseSample, ParseError } from '../samples.ts';
import { parseError } from '../samples.ts';
import type { IoregDict, IoregEntry, IoregParse, IoregValue } from './ioreg.ts';
import { IOREG_LIMITS, ioregErrors, newDict } from './ioreg.ts';

class FactsError extends Error {}

export interface FactsResult extends IoregParse {
  /** The reader said it could not read (`ok: false`): its reason. */
  readerError?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

function convert(v: unknown, depth: number, budget: { values: number }): IoregValue {
  if (depth > IOREG_LIMITS.nesting) throw new FactsError(`values nested deeper than ${IOREG_LIMITS.nesting}`);
  if (--budget.values < 0) throw new FactsError(`more than ${IOREG_LIMITS.values} values`);
  switch (typeof v) {
    case 'string':
      if (v.length > IOREG_LIMITS.stringChars) throw new FactsError(`a string longer than ${IOREG_LIMITS.stringChars} characters`);
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw new FactsError('a non-finite number');
      return v;
    case 'bigint':
    case 'boolean':
      return v;
    default:
  }
  if (v instanceof Uint8Array) {
    if (v.length > IOREG_LIMITS.stringChars) throw new FactsError('data longer than the string limit');
    return new Uint8Array(v);
  }
  if (Array.isArray(v)) {
    const out: IoregValue[] = [];
    for (let i = 0; i < v.length; i++) out.push(convert(v[i], depth + 1, budget));
    return out;
  }
  if (isObject(v)) return dict(v, depth + 1, budget);
  throw new FactsError(`a value of type ${v === null ? 'null' : typeof v}`);
}

function dict(v: Record<string, unknown>, depth: number, budget: { values: number }): IoregDict {
  const out = newDict();
  for (const k of Object.keys(v)) {
    if (k.length > IOREG_LIMITS.stringChars) throw new FactsError('a key longer than the string limit');
    out[k] = convert(v[k], depth, budget);
  }
  return out;
}

/** Check and convert the reader's facts. Never throws. */
export function factsToEntries(facts: unknown): FactsResult {
  const out: FactsResult = { entries: [], problems: [], moreProblems: 0 };
  const problem = (message: string): void => {
    if (out.problems.length >= IOREG_LIMITS.problems) out.moreProblems++;
    else out.problems.push({ kind: 'malformed', message });
  };
  try {
    if (!isObject(facts)) {
      problem('registry facts: not an object');
      return out;
    }
    if (facts['ok'] !== true) {
      out.readerError = typeof facts['error'] === 'string' ? facts['error'].slice(0, 300) : 'the registry reader failed';
      return out;
    }
    const list = facts['entries'];
    if (!Array.isArray(list)) {
      problem('registry facts: no entries list');
      return out;
    }
    const budget = { values: IOREG_LIMITS.values };
    const add = (raw: unknown, depth: number, parent: number | undefined): void => {
      if (out.entries.length >= IOREG_LIMITS.entries) {
        problem(`more than ${IOREG_LIMITS.entries} registry entries`);
        return;
      }
      if (!isObject(raw) || typeof raw['className'] !== 'string' || !isObject(raw['properties'])) {
        problem('registry facts: an entry without className or properties');
        return;
      }
      let properties: IoregDict;
      try {
        properties = dict(raw['properties'], 1, budget);
      } catch (err) {
        problem(`registry entry ${raw['className'].slice(0, 60)}: ${(err as Error).message}`);
        return;
      }
      const id = raw['id'];
      const entry: IoregEntry = {
        name: typeof raw['name'] === 'string' ? raw['name'].slice(0, 256) : '',
        className: raw['className'].slice(0, 256),
        ...(typeof id === 'string' ? { id: id.slice(0, 32) } : typeof id === 'number' || typeof id === 'bigint' ? { id: `0x${id.toString(16)}` } : {}),
        depth,
        ...(parent !== undefined ? { parent } : {}),
        properties,
      };
      const index = out.entries.length;
      out.entries.push(entry);
      const children = raw['children'];
      if (children === undefined) return;
      if (!Array.isArray(children) || depth >= 1) {
        problem('registry facts: children that are not a list of entries one level down');
        return;
      }
      for (const c of children) add(c, depth + 1, index);
    };
    for (const raw of list) add(raw, 0, undefined);
  } catch (err) {
    problem(`registry facts: ${(err as Error)?.message ?? String(err)}`);
  }
  return out;
}

/**
 * The addon's facts → a source's results, through the same interpretation as ioreg's text: the
 * reader's own error as one typed error, the conversion's problems, then the sample if any.
 */
export function interpretFacts<S extends BaseSample>(
  source: string,
  facts: unknown,
  interpret: (entries: readonly IoregEntry[], errors: ParseError[]) => S | undefined,
): Array<S | ParseError> {
  const r = factsToEntries(facts);
  if (r.readerError !== undefined) return [parseError(source, 'empty', `IOKit registry: ${r.readerError}`)];
  const errors = ioregErrors(source, r);
  const s = interpret(r.entries, errors);
  return s ? [...errors, s] : errors;
}
