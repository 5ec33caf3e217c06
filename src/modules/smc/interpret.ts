/**
 * Gives SMC facts their meaning: raw keys (from the addon or a dump) and HID sensors in, one
 * SmcSample out. Pure: no I/O, never throws on odd input.
 *
 *  - temperatures: the sensor catalog (sensors.ts), per die where the key bank shows it;
 *    readings outside 10–130 °C are dropped and counted (`implausible_temperature`): power-gated
 *    blocks report sentinels (0, small negatives, and fixed values of about 2–9.8 °C: all 36 Tp keys
 *    of the M2 Max dump read 4.6–8.4 °C) and absent sensors read 0; unknown T keys are kept under their own key,
 *    at most `maxUnknown` of them (the rest counted as `unknown_over_limit`).
 *  - fans: `FNum`, then `F<i>Ac`/`Mn`/`Mx`/`Tg`; a fan that reads 0 RPM on a machine whose fans
 *    never stop (Mac Studio) is reported unavailable (rpm null), not 0.
 *  - power: `PSTR` system power, plus the other power keys the reference lists as `powerRails`.
 */
import type { DropReason } from '../../samples.ts';
import type { FanReading, HidSensor, SmcKey, SmcPowerReading, SmcSample, TemperatureReading } from './sample.ts';
import { decodeSmcValue, smcNumber } from './decode.ts';
import {
  type SensorInfo,
  classifyHidSensor,
  classifySmcKey,
  dieByBank,
  isTemperatureType,
  MAC_STUDIO_MODELS,
  POWER_KEYS,
  SYSTEM_POWER_KEY,
} from './sensors.ts';

export interface InterpretOptions {
  /** `hw.model` (e.g. `Mac15,14`): a Mac Studio's 0 RPM fan is reported unavailable. */
  hwModel?: string;
  /** Overrides the hw.model rule. */
  fansNeverStop?: boolean;
  /** At most this many unknown temperature sensors (SMC + HID) are exported. Default 64. */
  maxUnknown?: number;
  intervalS?: number;
}

/**
 * Plausible sensor readings, °C. The floor is Apple's lowest operating ambient temperature for
 * Mac Studio and MacBook Pro (10 °C): no sensor inside a running Mac is colder than the air it
 * takes in, while power-gated blocks report fixed sentinels below it (reference "Keys": 4.6–9.8 °C;
 * the M2 Max and M4 Pro/Max dumps in fixtures/smc show 2.5–8.4 °C). With a floor of 1 °C those
 * sentinels were exported as core temperatures and pulled the group mean to about 6 °C.
 */
export const SILICON_RANGE_C = [10, 130] as const;
/** A reading above this is not a Mac's whole-system power (the M3 Ultra Mac Studio PSU is 480 W). */
export const SYSTEM_POWER_CEILING_W = 1000;
const MAX_FANS = 8;
const POWER_KEY_LIST = Object.entries(POWER_KEYS);

/**
 * What depends only on the key list (names and types, in order), not on the values: the index of
 * each key's first occurrence, and the temperature keys in key order with their classification.
 * Live, the same poll list is read every interval and a replay repeats one dump, so the plan is
 * computed once and reused while the list is unchanged (compared name by name, type by type).
 */
interface Plan {
  names: string[];
  types: string[];
  /** Key name → index of its first occurrence. */
  index: Map<string, number>;
  /** Temperature keys (first occurrences) sorted by key, with their catalog entry (null = excluded). */
  temps: Array<{ i: number; info: SensorInfo | null | undefined; unknownDie: number | undefined }>;
}

let lastPlan: Plan | undefined;

function planFor(keys: readonly SmcKey[]): Plan {
  const p = lastPlan;
  if (p && p.names.length === keys.length) {
    let same = true;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k.key !== p.names[i] || k.type !== p.types[i]) {
        same = false;
        break;
      }
    }
    if (same) return p;
  }
  const index = new Map<string, number>();
  keys.forEach((k, i) => {
    if (!index.has(k.key)) index.set(k.key, i);
  });
  const tIdx = [...index.values()].filter((i) => keys[i]!.key.startsWith('T') && isTemperatureType(keys[i]!.type));
  const dies = dieByBank(tIdx.map((i) => keys[i]!.key));
  tIdx.sort((a, b) => (keys[a]!.key < keys[b]!.key ? -1 : keys[a]!.key > keys[b]!.key ? 1 : 0));
  const temps = tIdx.map((i) => {
    const key = keys[i]!.key;
    const info = classifySmcKey(key, dies);
    const unknownDie = info === undefined && /^T[a-z][0-9]/.test(key) ? dies.get(key[1]!)?.(key[2]!) : undefined;
    return { i, info, unknownDie };
  });
  lastPlan = { names: keys.map((k) => k.key), types: keys.map((k) => k.type), index, temps };
  return lastPlan;
}

