/**
 * One powermetrics plist document → a PowermetricsSample and typed errors. Pure.
 *
 * Mapping (reference §1.4–1.7): mJ → J, mW → W, `gpu.freq_hz` is MHz (→ Hz), `dvfm_states[].freq`
 * is MHz, cluster/CPU `freq_hz` are Hz. Every key is treated as optional: a missing sampler section
 * (e.g. a battery-only capture has no `processor`) is not an error, but a present section with a
 * missing or unusable value gives a typed error next to the sample, which keeps what is known. The
 * document is scanned by src/parsers/plist.ts with a projection of the keys read (POWERMETRICS_SELECT).
 */
import { parsePlist } from '../../parsers/plist.ts';
import type { PlistDict, PlistSelect, PlistValue } from '../../parsers/plist-model.ts';
import { PlistDate } from '../../parsers/plist-model.ts';
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import { powermetricsSampleProblem } from './check.ts';
import type { ClusterSample, CpuSample, PowermetricsSample, RailSample } from './sample.ts';
import { THERMAL_PRESSURE_LEVELS } from './sample.ts';
import { AppTracker, detached } from './apps.ts';
import { readAppWindow, TASKS_SELECT } from './tasks.ts';
import { assignDies, classifyCluster, clusterActivityUnreliable } from './topology.ts';

type Result = PowermetricsSample | ParseError;

/**
 * The keys the agent reads. Everything else (all_tasks, the tasks' wakeups and QoS figures, network,
 * disk, interrupts, battery, per-CPU dvfm_states, GPU sw states…) is skipped by the scanner unparsed.
 */
export const POWERMETRICS_SELECT: PlistSelect = {
  is_delta: true,
  elapsed_ns: true,
  hw_model: true,
  kern_osversion: true,
  kern_boottime: true,
  timestamp: true,
  thermal_pressure: true,
  ...TASKS_SELECT,
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
  gpu: { freq_hz: true, idle_ratio: true, dvfm_states: [{ freq: true }], gpu_energy: true },
};

/** The first index at or after `from` where `needle` (3 bytes or more) starts in `hay`, or -1: Buffer#indexOf's answer. */
export type ByteSearch = (hay: Uint8Array, needle: Uint8Array, from: number) => number;

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
   * The stream's search for each document's `</plist>` (./parser.ts): a function with Buffer#indexOf's
   * answer, the addon's `indexOf` where it loads (native/byte_search.h: about three times faster on
   * powermetrics text, see docs/benchmarks.md). Without it the parser searches with Buffer#indexOf.
   */
  search?: ByteSearch;
  /**
   * Check each sample against the PowermetricsSample schema before emitting it (default true). The
   * mapping already produces valid samples by construction; this is the safety net. It is the
   * hand-written equivalent of the zod schema (./powermetrics-check.ts, held to zod's verdict by
   * its test), which allocates nothing on the agent's per-sample path.
   */
  validate?: boolean;
  /**
   * The top-N tracker that turns each document's per-app usage into series (./apps.ts). The stream
   * parser passes one that lives as long as it does; without one, each document gets a fresh tracker
   * (its totals are then that document's usage).
   */
  apps?: AppTracker;
  /** Apps with their own series when no tracker is passed (default 10). */
  topApps?: number;
}

