/**
 * A sample schema compiled into a plain predicate for the store's door (every sample of every source,
 * every interval, for months). zod's `safeParse` builds a full copy of the sample on every call (it
 * strips unknown keys into new objects and arrays), which made the checks of ten sources a visible
 * share of the agent's steady CPU and of its garbage: docs/benchmarks.md, "Every source on".
 *
 * The predicate answers only "certainly valid". It walks the schema's definition once (`_zod.def`,
 * zod 4's public introspection) and supports what the sample schemas use: objects (unknown keys
 * ignored, as zod strips them), arrays, records, numbers (finite; int, min/max, positive,
 * nonnegative), strings (exact, min and max length, regex), booleans, literals, enums, optional,
 * nullable, and `refine` on any of them. Anything else — another check or type, a catch-all, a
 * transform — makes `compileCheck` return undefined, and the caller uses zod alone.
 *
 * Soundness is one-sided on purpose: when the predicate says false (or meets anything unusual: a
 * symbol key, an array where an object belongs) the caller asks zod, whose verdict and
 * message are final. So the predicate can never let through a sample zod would refuse, provided its
 * "true" implies zod's success — which test/sample-check.test.ts checks against zod on every
 * module's samples from the real captures and on thousands of mutations of them.
 */
import type { z } from 'zod';

type Pred = (v: unknown) => boolean;

/** The parts of zod 4's definitions read here (zod/v4/core). */
interface Def {
  type: string;
  checks?: Array<{ _zod: { def: CheckDef } }>;
  shape?: Record<string, Schema>;
  catchall?: unknown;
  element?: Schema;
  innerType?: Schema;
  keyType?: Schema;
  valueType?: Schema;
  partial?: boolean;
  values?: readonly unknown[];
  entries?: Record<string, unknown>;
}
interface CheckDef {
  check: string;
  when?: unknown;
  value?: unknown;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
  length?: number;
  minimum?: number;
  maximum?: number;
  fn?: (v: unknown) => unknown;
}
interface Schema {
  _zod: { def: Def; optin?: string; values?: ReadonlySet<unknown> };
}

class Unsupported extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every check of a number, string or array, as predicates on the already type-checked value. */
function checksOf(def: Def, kind: 'number' | 'string' | 'array' | 'other'): Pred[] {
  const out: Pred[] = [];
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'custom' && typeof d.fn === 'function' && d.when === undefined) {
      const fn = d.fn;
      out.push((v) => {
        const r = fn(v);
        if (r instanceof Promise) throw new Unsupported('async refinement');
        return Boolean(r);
      });
      continue;
    }
    if (kind === 'number') {
      if (d.check === 'number_format' && d.format === 'safeint') out.push((v) => Number.isSafeInteger(v));
      else if (d.check === 'greater_than' && typeof d.value === 'number') {
        const x = d.value;
        out.push(d.inclusive ? (v) => (v as number) >= x : (v) => (v as number) > x);
      } else if (d.check === 'less_than' && typeof d.value === 'number') {
        const x = d.value;
        out.push(d.inclusive ? (v) => (v as number) <= x : (v) => (v as number) < x);
      } else throw new Unsupported(`number check ${d.check}`);
    } else if (kind === 'string' || kind === 'array') {
      const len = (v: unknown) => (v as { length: number }).length;
      if (d.check === 'length_equals' && typeof d.length === 'number') {
        const n = d.length;
        out.push((v) => len(v) === n);
      } else if (d.check === 'min_length' && typeof d.minimum === 'number') {
        const n = d.minimum;
        out.push((v) => len(v) >= n);
      } else if (d.check === 'max_length' && typeof d.maximum === 'number') {
        const n = d.maximum;
        out.push((v) => len(v) <= n);
      } else if (kind === 'string' && d.check === 'string_format' && d.format === 'regex' && d.pattern instanceof RegExp) {
        const re = d.pattern;
        out.push((v) => {
          re.lastIndex = 0;
          return re.test(v as string);
        });
      } else throw new Unsupported(`${kind} check ${d.check}`);
    } else throw new Unsupported(`check ${d.check} on ${def.type}`);
  }
  return out;
}

