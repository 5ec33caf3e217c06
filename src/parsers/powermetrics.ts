/**
 * powermetrics `-f plist` stream → PowermetricsSample. Pure: bytes in, samples and typed errors out.
 *
 * Framing (reference §1.3): each document runs from `<?xml` to `</plist>`; the NUL separator is
 * written *before* the next document, so a document is emitted as soon as its `</plist>` arrives,
 * never when the next NUL comes (that would lag one interval). Framing works on bytes (chunks can
 * split anywhere, even inside a multi-byte UTF-8 character); each complete document is decoded
 * once and scanned by ./plist.ts with a projection of the keys we read.
 *
 * Mapping (reference §1.4–1.7): mJ → J, mW → W, `gpu.freq_hz` is MHz (→ Hz), `dvfm_states[].freq`
 * is MHz, cluster/CPU `freq_hz` are Hz. Every key is treated as optional: a missing sampler section
 * (e.g. a battery-only capture has no `processor`) is not an error, but a present section with a
 * missing or unusable value gives a typed error next to the sample, which keeps what is known.
 */
import type { ParseError, ClusterSample, CpuSample, PowermetricsSample, RailSample } from '../samples.ts';
import { parseError, THERMAL_PRESSURE_LEVELS } from '../samples.ts';
import { powermetricsSampleProblem } from './powermetrics-check.ts';
import type { StreamParser } from './parser.ts';
import { safely } from './parser.ts';
import type { PlistDict, PlistSelect, PlistValue } from './plist.ts';
import { parsePlist, PlistDate } from './plist.ts';

type Result = PowermetricsSample | ParseError;

/**
 * The keys the agent reads. Everything else (tasks, coalitions, all_tasks, network, disk,
 * interrupts, battery, per-CPU dvfm_states, GPU sw states…) is skipped by the scanner unparsed.
 */
export const POWERMETRICS_SELECT: PlistSelect = {
  is_delta: true,
  elapsed_ns: true,
  hw_model: true,
  kern_osversion: true,
  kern_boottime: true,
  timestamp: true,
  thermal_pressure: true,
  processor: {
    clusters: [
      {
        name: true,
        freq_hz: true,
        idle_ratio: true,
        down_ratio: true,
        online_ratio: true,
        dvfm_states: [{ freq: true }],
        cpus: [{ cpu: true, freq_hz: true, idle_ratio: true, down_ratio: true }],
      },
    ],
    cpu_energy: true,
    cpu_power: true,
    gpu_energy: true,
    gpu_power: true,
    ane_energy: true,
    ane_power: true,
    combined_power: true,
  },
  gpu: { freq_hz: true, idle_ratio: true, dvfm_states: [{ freq: true }] },
};

