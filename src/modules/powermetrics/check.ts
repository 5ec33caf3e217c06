/**
 * The `PowermetricsSample` schema of src/samples.ts, checked by hand: the powermetrics parser's
 * last check before a sample is emitted, once per sample on the agent's hot path. zod's safeParse
 * of a 24-CPU sample allocated about 90 KB (it builds a stripped copy) and was a tenth of the
 * agent's garbage at 1 Hz (docs/benchmarks.md); this walks the sample and allocates nothing unless
 * it finds a problem.
 *
 * It must accept exactly what the zod schema accepts (zod 4 semantics: numbers are finite, `.int()`
 * is a safe integer, an object is any non-null non-array object, optional means absent or
 * undefined, unknown keys are allowed). test/modules/powermetrics/check.test.ts holds the two to the
 * same verdict on every real capture and on generated and mutated samples. The zod schema stays the
 * contract (tests, docs); change both together.
 */
import { THERMAL_PRESSURE_LEVELS } from './sample.ts';

/** Where the first problem is (dotted path, as zod prints it) and what it is. */
export interface SchemaProblem {
  path: string;
  message: string;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const THERMAL_LEVELS: ReadonlySet<string> = new Set([...THERMAL_PRESSURE_LEVELS, 'unknown']);

// Each check returns the problem's message, or undefined when the value is fine.
function number(v: unknown): string | undefined {
  return finite(v) ? undefined : 'expected a finite number';
}
function nonneg(v: unknown): string | undefined {
  return !finite(v) ? 'expected a finite number' : v >= 0 ? undefined : 'expected a number >= 0';
}
function positive(v: unknown): string | undefined {
  return !finite(v) ? 'expected a finite number' : v > 0 ? undefined : 'expected a number > 0';
}
function nonnegInt(v: unknown): string | undefined {
  return !Number.isSafeInteger(v) ? 'expected an integer' : (v as number) >= 0 ? undefined : 'expected an integer >= 0';
}
function positiveInt(v: unknown): string | undefined {
  return !Number.isSafeInteger(v) ? 'expected an integer' : (v as number) > 0 ? undefined : 'expected an integer > 0';
}
function ratio(v: unknown): string | undefined {
  return !finite(v) ? 'expected a finite number' : v >= 0 && v <= 1 ? undefined : 'expected a number in [0, 1]';
}
function string(v: unknown): string | undefined {
  return typeof v === 'string' ? undefined : 'expected a string';
}
/** One capital letter: /^[A-Z]$/, by character code (no regex call per CPU). */
function kind(v: unknown): string | undefined {
  if (typeof v !== 'string') return 'expected a string';
  const c = v.charCodeAt(0);
  return v.length === 1 && c >= 65 && c <= 90 ? undefined : 'expected one capital letter';
}
function boolean(v: unknown): string | undefined {
  return typeof v === 'boolean' ? undefined : 'expected a boolean';
}

type Check = (v: unknown) => string | undefined;
/** Field, check, and whether the field may be absent (or undefined). */
type Shape = ReadonlyArray<readonly [field: string, check: Check, optional?: 'optional']>;

function rail(v: unknown): SchemaProblem | undefined {
  return shape(v, RAIL);
}
const RAIL: Shape = [
  ['powerW', number],
  ['energyJ', number],
  ['reportedPowerW', number, 'optional'],
];
const CPU: Shape = [
  ['cpu', nonnegInt],
  ['cluster', string],
  ['kind', kind],
  ['die', nonnegInt],
  ['freqHz', nonneg],
  ['activeRatio', ratio],
  ['idleRatio', ratio],
  ['downRatio', ratio, 'optional'],
];
const CLUSTER: Shape = [
  ['name', string],
  ['kind', kind],
  ['index', nonnegInt],
  ['die', nonnegInt],
  ['freqHz', nonneg],
  ['activeRatio', ratio],
  ['activeFrom', (v) => (v === 'cluster' || v === 'cpus' ? undefined : 'expected "cluster" or "cpus"')],
  ['onlineRatio', ratio, 'optional'],
  ['maxDvfsFreqHz', nonneg, 'optional'],
];

/** The first problem of `v` against a flat shape, with its path relative to `v`. */
function shape(v: unknown, s: Shape): SchemaProblem | undefined {
  if (!isObj(v)) return { path: '', message: 'expected an object' };
  // Indexed, not `for (const [field, check] of s)`: until V8 optimizes this function (minutes at
  // 1 Hz), each destructuring step allocates iterator objects, ~40 KB per 24-CPU sample.
  for (let i = 0; i < s.length; i++) {
    const entry = s[i]!;
    const field = entry[0];
    const x = v[field];
    if (x === undefined && entry[2]) continue;
    const m = entry[1](x);
    if (m !== undefined) return { path: field, message: m };
  }
  return undefined;
}

// The per-CPU, per-cluster and per-usage checks below are `shape(v, CPU)`, `shape(v, CLUSTER)` and
// `shape(v, USAGE)` written out with named property reads, in the same order with the same messages
// (test/modules/powermetrics/check.test.ts holds them to the shapes): a sample has 8–24 CPUs and up to
// 43 usages, and `shape`'s keyed reads and indirect calls were most of the check's cost.

function cpuProblem(v: unknown): SchemaProblem | undefined {
  if (!isObj(v)) return { path: '', message: 'expected an object' };
  let m: string | undefined;
  if ((m = nonnegInt(v.cpu)) !== undefined) return { path: 'cpu', message: m };
  if ((m = string(v.cluster)) !== undefined) return { path: 'cluster', message: m };
  if ((m = kind(v.kind)) !== undefined) return { path: 'kind', message: m };
  if ((m = nonnegInt(v.die)) !== undefined) return { path: 'die', message: m };
  if ((m = nonneg(v.freqHz)) !== undefined) return { path: 'freqHz', message: m };
  if ((m = ratio(v.activeRatio)) !== undefined) return { path: 'activeRatio', message: m };
  if ((m = ratio(v.idleRatio)) !== undefined) return { path: 'idleRatio', message: m };
  const d = v.downRatio;
  if (d !== undefined && (m = ratio(d)) !== undefined) return { path: 'downRatio', message: m };
  return undefined;
}

function clusterProblem(v: unknown): SchemaProblem | undefined {
  if (!isObj(v)) return { path: '', message: 'expected an object' };
  let m: string | undefined;
  if ((m = string(v.name)) !== undefined) return { path: 'name', message: m };
  if ((m = kind(v.kind)) !== undefined) return { path: 'kind', message: m };
  if ((m = nonnegInt(v.index)) !== undefined) return { path: 'index', message: m };
  if ((m = nonnegInt(v.die)) !== undefined) return { path: 'die', message: m };
  if ((m = nonneg(v.freqHz)) !== undefined) return { path: 'freqHz', message: m };
  if ((m = ratio(v.activeRatio)) !== undefined) return { path: 'activeRatio', message: m };
  const from = v.activeFrom;
  if (from !== 'cluster' && from !== 'cpus') return { path: 'activeFrom', message: 'expected "cluster" or "cpus"' };
  const o = v.onlineRatio;
  if (o !== undefined && (m = ratio(o)) !== undefined) return { path: 'onlineRatio', message: m };
  const f = v.maxDvfsFreqHz;
  if (f !== undefined && (m = nonneg(f)) !== undefined) return { path: 'maxDvfsFreqHz', message: m };
  return undefined;
}

function usageProblem(v: unknown): SchemaProblem | undefined {
  if (!isObj(v)) return { path: '', message: 'expected an object' };
  let m: string | undefined;
  if ((m = nonneg(v.cpuTimeS)) !== undefined) return { path: 'cpuTimeS', message: m };
  const g = v.gpuTimeS;
  if (g !== undefined && (m = nonneg(g)) !== undefined) return { path: 'gpuTimeS', message: m };
  const e = v.energyImpact;
  if (e !== undefined && (m = nonneg(e)) !== undefined) return { path: 'energyImpact', message: m };
  if ((m = nonneg(v.diskReadBytes)) !== undefined) return { path: 'diskReadBytes', message: m };
  if ((m = nonneg(v.diskWriteBytes)) !== undefined) return { path: 'diskWriteBytes', message: m };
  const rx = v.netRxBytes;
  if (rx !== undefined && (m = nonneg(rx)) !== undefined) return { path: 'netRxBytes', message: m };
  const tx = v.netTxBytes;
  if (tx !== undefined && (m = nonneg(tx)) !== undefined) return { path: 'netTxBytes', message: m };
  return undefined;
}

/** The written-out checks, for the test that holds them to the shapes. */
export const SPECIALISED = { cpu: [cpuProblem, () => CPU], cluster: [clusterProblem, () => CLUSTER], usage: [usageProblem, () => USAGE] } as const;
export { shape as shapeProblem };

function at(prefix: string, p: SchemaProblem | undefined): SchemaProblem | undefined {
  return p && { path: p.path === '' ? prefix : `${prefix}.${p.path}`, message: p.message };
}

/** The first way `s` fails the PowermetricsSample schema, or undefined when it passes. */
export function powermetricsSampleProblem(s: unknown): SchemaProblem | undefined {
  if (!isObj(s)) return { path: '', message: 'expected an object' };
  if (s.type !== 'powermetrics') return { path: 'type', message: 'expected "powermetrics"' };
  const top = shape(s, TOP);
  if (top) return top;
  for (let i = 0; i < RAILS.length; i++) {
    const r = RAILS[i]!;
    if (s[r] === undefined) continue;
    const p = at(r, rail(s[r]));
    if (p) return p;
  }
  const clusters = s.clusters;
  if (!Array.isArray(clusters)) return { path: 'clusters', message: 'expected an array' };
  for (let i = 0; i < clusters.length; i++) {
    const c: unknown = clusters[i];
    // The path prefix is built only when there is a problem (this runs per cluster, CPU and app series per sample).
    const p = clusterProblem(c);
    if (p) return at(`clusters.${i}`, p);
    const cpus = (c as Obj).cpus;
    if (!Array.isArray(cpus)) return { path: `clusters.${i}.cpus`, message: 'expected an array' };
    for (let j = 0; j < cpus.length; j++) {
      const m = nonnegInt(cpus[j]);
      if (m !== undefined) return { path: `clusters.${i}.cpus.${j}`, message: m };
    }
  }
  const cpus = s.cpus;
  if (!Array.isArray(cpus)) return { path: 'cpus', message: 'expected an array' };
  for (let i = 0; i < cpus.length; i++) {
    const p = cpuProblem(cpus[i]);
    if (p) return at(`cpus.${i}`, p);
  }
  const apps = s.apps;
  if (apps !== undefined) {
    const p = appsProblem(apps);
    if (p) return at('apps', p);
  }
  const th = s.thermalPressure;
  if (th !== undefined) {
    if (!isObj(th)) return { path: 'thermalPressure', message: 'expected an object' };
    if (typeof th.level !== 'string' || !THERMAL_LEVELS.has(th.level))
      return { path: 'thermalPressure.level', message: 'expected a known thermal pressure level or "unknown"' };
    if (typeof th.raw !== 'string') return { path: 'thermalPressure.raw', message: 'expected a string' };
  }
  return undefined;
}

const USAGE: Shape = [
  ['cpuTimeS', nonneg],
  ['gpuTimeS', nonneg, 'optional'],
  ['energyImpact', nonneg, 'optional'],
  ['diskReadBytes', nonneg],
  ['diskWriteBytes', nonneg],
  ['netRxBytes', nonneg, 'optional'],
  ['netTxBytes', nonneg, 'optional'],
];
const APPS: Shape = [
  ['by', (v) => (v === 'coalition' || v === 'process' ? undefined : 'expected "coalition" or "process"')],
  ['ranking', (v) => (v === 'energy_impact' || v === 'cpu_time' ? undefined : 'expected "energy_impact" or "cpu_time"')],
  ['count', nonnegInt],
  ['membershipChanges', nonnegInt],
];
const SERIES: Shape = [
  ['name', string],
  ['other', boolean],
  ['absent', nonnegInt],
];

function appsProblem(a: unknown): SchemaProblem | undefined {
  const top = shape(a, APPS);
  if (top) return top;
  const o = a as Obj;
  const wt = at('windowTotal', usageProblem(o.windowTotal));
  if (wt) return wt;
  const series = o.series;
  if (!Array.isArray(series)) return { path: 'series', message: 'expected an array' };
  for (let i = 0; i < series.length; i++) {
    const x: unknown = series[i];
    const p = shape(x, SERIES);
    if (p) return at(`series.${i}`, p);
    const w = usageProblem((x as Obj).window);
    if (w) return at(`series.${i}.window`, w);
    const t = usageProblem((x as Obj).total);
    if (t) return at(`series.${i}.total`, t);
  }
  return undefined;
}

const RAILS = ['cpu', 'gpu', 'ane', 'combined'] as const;
const TOP: Shape = [
  ['timestamp', string, 'optional'],
  ['elapsedS', positive],
  ['isDelta', boolean, 'optional'],
  ['hwModel', string, 'optional'],
  ['osBuild', string, 'optional'],
  ['bootTimeS', number, 'optional'],
  ['gpuFreqHz', nonneg, 'optional'],
  ['gpuActiveRatio', ratio, 'optional'],
  ['gpuMaxDvfsFreqHz', nonneg, 'optional'],
  ['dies', positiveInt],
];
