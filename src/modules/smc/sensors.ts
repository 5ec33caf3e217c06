/**
 * The SMC and HID sensor catalog: which temperature key means what. SMC keys are undocumented
 * and change with every chip, so the rules are family-level (by key prefix) with a few named
 * chip-independent keys, and everything unrecognised is still exported under its own key
 * (bounded; see interpret.ts). Facts: /work/shared/docs/macos-reference.md §4.1–4.2 and
 * anchors.md §7; the rules and code are ours. What is UNVERIFIED is marked; docs/smc.md explains.
 */

/** Bounded sensor groups: the `hw.sensor_location` attribute values. */
export type SensorGroup = 'cpu_die' | 'cpu_p' | 'cpu_e' | 'gpu' | 'soc' | 'memory' | 'ambient' | 'storage' | 'other';

export interface SensorInfo {
  name: string;
  group: SensorGroup;
  die?: number;
}

/** Chip-independent keys (present in every iSMC dump from M1 through M4, Ultra included). */
const NAMED: Record<string, SensorInfo> = {
  TCMb: { name: 'CPU die average', group: 'cpu_die' },
  TCMz: { name: 'CPU die maximum', group: 'cpu_die' },
  TCDX: { name: 'CPU die aggregate', group: 'cpu_die' },
  TAOL: { name: 'Outside lid', group: 'ambient' },
  TaFL: { name: 'Airflow front left', group: 'ambient' },
  TaFR: { name: 'Airflow front right', group: 'ambient' },
  TaRL: { name: 'Airflow rear left', group: 'ambient' },
  TaRR: { name: 'Airflow rear right', group: 'ambient' },
  TaLP: { name: 'Airflow left', group: 'ambient' },
  TaRF: { name: 'Airflow right', group: 'ambient' },
  TaLW: { name: 'Airflow left', group: 'ambient' },
  TaRW: { name: 'Airflow right', group: 'ambient' },
  TaTP: { name: 'Airflow top', group: 'ambient' },
};

/** Calibration references that never change (~51.85 °C): never exported. */
export const EXCLUDED_SMC_KEYS: ReadonlySet<string> = new Set(['TR0Z']);

/**
 * Family rules: `T` + family letter + bank character + index. Per-core keys are not stable
 * across generations (the same key is a P-core on one chip and an E-core on another), so a
 * family gives the group, not a core number. `Tf**` is "GPU fabric block" for iSMC but M3
 * P-cores for stats: UNVERIFIED, kept as `soc`.
 */
interface FamilyRule {
  re: RegExp;
  info: SensorInfo;
  /** Whether the bank character (third) can carry a die (see dieByBank). */
  banked: boolean;
}
const FAMILIES: FamilyRule[] = [
  // package / PD-IC die sensors (`TPD*`, `TRD*`, `TpD*`, `TrD*`); D bank, no die
  { re: /^T[PRpr]D.$/, info: { name: 'Package die', group: 'soc' }, banked: false },
  { re: /^Tp..$/, info: { name: 'CPU performance core', group: 'cpu_p' }, banked: true },
  { re: /^Te..$/, info: { name: 'CPU efficiency core', group: 'cpu_e' }, banked: true },
  { re: /^Tg..$/, info: { name: 'GPU', group: 'gpu' }, banked: true },
  { re: /^Tf..$/, info: { name: 'Fabric block', group: 'soc' }, banked: false },
  { re: /^Tm..$/, info: { name: 'Memory', group: 'memory' }, banked: true },
  { re: /^Th..$/, info: { name: 'Heatsink', group: 'other' }, banked: true },
  { re: /^TH0.$/, info: { name: 'NAND', group: 'storage' }, banked: false },
];

/** Value types a temperature key can have (fractional numbers). */
export function isTemperatureType(type: string): boolean {
  return type === 'flt ' || type === 'ioft' || /^sp[0-9a-f]{2}$/.test(type) || /^fp[0-9a-f]{2}$/.test(type);
}

/**
 * How bank characters map to dies, derived from the key set itself:
 *  - M1 Ultra layout (verified on the iSMC M1 Ultra dump): a family with banks `0` and `2` but no
 *    `1` — bank 0 is die 0, bank 2 is die 1 (`Tp0*`/`Tp2*`, `Th0*`/`Th2*`, `Te0*`/`Te2*`, ...).
 *  - "bank = die × 5 + cluster" layout (M2 Ultra dumps show `Te04..06` and `Te54..56`; macpow):
 *    banks 5–9 are die 1. UNVERIFIED on M3 Ultra; no single-die dump uses banks 5–9 for Tp/Te.
 * Returns, per family letter, a function from bank character to die, or nothing (single die).
 */