export interface PowermetricsOptions {
  /**
   * Where cluster activity comes from. `auto` (default): per-CPU mean on M3-class machines
   * (hw_model `Mac15,*`, see `clusterActivityUnreliable`), the cluster's own idle/down ratios
   * elsewhere. `cluster` / `cpus` force one rule.
   */
  clusterActive?: 'auto' | 'cluster' | 'cpus';
  /** Cap on bytes held while waiting for `</plist>` (default 8 MiB); beyond it: `malformed`, resync. */
  maxDocumentBytes?: number;
  /**
   * Check each sample against the PowermetricsSample schema before emitting it (default true). The
   * mapping already produces valid samples by construction; this is the safety net. It is the
   * hand-written equivalent of the zod schema (./powermetrics-check.ts, held to zod's verdict by
   * its test), which allocates nothing on the agent's per-sample path.
   */
  validate?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Pure helpers

const CLUSTER_NAME = /^([A-Z])(\d*)-Cluster$/;

/**
 * Cluster name → tier letter and index. `P1-Cluster` → P/1, `E-Cluster` → E/0, also forms not yet
 * seen (`X12-Cluster`). A name outside `^[A-Z]\d*-Cluster$` is `known: false`: its kind is its first
 * letter when that is A–Z (index from the digits after it, else 0); `undefined` when even that fails.
 */
export function classifyCluster(name: string): { kind: string; index: number; known: boolean } | undefined {
  const m = CLUSTER_NAME.exec(name);
  if (m) return { kind: m[1]!, index: m[2] ? Number(m[2]) : 0, known: true };
  const c = name.charCodeAt(0);
  if (!(c >= 65 && c <= 90)) return undefined;
  const digits = /^[A-Z](\d+)/.exec(name);
  const index = digits ? Number(digits[1]) : 0;
  return { kind: name[0]!, index: Number.isSafeInteger(index) ? index : 0, known: false };
}

/**
 * True on machines whose cluster-level `idle_ratio` is known to be unreliable: the M3 generation
 * (reference §1.6: reported as 0, i.e. 100 % busy, on M3 Max; asitop and mactop switched to the
 * per-CPU mean). Every M3 Mac has a `Mac15,*` model identifier (Mac15,3 … Mac15,13 for the M3/M3
 * Pro/M3 Max laptops and iMacs, Mac15,14 for the Mac Studio M3 Ultra), and no other generation uses
 * it. Applying the rule to the M3 Ultra is UNVERIFIED (no capture exists); it follows the
 * reference's advice.
 *
 * Why not always use the per-CPU mean: it is a different quantity. A cluster is active when any of
 * its CPUs is, so its residency is higher than the mean of its CPUs (M2 Ultra E1: cluster 0.555,
 * CPU mean 0.077 in the fixture) and can even exceed their sum, so no data-only test can spot the
 * bad figure either. We keep the cluster's own figure where it is sound and say which one we
 * used in `activeFrom`.
 */
export function clusterActivityUnreliable(hwModel: string | undefined): boolean {
  return hwModel !== undefined && hwModel.startsWith('Mac15,');
}

export type ThermalLevel = NonNullable<PowermetricsSample['thermalPressure']>['level'];

/**
 * `thermal_pressure` string → level. Only the five OS levels (reference §1.4: Nominal, Moderate,
 * Heavy, Trapping, Sleeping; only `Nominal` seen in captures) are recognised, case-insensitively;
 * anything else (pumas' "Light"/"Critical" included) is `unknown`, and the raw string is kept.
 */
export function thermalLevel(raw: string): { level: ThermalLevel; known: boolean } {
  const lower = raw.trim().toLowerCase();
  const hit = (THERMAL_PRESSURE_LEVELS as readonly string[]).includes(lower);
  return hit ? { level: lower as ThermalLevel, known: true } : { level: 'unknown', known: false };
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Ratios printed with `%g` can overshoot by rounding; anything further out is invalid. */
const RATIO_SLACK = 1e-6;

interface Ctx {
  errors: ParseError[];
  offset: number | undefined;
}

function err(ctx: Ctx, kind: ParseError['kind'], message: string): void {
  ctx.errors.push(parseError('powermetrics', kind, message, ctx.offset === undefined ? {} : { offset: ctx.offset }));
}

function isDict(v: PlistValue | undefined): v is PlistDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PlistDate) && !(v instanceof Uint8Array);
}