// ---------------------------------------------------------------------------------------------
// Pure helpers

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
    // Only a dict has a `freq` (arrays, dates and data do not), so no isDict test per state.
    if (typeof s === 'object') {
      const f = (s as PlistDict).freq;
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

function readCluster(ctx: Ctx, c: PlistValue, i: number): RawCluster | undefined {
  if (!isDict(c)) {
    err(ctx, 'malformed', `processor.clusters[${i}] is not a dict`);
    return undefined;
  }
  const rawName = c.name;
  // The error prefix is built only when needed (str reports a non-string name with it).
  const name = typeof rawName === 'string' ? rawName : str(ctx, c, 'name', `processor.clusters[${i}]`);
  if (name === undefined) {
    if (c.name === undefined) err(ctx, 'missing_field', `processor.clusters[${i}]: no name`);
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
      // The usual CPU (every value present and in range) without the checks' error prefix; anything
      // else takes the checked path below, which reports what is wrong.
      const cpu0 = x.cpu;
      const f0 = x.freq_hz;
      const ci0 = x.idle_ratio;
      const cd0 = x.down_ratio;
      if (
        typeof cpu0 === 'number' &&
        Number.isSafeInteger(cpu0) &&
        cpu0 >= 0 &&
        typeof f0 === 'number' &&
        Number.isFinite(f0) &&
        f0 >= 0 &&
        typeof ci0 === 'number' &&
        ci0 >= -RATIO_SLACK &&
        ci0 <= 1 + RATIO_SLACK &&
        (cd0 === undefined || (typeof cd0 === 'number' && cd0 >= -RATIO_SLACK && cd0 <= 1 + RATIO_SLACK))
      ) {
        const ci = clamp01(ci0);
        const cd = cd0 === undefined ? undefined : clamp01(cd0);
        const s: RawCluster['cpus'][number] = { cpu: cpu0, freqHz: f0, activeRatio: clamp01(1 - ci - (cd ?? 0)), idleRatio: ci };
        if (cd !== undefined) s.downRatio = cd;
        cpus.push(s);
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
export function parsePowermetricsDocument(text: string | readonly string[], options: PowermetricsOptions & { offset?: number } = {}): Result[] {
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
  // Strings a sample keeps are copied: a substring of 13+ characters would keep the whole text alive (apps.ts `detached`).
  if (ts instanceof PlistDate) sample.timestamp = detached(ts.iso);
  else if (ts !== undefined) err(ctx, 'invalid_value', 'document: timestamp is not a <date>');
  const isDelta = root.is_delta;
  if (typeof isDelta === 'boolean') sample.isDelta = isDelta;
  else if (isDelta !== undefined) err(ctx, 'invalid_value', 'document: is_delta is not a boolean');
  const hw = str(ctx, root, 'hw_model', 'document');
  if (hw !== undefined) sample.hwModel = detached(hw);
  const os = str(ctx, root, 'kern_osversion', 'document');
  if (os !== undefined) sample.osBuild = detached(os);
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
      const { dies, clusterDie, conflict } = assignDies(raw, sample.hwModel);
      if (conflict !== undefined) err(ctx, 'unknown_layout', `die map: ${conflict}; every CPU reported on die 0`);
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
          name: detached(c.name),
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
            // A cluster never straddles dies (assignDies checks it), so its CPUs share its die.
            die,
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
    // GPU rail rule: processor.gpu_energy when the processor dict exists (it is the window the CPU
    // and ANE rails and combined_power share); gpu.gpu_energy (also mJ) only when there is no
    // processor dict, i.e. the gpu_power sampler alone (M4 Pro captures). It has no gpu_power
    // next to it, so the rail has no reportedPowerW.
    if (proc === undefined && gpu.gpu_energy !== undefined) {
      const e = num(ctx, gpu, 'gpu_energy', 'gpu', false);
      if (e !== undefined) {
        if (e < 0) err(ctx, 'invalid_value', 'gpu: negative gpu_energy');
        else sample.gpu = { powerW: e / 1000 / elapsedS, energyJ: e / 1000 };
      }
    }
  }

  const aw = readAppWindow(root);
  if (aw) {
    if (aw.window.bad > 0) err(ctx, 'malformed', `${aw.window.by === 'coalition' ? 'coalitions' : 'tasks'}: ${aw.window.bad} entries without a dict or a name skipped`);
    if (aw.invalid > 0) err(ctx, 'invalid_value', `${aw.window.by === 'coalition' ? 'coalitions' : 'tasks'}: ${aw.invalid} values not a number ≥ 0, read as 0`);
    const tracker = options.apps ?? new AppTracker(options.topApps === undefined ? {} : { top: options.topApps });
    sample.apps = tracker.apply(aw.window);
  }

  const th = root.thermal_pressure;
  if (typeof th === 'string') {
    const t = thermalLevel(th);
    sample.thermalPressure = { level: t.level, raw: detached(th) };
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