export function dieByBank(keys: Iterable<string>): Map<string, (bank: string) => number | undefined> {
  const banks = new Map<string, Set<string>>();
  for (const k of keys) {
    if (!/^T[a-z][0-9]/.test(k) || /^T[pr]D/.test(k)) continue;
    const fam = k[1]!;
    if (!banks.has(fam)) banks.set(fam, new Set());
    banks.get(fam)!.add(k[2]!);
  }
  const out = new Map<string, (bank: string) => number | undefined>();
  const cpu = [...(banks.get('p') ?? []), ...(banks.get('e') ?? [])];
  const fiveLayout = cpu.some((b) => b >= '5' && b <= '9');
  for (const [fam, set] of banks) {
    if (set.has('0') && set.has('2') && !set.has('1') && !fiveLayout) {
      out.set(fam, (b) => (b === '0' ? 0 : b === '2' ? 1 : undefined));
    } else if (fiveLayout && (fam === 'p' || fam === 'e')) {
      out.set(fam, (b) => (b >= '0' && b <= '4' ? 0 : b >= '5' && b <= '9' ? 1 : undefined));
    }
  }
  return out;
}

/**
 * Look up one SMC temperature key. `dies` comes from dieByBank over the whole key set.
 * Returns null for excluded keys, undefined for keys the catalog does not know.
 */
export function classifySmcKey(
  key: string,
  dies: Map<string, (bank: string) => number | undefined> = new Map(),
): SensorInfo | null | undefined {
  if (EXCLUDED_SMC_KEYS.has(key)) return null;
  const named = NAMED[key];
  if (named) return named;
  for (const f of FAMILIES) {
    if (!f.re.test(key)) continue;
    const die = f.banked ? dies.get(key[1]!)?.(key[2]!) : undefined;
    return die === undefined ? f.info : { ...f.info, die };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// HID sensors (IOHIDEventSystemClient Product names, reference §4.2)

const HID_RULES: Array<[RegExp, SensorInfo | null]> = [
  [/^PMU2? tcal$/, null], // calibration, constant ~51.9 °C
  [/^PMU2 TR0Z$/, null],
  [/^pACC MTR Temp Sensor/, { name: 'CPU performance core (HID)', group: 'cpu_p' }],
  [/^eACC MTR Temp Sensor/, { name: 'CPU efficiency core (HID)', group: 'cpu_e' }],
  [/^GPU MTR Temp Sensor/, { name: 'GPU (HID)', group: 'gpu' }],
  [/^(SOC MTR Temp Sensor|PMGR SOC Die Temp Sensor)/, { name: 'SoC (HID)', group: 'soc' }],
  [/^(ANE|ISP) MTR Temp Sensor/, { name: 'SoC block (HID)', group: 'soc' }],
  [/^PMU2? tdie/, { name: 'PMU die (HID)', group: 'soc' }],
  [/^PMU2? tdev/, { name: 'PMU device (HID)', group: 'other' }],
  [/^NAND CH\d+ temp$/, { name: 'NAND (HID)', group: 'storage' }],
  [/^gas gauge battery$/, { name: 'Battery (HID)', group: 'other' }],
];

/** Look up a HID sensor name: null when excluded (calibration), undefined when unknown. */
export function classifyHidSensor(name: string): SensorInfo | null | undefined {
  for (const [re, info] of HID_RULES) if (re.test(name)) return info;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Power keys (W, reference §4.1): meanings beyond PSTR are third-party and UNVERIFIED on M3 Ultra.

export const SYSTEM_POWER_KEY = 'PSTR';
export const POWER_KEYS: Record<string, string> = {
  PSTR: 'System total',
  PDTR: 'DC in',
  PPBR: 'Battery',
  PHPC: 'CPU total (UNVERIFIED)',
  PHPS: 'PHPS (UNVERIFIED)',
  PZC0: 'PZC0 (UNVERIFIED)',
  PZC1: 'PZC1 (UNVERIFIED)',
  PMVC: 'PMVC (UNVERIFIED)',
  PSVR: 'PSVR (UNVERIFIED)',
  PPSC: 'PPSC (UNVERIFIED)',
};

/** Mac Studio model identifiers: their fans never stop, so 0 RPM means "not readable". */
export const MAC_STUDIO_MODELS: ReadonlySet<string> = new Set([
  'Mac13,1', // M1 Max
  'Mac13,2', // M1 Ultra
  'Mac14,13', // M2 Max
  'Mac14,14', // M2 Ultra
  'Mac15,14', // M3 Ultra
  'Mac16,9', // M4 Max
]);