/** A finite number at `d[key]`: undefined (and an error when `required`) if absent, an error if not finite. */
function num(ctx: Ctx, d: PlistDict, key: string, where: string, required: boolean): number | undefined {
  const v = d[key];
  if (v === undefined) {
    if (required) err(ctx, 'missing_field', `${where}: no ${key}`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    err(ctx, 'invalid_value', `${where}: ${key} is not a finite number`);
    return undefined;
  }
  return v;
}

function ratio(ctx: Ctx, d: PlistDict, key: string, where: string, required: boolean): number | undefined {
  const v = num(ctx, d, key, where, required);
  if (v === undefined) return undefined;
  if (v < -RATIO_SLACK || v > 1 + RATIO_SLACK) {
    err(ctx, 'invalid_value', `${where}: ${key} ${v} is outside 0..1`);
    return undefined;
  }
  return clamp01(v);
}

function str(ctx: Ctx, d: PlistDict, key: string, where: string): string | undefined {
  const v = d[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    err(ctx, 'invalid_value', `${where}: ${key} is not a string`);
    return undefined;
  }
  return v;
}

/** Highest `dvfm_states[].freq` (MHz) in Hz, or undefined when there is no usable state. */
function maxDvfsHz(v: PlistValue | undefined): number | undefined {
  if (!Array.isArray(v)) return undefined;
  let max = -1;
  for (let i = 0; i < v.length; i++) {
    const s = v[i];
    if (isDict(s)) {
      const f = s.freq;
      if (typeof f === 'number' && Number.isFinite(f) && f > max) max = f;
    }
  }
  return max >= 0 ? max * 1e6 : undefined;
}

function rail(ctx: Ctx, p: PlistDict, name: 'cpu' | 'gpu' | 'ane', elapsedS: number): RailSample | undefined {
  const energyMj = num(ctx, p, `${name}_energy`, 'processor', true);
  const powerMw = num(ctx, p, `${name}_power`, 'processor', false);
  if (energyMj === undefined) return undefined;
  const energyJ = energyMj / 1000;
  const r: RailSample = { powerW: energyJ / elapsedS, energyJ };
  if (powerMw !== undefined) r.reportedPowerW = powerMw / 1000;
  return r;
}

interface RawCluster {
  name: string;
  kind: string;
  index: number;
  freqHz: number;
  clusterActive: number | undefined;
  onlineRatio: number | undefined;
  maxDvfsFreqHz: number | undefined;
  cpus: Array<Omit<CpuSample, 'die' | 'cluster' | 'kind'>>;
}

/**
 * Die assignment for multi-die (Ultra) chips, from CPU numbering rather than cluster order:
 * every die starts with its E cluster and its CPU numbers are contiguous (M2 Ultra, reference
 * §1.5: E0 0–3, P0 4–7, P1 8–11, E1 12–15, P2 16–19, P3 20–23), so the lowest CPU number of each
 * E cluster, sorted, marks where a die starts, and a CPU belongs to the last die start at or below
 * it. Cluster order is not used: the M1 Ultra text lists E0, E1 before the P clusters.
 * With fewer than two E clusters the chip is one die. When clusters carry no CPU list, dies fall
 * back to name indices (E<n> → die n; other tiers split evenly: P0,P1 → 0, P2,P3 → 1).
 * UNVERIFIED for the M3 Ultra (no capture exists): expected E0,P0,P1,E1,P2,P3 with die-0 CPUs first,
 * which this rule handles; a layout that numbers both dies' E cores first would be mis-assigned.
 */
export function assignDies(clusters: ReadonlyArray<{ kind: string; index: number; cpus: ReadonlyArray<{ cpu: number }> }>): {
  dies: number;
  clusterDie: number[];
  cpuDie: (cpu: number) => number;
} {
  const eStarts: number[] = [];
  let eCount = 0;
  let allHaveCpus = true;
  for (const c of clusters) {
    if (c.cpus.length === 0) allHaveCpus = false;
    if (c.kind !== 'E') continue;
    eCount++;
    let min = Number.POSITIVE_INFINITY;
    for (const x of c.cpus) if (x.cpu < min) min = x.cpu;
    if (min !== Number.POSITIVE_INFINITY) eStarts.push(min);
  }
  if (eCount < 2) return { dies: 1, clusterDie: clusters.map(() => 0), cpuDie: () => 0 };
  if (allHaveCpus && eStarts.length === eCount) {
    eStarts.sort((a, b) => a - b);
    const cpuDie = (cpu: number): number => {
      let d = 0;
      for (let i = 1; i < eStarts.length; i++) if (cpu >= eStarts[i]!) d = i;
      return d;
    };
    const clusterDie = clusters.map((c) => {
      let min = Number.POSITIVE_INFINITY;
      for (const x of c.cpus) if (x.cpu < min) min = x.cpu;
      return cpuDie(min);
    });
    return { dies: eCount, clusterDie, cpuDie };
  }
  // No CPU lists: name indices.
  const perKind = new Map<string, number>();
  for (const c of clusters) perKind.set(c.kind, Math.max(perKind.get(c.kind) ?? 0, c.index + 1));
  const clusterDie = clusters.map((c) => {
    const n = perKind.get(c.kind) ?? 1;
    return Math.min(eCount - 1, Math.floor((c.index * eCount) / Math.max(n, eCount)));
  });
  return { dies: eCount, clusterDie, cpuDie: () => 0 };
}

function readCluster(ctx: Ctx, c: PlistValue, i: number): RawCluster | undefined {
  const where = `processor.clusters[${i}]`;
  if (!isDict(c)) {
    err(ctx, 'malformed', `${where} is not a dict`);
    return undefined;
  }
  const name = str(ctx, c, 'name', where);
  if (name === undefined) {
    if (c.name === undefined) err(ctx, 'missing_field', `${where}: no name`);
    return undefined;
  }
  const cls = classifyCluster(name);
  if (cls === undefined) {
    err(ctx, 'unknown_layout', `cluster name ${JSON.stringify(name.slice(0, 40))} has no tier letter; cluster and its CPUs dropped`);
    return undefined;
  }
  if (!cls.known)
    err(ctx, 'unknown_layout', `cluster name ${JSON.stringify(name.slice(0, 40))} does not match ^[A-Z]\\d*-Cluster$; read as ${cls.kind}${cls.index}`);
  const w = `cluster ${name}`;
  const freqHz = num(ctx, c, 'freq_hz', w, true);
  const idle = ratio(ctx, c, 'idle_ratio', w, false);
  const down = ratio(ctx, c, 'down_ratio', w, false);
  const onlineRatio = ratio(ctx, c, 'online_ratio', w, false);
  const cpus: RawCluster['cpus'] = [];
  const cpuList = c.cpus;
  if (cpuList !== undefined && !Array.isArray(cpuList)) err(ctx, 'malformed', `${w}: cpus is not an array`);
  if (Array.isArray(cpuList)) {
    for (let j = 0; j < cpuList.length; j++) {
      const x = cpuList[j]!;
      if (!isDict(x)) {
        err(ctx, 'malformed', `${w}: cpus[${j}] is not a dict`);
        continue;
      }
      const cw = `${w} cpus[${j}]`;
      const cpu = num(ctx, x, 'cpu', cw, true);
      const f = num(ctx, x, 'freq_hz', cw, true);
      const ci = ratio(ctx, x, 'idle_ratio', cw, true);
      const cd = ratio(ctx, x, 'down_ratio', cw, false);
      if (cpu === undefined || f === undefined || ci === undefined) continue;
      if (!Number.isSafeInteger(cpu) || cpu < 0 || f < 0) {
        err(ctx, 'invalid_value', `${cw}: cpu ${cpu} / freq_hz ${f} out of range`);
        continue;
      }
      const s: RawCluster['cpus'][number] = { cpu, freqHz: f, activeRatio: clamp01(1 - ci - (cd ?? 0)), idleRatio: ci };
      if (cd !== undefined) s.downRatio = cd;
      cpus.push(s);
    }
  }
  if (freqHz === undefined || freqHz < 0) {
    if (freqHz !== undefined) err(ctx, 'invalid_value', `${w}: negative freq_hz`);
    return undefined;
  }
  return {
    name,
    kind: cls.kind,
    index: cls.index,
    freqHz,
    clusterActive: idle === undefined ? undefined : clamp01(1 - idle - (down ?? 0)),
    onlineRatio,
    maxDvfsFreqHz: maxDvfsHz(c.dvfm_states),
    cpus,
  };
}

/**
 * One decoded document → results: a sample (when `elapsed_ns` is usable) followed by any typed
 * errors about parts of it; or errors only. `offset` (stream byte offset of the document) is copied
 * into the errors.
 */
export function parsePowermetricsDocument(text: string, options: PowermetricsOptions & { offset?: number } = {}): Result[] {
  const ctx: Ctx = { errors: [], offset: options.offset };
  const r = parsePlist(text, { select: POWERMETRICS_SELECT });
  if (!r.ok) {
    err(ctx, r.truncated ? 'truncated' : 'malformed', `plist: ${r.message} at character ${r.offset}`);
    return ctx.errors;
  }
  const root = r.value;
  if (!isDict(root)) {
    err(ctx, 'malformed', 'plist root is not a dict');
    return ctx.errors;
  }
  const elapsedNs = num(ctx, root, 'elapsed_ns', 'document', true);
  if (elapsedNs === undefined) return ctx.errors;
  if (!(elapsedNs > 0)) {
    err(ctx, 'invalid_value', `document: elapsed_ns ${elapsedNs} is not positive`);
    return ctx.errors;
  }
  const elapsedS = elapsedNs / 1e9;
  const sample: PowermetricsSample = { type: 'powermetrics', elapsedS, clusters: [], cpus: [], dies: 1 };

  const ts = root.timestamp;
  if (ts instanceof PlistDate) sample.timestamp = ts.iso;
  else if (ts !== undefined) err(ctx, 'invalid_value', 'document: timestamp is not a <date>');
  const isDelta = root.is_delta;
  if (typeof isDelta === 'boolean') sample.isDelta = isDelta;
  else if (isDelta !== undefined) err(ctx, 'invalid_value', 'document: is_delta is not a boolean');
  const hw = str(ctx, root, 'hw_model', 'document');
  if (hw !== undefined) sample.hwModel = hw;
  const os = str(ctx, root, 'kern_osversion', 'document');
  if (os !== undefined) sample.osBuild = os;
  const boot = num(ctx, root, 'kern_boottime', 'document', false);
  if (boot !== undefined) sample.bootTimeS = boot;

  const proc = root.processor;
  if (proc !== undefined && !isDict(proc)) err(ctx, 'malformed', 'processor is not a dict');
  if (isDict(proc)) {
    // GPU rail from processor.gpu_energy: gpu.gpu_energy covers a different window (reference §1.4:
    // 72607 vs 73491 mJ in the M2 Ultra capture), so the three rails and combined_power stay consistent.
    const cpu = rail(ctx, proc, 'cpu', elapsedS);
    const gpu = rail(ctx, proc, 'gpu', elapsedS);
    const ane = rail(ctx, proc, 'ane', elapsedS);
    if (cpu) sample.cpu = cpu;
    if (gpu) sample.gpu = gpu;
    if (ane) sample.ane = ane;
    if (cpu && gpu && ane) {
      const energyJ = cpu.energyJ + gpu.energyJ + ane.energyJ;
      const combined: RailSample = { powerW: energyJ / elapsedS, energyJ };
      const cp = num(ctx, proc, 'combined_power', 'processor', false);
      if (cp !== undefined) combined.reportedPowerW = cp / 1000;
      sample.combined = combined;
    }
    const list = proc.clusters;
    if (list === undefined) err(ctx, 'missing_field', 'processor: no clusters');
    else if (!Array.isArray(list)) err(ctx, 'malformed', 'processor.clusters is not an array');
    else {
      const raw: RawCluster[] = [];
      for (let i = 0; i < list.length; i++) {
        const c = readCluster(ctx, list[i]!, i);
        if (c) raw.push(c);
      }
      const mode = options.clusterActive ?? 'auto';
      const fromCpus = mode === 'cpus' || (mode === 'auto' && clusterActivityUnreliable(sample.hwModel));
      const { dies, clusterDie, cpuDie } = assignDies(raw);
      sample.dies = dies;
      for (let i = 0; i < raw.length; i++) {
        const c = raw[i]!;
        let activeRatio = c.clusterActive;
        let activeFrom: ClusterSample['activeFrom'] = 'cluster';
        if ((fromCpus || activeRatio === undefined) && c.cpus.length > 0) {
          let sum = 0;
          for (let j = 0; j < c.cpus.length; j++) sum += c.cpus[j]!.activeRatio;
          activeRatio = clamp01(sum / c.cpus.length);
          activeFrom = 'cpus';
        }
        if (activeRatio === undefined) {
          err(ctx, 'missing_field', `cluster ${c.name}: no idle_ratio and no cpus; cluster dropped`);
          continue;
        }
        const die = clusterDie[i]!;
        const cs: ClusterSample = {
          name: c.name,
          kind: c.kind,
          index: c.index,
          die,
          freqHz: c.freqHz,
          activeRatio,
          activeFrom,
          cpus: c.cpus.map((x) => x.cpu),
        };
        if (c.onlineRatio !== undefined) cs.onlineRatio = c.onlineRatio;
        if (c.maxDvfsFreqHz !== undefined) cs.maxDvfsFreqHz = c.maxDvfsFreqHz;
        sample.clusters.push(cs);
        for (let j = 0; j < c.cpus.length; j++) {
          const x = c.cpus[j]!;
          const s: CpuSample = {
            cpu: x.cpu,
            cluster: c.name,
            kind: c.kind,
            die: c.cpus.length > 0 && dies > 1 ? cpuDie(x.cpu) : die,
            freqHz: x.freqHz,
            activeRatio: x.activeRatio,
            idleRatio: x.idleRatio,
          };
          if (x.downRatio !== undefined) s.downRatio = x.downRatio;
          sample.cpus.push(s);
        }
      }
    }
  }

  const gpu = root.gpu;
  if (gpu !== undefined && !isDict(gpu)) err(ctx, 'malformed', 'gpu is not a dict');
  if (isDict(gpu)) {
    // gpu.freq_hz is MHz despite its name (reference §1.4).
    const f = num(ctx, gpu, 'freq_hz', 'gpu', true);
    if (f !== undefined) {
      if (f < 0) err(ctx, 'invalid_value', 'gpu: negative freq_hz');
      else sample.gpuFreqHz = f * 1e6;
    }
    // The gpu dict repeats idle_ratio (reference §1.3); the scanner keeps the last one.
    const idle = ratio(ctx, gpu, 'idle_ratio', 'gpu', true);
    if (idle !== undefined) sample.gpuActiveRatio = clamp01(1 - idle);
    const m = maxDvfsHz(gpu.dvfm_states);
    if (m !== undefined) sample.gpuMaxDvfsFreqHz = m;
  }

  const th = root.thermal_pressure;
  if (typeof th === 'string') {
    const t = thermalLevel(th);
    sample.thermalPressure = { level: t.level, raw: th };
    if (!t.known) err(ctx, 'invalid_value', `thermal_pressure ${JSON.stringify(th.slice(0, 40))} is not a known level`);
  } else if (th !== undefined) err(ctx, 'invalid_value', 'thermal_pressure is not a string');

  if (options.validate !== false) {
    const problem = powermetricsSampleProblem(sample);
    if (problem) {
      err(ctx, 'invalid_value', `sample failed schema check at ${problem.path || '?'}: ${problem.message}`);
      return ctx.errors;
    }
  }
  return [sample, ...ctx.errors];
}

// ---------------------------------------------------------------------------------------------
// Stream framing

// Searches use needles that start with a byte rare in powermetrics output ('?', 'p') rather than
// '<' (one byte in ten): the search finds candidates with memchr on the first byte, so this is ~20×
// faster on a 65 KB document. Each hit is then checked for the full '<?xml' / '</plist>'.
const XML_START_TAIL = Buffer.from('?xml');
const PLIST_END = Buffer.from('</plist>');
const PLIST_END_TAIL = Buffer.from('plist>');

/** Index of the next '<?xml' at or after `from`, or -1. */
function findStart(b: Buffer, from: number): number {
  let p = from + 1;
  for (;;) {
    const h = b.indexOf(XML_START_TAIL, p);
    if (h < 0) return -1;
    if (h > 0 && h - 1 >= from && b[h - 1] === 0x3c) return h - 1;
    p = h + 1;
  }
}

/** Index of the next '</plist>' at or after `from`, or -1. */
function findEnd(b: Buffer, from: number): number {
  let p = from + 2;
  for (;;) {
    const h = b.indexOf(PLIST_END_TAIL, p);
    if (h < 0) return -1;
    if (h >= from + 2 && b[h - 1] === 0x2f && b[h - 2] === 0x3c) return h - 2;
    p = h + 1;
  }
}
const DEFAULT_MAX_DOC = 8 * 1024 * 1024;
/** Smallest holding buffer once one is needed (a powermetrics document is 10–70 KB). */
const MIN_HOLD = 64 * 1024;
const EMPTY = Buffer.alloc(0);

function isBlank(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c !== 0 && c !== 32 && c !== 10 && c !== 13 && c !== 9) return false;
  }
  return true;
}