const all = (preds: Pred[]): Pred | undefined =>
  preds.length === 0
    ? undefined
    : (v) => {
        for (let i = 0; i < preds.length; i++) if (!preds[i]!(v)) return false;
        return true;
      };

function compile(schema: Schema): Pred {
  const def = schema._zod.def;
  switch (def.type) {
    case 'number': {
      const c = all(checksOf(def, 'number'));
      return c ? (v) => typeof v === 'number' && Number.isFinite(v) && c(v) : (v) => typeof v === 'number' && Number.isFinite(v);
    }
    case 'string': {
      const c = all(checksOf(def, 'string'));
      return c ? (v) => typeof v === 'string' && c(v) : (v) => typeof v === 'string';
    }
    case 'boolean':
      checksOf(def, 'other');
      return (v) => typeof v === 'boolean';
    case 'literal': {
      checksOf(def, 'other');
      const values = def.values ?? [];
      if (!values.every((x) => typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x)))) throw new Unsupported('literal value');
      return (v) => values.includes(v);
    }
    case 'enum': {
      checksOf(def, 'other');
      const values = new Set(Object.values(def.entries ?? {}));
      for (const x of values) if (typeof x !== 'string') throw new Unsupported('non-string enum');
      return (v) => typeof v === 'string' && values.has(v);
    }
    case 'optional':
    case 'nullable': {
      checksOf(def, 'other');
      if (!def.innerType) throw new Unsupported(def.type);
      const inner = compile(def.innerType);
      const empty = def.type === 'optional' ? undefined : null;
      return (v) => v === empty || inner(v);
    }
    case 'array': {
      if (!def.element) throw new Unsupported('array');
      const el = compile(def.element);
      const c = all(checksOf(def, 'array'));
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!(i in v) || !el(v[i])) return false;
        return c ? c(v) : true;
      };
    }
    case 'object': {
      if (def.catchall !== undefined || !def.shape) throw new Unsupported('object catch-all');
      const fields = Object.entries(def.shape).map(([key, s]) => ({ key, optional: s._zod.optin === 'optional', pred: compile(s) }));
      if (fields.some((f) => f.key === '__proto__')) throw new Unsupported('__proto__ field');
      const c = all(checksOf(def, 'other'));
      return (v) => {
        if (!isObject(v)) return false;
        for (let i = 0; i < fields.length; i++) {
          const f = fields[i]!;
          const x = v[f.key];
          if (x === undefined ? !f.optional : !f.pred(x)) return false;
        }
        return c ? c(v) : true;
      };
    }
    case 'record': {
      if (!def.keyType || !def.valueType) throw new Unsupported('record');
      // A record over an enum's keys that is not partial needs every key present: not supported.
      if (def.keyType._zod.values && !def.partial) throw new Unsupported('exhaustive record');
      const key = compile(def.keyType);
      const value = compile(def.valueType);
      const c = all(checksOf(def, 'other'));
      return (v) => {
        if (!isObject(v)) return false;
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) return false;
        // Symbol keys or an own `__proto__`: zod decides. Non-enumerable keys are skipped, as zod skips them.
        if (Object.getOwnPropertySymbols(v).length > 0) return false;
        const keys = Object.keys(v);
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          if (k === '__proto__' || !key(k) || !value(v[k])) return false;
        }
        return c ? c(v) : true;
      };
    }
    default:
      throw new Unsupported(def.type);
  }
}

/**
 * The schema's "certainly valid" predicate (see the file comment), or undefined when the schema uses
 * something this compiler does not support (then zod alone checks). A predicate that throws (a
 * refinement that throws) is treated as "not certain" by `schemaCheck`, which then asks zod.
 */
export function compileCheck(schema: z.ZodType): ((v: unknown) => boolean) | undefined {
  try {
    return compile(schema as unknown as Schema);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}