export function interpretSmc(keys: readonly SmcKey[], hid: readonly HidSensor[] = [], opts: InterpretOptions = {}): SmcSample {
  const dropped: Partial<Record<DropReason, number>> = {};
  const drop = (reason: DropReason) => {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
  };
  const plan = planFor(keys);
  const num = (key: string): number | undefined => {
    const i = plan.index.get(key);
    const k = i === undefined ? undefined : keys[i];
    return k ? smcNumber(decodeSmcValue(k.type, k.bytes)) : undefined;
  };
  const maxUnknown = opts.maxUnknown ?? 64;
  let unknown = 0;

  const plausible = (c: number) => Number.isFinite(c) && c >= SILICON_RANGE_C[0] && c <= SILICON_RANGE_C[1];
  /** Is a reading exported? Plausible, and for an unknown sensor within `maxUnknown`; a refusal is counted. */
  const admit = (celsius: number, known: boolean): boolean => {
    if (!plausible(celsius)) {
      drop('implausible_temperature');
      return false;
    }
    if (known) return true;
    if (unknown >= maxUnknown) {
      drop('unknown_over_limit');
      return false;
    }
    unknown++;
    return true;
  };

  // ---- temperatures ----
  // Runs every interval over ~100–300 keys: indexed loops and no object spreads, which allocate on
  // every step until V8 optimizes the function (minutes at 1 Hz).
  const temperatures: TemperatureReading[] = [];
  const temps = plan.temps;
  for (let t = 0; t < temps.length; t++) {
    const { i, info, unknownDie } = temps[t]!;
    if (info === null) continue; // calibration reference
    const k = keys[i]!;
    const celsius = smcNumber(decodeSmcValue(k.type, k.bytes));
    if (celsius === undefined) {
      drop('undecodable');
      continue;
    }
    if (!admit(celsius, info !== undefined)) continue;
    const reading: TemperatureReading =
      info === undefined
        ? { id: k.key, name: 'Unidentified sensor', group: 'other', celsius }
        : { id: k.key, name: info.name, group: info.group, celsius };
    const die = info === undefined ? unknownDie : info.die;
    if (die !== undefined) reading.die = die;
    temperatures.push(reading);
  }

  // HID sensors: names repeat (two dies or two PMUs), so the id carries the occurrence.
  const seen = new Map<string, number>();
  for (const s of hid) {
    const n = seen.get(s.sensorName) ?? 0;
    seen.set(s.sensorName, n + 1);
    const info = classifyHidSensor(s.sensorName);
    if (info === null) continue;
    const group = info?.group ?? 'other';
    if (!admit(s.celsius, info !== undefined)) continue;
    temperatures.push({
      id: `hid:${s.sensorName}#${n}`,
      name: info?.name ?? `${s.sensorName} (HID)`,
      group,
      celsius: s.celsius,
    });
  }

  // ---- fans ----
  const fansNeverStop = opts.fansNeverStop ?? (opts.hwModel !== undefined && MAC_STUDIO_MODELS.has(opts.hwModel));
  const fans: FanReading[] = [];
  const fnum = num('FNum');
  const count = fnum !== undefined && Number.isInteger(fnum) && fnum >= 0 ? Math.min(fnum, MAX_FANS) : 0;
  for (let i = 0; i < count; i++) {
    const ac = num(`F${i}Ac`);
    if (ac === undefined) continue;
    const fan: FanReading = { index: i, rpm: ac === 0 && fansNeverStop ? null : ac };
    if (ac < 0) {
      drop('negative');
      fan.rpm = null;
    }
    const mn = num(`F${i}Mn`);
    const mx = num(`F${i}Mx`);
    const tg = num(`F${i}Tg`);
    if (mn !== undefined) fan.minRpm = mn;
    if (mx !== undefined) fan.maxRpm = mx;
    if (tg !== undefined) fan.targetRpm = tg;
    fans.push(fan);
  }

  // ---- power ----
  const sample: SmcSample = { type: 'smc', temperatures, fans, dropped };
  const powerRails: SmcPowerReading[] = [];
  for (let p = 0; p < POWER_KEY_LIST.length; p++) {
    const key = POWER_KEY_LIST[p]![0];
    const name = POWER_KEY_LIST[p]![1];
    const w = num(key);
    if (w === undefined) continue;
    if (w < 0) {
      drop('negative');
      continue;
    }
    if (w > SYSTEM_POWER_CEILING_W) {
      drop('above_ceiling');
      continue;
    }
    powerRails.push({ id: key, name, powerW: w });
    if (key === SYSTEM_POWER_KEY) sample.systemPowerW = w;
  }
  if (powerRails.length > 0) sample.powerRails = powerRails;
  if (opts.intervalS !== undefined && opts.intervalS > 0) sample.intervalS = opts.intervalS;
  return sample;
}