/**
 * The powermetrics stream parser. Held bytes are bounded by `maxDocumentBytes` (default 8 MiB):
 * past it the held document is reported `malformed` and dropped up to the next `<?xml`.
 */
export function createPowermetricsParser(options: PowermetricsOptions = {}): StreamParser<PowermetricsSample> {
  const maxDoc = options.maxDocumentBytes ?? DEFAULT_MAX_DOC;
  // Allocated on the first bytes that must be held across pushes, not at creation: a replay loop
  // or a restarted child creates a parser per pass, and whole documents in one chunk hold nothing.
  let buf: Buffer = EMPTY;
  let len = 0; // bytes held in buf
  let base = 0; // stream offset of buf[0]
  let scanned = 0; // buf[0, scanned) has no '</plist>' starting in it (modulo the 7-byte overlap)
  let discarding = false; // after an overflow: drop bytes silently until the next '<?xml'
  let produced = 0; // results emitted over the stream's life (for `empty`)
  let sawContent = false;

  const at = (offset: number) => ({ offset });

  /** Handle bytes [a, b) of `work` that end with '</plist>'. */
  function region(work: Buffer, a: number, b: number, out: Result[]): void {
    const first = findStart(work, a);
    if (first < 0 || first >= b) {
      if (!discarding && !isBlank(work, a, b)) out.push(parseError('powermetrics', 'malformed', `${b - a} bytes ending in </plist> without <?xml`, at(base + a)));
      return; // still discarding: this was the tail of the oversized document
    }
    if (!discarding && !isBlank(work, a, first))
      out.push(parseError('powermetrics', 'malformed', `${first - a} bytes of non-plist text before <?xml (warning or junk)`, at(base + a)));
    discarding = false;
    let start = first;
    for (;;) {
      const next = findStart(work, start + 5);
      if (next < 0 || next >= b) break;
      out.push(parseError('powermetrics', 'truncated', 'document cut off by the start of another document', at(base + start)));
      start = next;
    }
    const text = work.toString('utf8', start, b);
    for (const r of parsePowermetricsDocument(text, { ...options, offset: base + start })) out.push(r);
  }

  function keep(work: Buffer, from: number): void {
    const n = work.length - from;
    if (work === buf) {
      if (from > 0) buf.copyWithin(0, from, len);
    } else {
      if (n > buf.length) buf = Buffer.allocUnsafe(Math.max(n, MIN_HOLD, buf.length * 2));
      work.copy(buf, 0, from);
    }
    len = n;
    if (buf.length > 1024 * 1024 && len < buf.length / 4) {
      const smaller = Buffer.allocUnsafe(Math.max(MIN_HOLD, len * 2));
      buf.copy(smaller, 0, 0, len);
      buf = smaller;
    }
  }

  function push(chunk: Uint8Array | string): Result[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.length === 0) return [];
    let work: Buffer;
    if (len === 0) {
      work = bytes;
      scanned = 0;
    } else {
      if (len + bytes.length > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(len + bytes.length, MIN_HOLD, buf.length * 2));
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      bytes.copy(buf, len);
      len += bytes.length;
      work = buf.subarray(0, len);
    }
    const out: Result[] = [];
    let pos = 0;
    for (;;) {
      const e = findEnd(work, Math.max(pos, scanned - (PLIST_END.length - 1)));
      if (e < 0) break;
      const end = e + PLIST_END.length;
      sawContent = true;
      region(work, pos, end, out);
      pos = end;
      scanned = end;
    }
    // Hold the rest; scanned is relative to the held bytes from here on.
    scanned = Math.max(0, work.length - pos);
    const held = work.length - pos;
    if (held > maxDoc) {
      const startIdx = findStart(work, pos);
      if (!discarding)
        out.push(parseError('powermetrics', 'malformed', `no </plist> within ${maxDoc} bytes; dropped and resynchronising at the next <?xml`, at(base + pos)));
      // Resynchronise at a document start after the one that overflowed (or at the first one when
      // the held bytes were already being discarded).
      const resync = startIdx < 0 ? -1 : discarding ? startIdx : findStart(work, startIdx + 5);
      if (resync >= 0) {
        discarding = false;
        base += resync;
        pos = resync;
        scanned = 0;
      } else {
        discarding = true;
        const tail = work.length - 4; // keep what could be the start of a split "<?xml"
        base += tail;
        pos = tail;
        scanned = 0;
      }
    } else {
      base += pos;
    }
    keep(work, pos);
    produced += out.length;
    return out;
  }

  function end(): Result[] {
    const out: Result[] = [];
    if (len > 0) {
      const work = buf.subarray(0, len);
      if (!isBlank(work, 0, len)) sawContent = true;
      const first = findStart(work, 0);
      if (first < 0) {
        if (!discarding && !isBlank(work, 0, len))
          out.push(parseError('powermetrics', 'malformed', `${len} bytes of non-plist text at end of stream`, at(base)));
      } else {
        if (!discarding && !isBlank(work, 0, first))
          out.push(parseError('powermetrics', 'malformed', `${first} bytes of non-plist text before <?xml`, at(base)));
        out.push(parseError('powermetrics', 'truncated', `stream ended inside a document (${len - first} bytes, no </plist>)`, at(base + first)));
      }
    }
    if (produced + out.length === 0 && !sawContent) out.push(parseError('powermetrics', 'empty', 'no powermetrics output'));
    // Reset for reuse.
    len = 0;
    base = 0;
    scanned = 0;
    discarding = false;
    produced = 0;
    sawContent = false;
    return out;
  }

  return {
    source: 'powermetrics',
    push: (chunk) => safely('powermetrics', () => push(chunk)),
    end: () => safely('powermetrics', end),
  };
}
