/**
 * Loads the N-API addon (binding.gyp → build/Release/silicon_agent_smc.node) if it exists. The addon
 * returns raw facts only (keys, types, bytes, dictionaries); the modules give them meaning in
 * TypeScript. The agent runs without it (Linux, a Mac without Xcode tools, a failed build): callers
 * get `{ error }` and report their source unavailable once. `SILICON_AGENT_NO_NATIVE=1` forces that
 * path (tests, or to rule the addon out in the field).
 */
import { createRequire } from 'node:module';
import type { SmcValue } from '../modules/smc/decode.ts';
import type { IfmibFact } from '../modules/network/facts.ts';
import type { HidSensor, SmcKey } from '../modules/smc/sample.ts';
import { ownPackage } from '../package-root.ts';

export interface SmcReadError {
  key?: string;
  index?: number;
  ioReturn: number;
  smcResult: number;
  /** Symbolic: `kIOReturnNotPrivileged`, `smcKeyNotFound`, … */
  code: string;
  message: string;
}

export interface SmcReadResult {
  /** false: AppleSMC could not be opened; `errors[0]` says why. */
  opened: boolean;
  keys: SmcKey[];
  errors: SmcReadError[];
}

/** The addon's functions (the SMC readers today). */
export interface NativeAddon {
  decode(type: string, bytes: Uint8Array | number[]): SmcValue;
  readonly hasIOKit: boolean;
  readonly keyDataLayout: Record<string, number>;
  /**
   * Every OS: the first index at or after `from` where `needle` starts in `hay`, or -1 (Buffer#indexOf's
   * answer; native/byte_search.h). Optional: an addon built before it has none.
   */
  indexOf?(hay: Uint8Array, needle: Uint8Array, from: number): number;
  /** macOS only. */
  readAllKeys?(): SmcReadResult;
  readKeys?(keys: string[]): SmcReadResult;
  readHidTemperatures?(): { ok: boolean; error?: string; sensors: HidSensor[] };
  /** macOS only: one `struct ifmibdata` per interface (`net.link.generic.ifalldata`), raw (native/net_ifmib.cc). UNVERIFIED. */
  readNetworkInterfaces?(): { ok: boolean; error?: string; interfaces: IfmibFact[] };
  /** macOS only: getfsstat(2) with MNT_NOWAIT, raw (native/fsstat.cc). UNVERIFIED: never run on a Mac. */
  getfsstat?(): FsstatResult;
  /**
   * macOS only (native/iokit_registry.cc, UNVERIFIED: never run on a Mac). The registry entries of
   * `className` with only the named properties, and with `childKeys` each entry's direct children
   * with theirs: raw facts, checked and read by src/parsers/iokit-facts.ts.
   */
  readRegistry?(className: string, keys: string[], childKeys?: string[]): unknown;
}

/** One mount table entry as getfsstat gives it: f_mntfromname, f_mntonname, f_fstypename, f_flags. */
export interface FsstatEntry {
  from: string;
  on: string;
  type: string;
  flags: number;
}
export interface FsstatResult {
  ok: boolean;
  /** Why not (`getfsstat: <strerror>`), when ok is false. */
  error?: string;
  mounts: FsstatEntry[];
}

export type NativeLoad = { addon: NativeAddon; error?: undefined } | { addon?: undefined; error: string };
/** How a caller gets the addon (tests pass their own). */
export type NativeLoader = () => NativeLoad;

let cached: NativeLoad | undefined;

export function loadNative(opts: { fresh?: boolean } = {}): NativeLoad {
  if (cached && !opts.fresh) return cached;
  cached = load();
  return cached;
}

/**
 * The addon's byte search (`indexOf`), or undefined where the addon does not load or predates it: the
 * powermetrics stream parser then searches with Buffer#indexOf (same answers, slower).
 */
export function byteSearch(native: NativeLoader = loadNative): ((hay: Uint8Array, needle: Uint8Array, from: number) => number) | undefined {
  const f = native().addon?.indexOf;
  return typeof f === 'function' ? f : undefined;
}

function load(): NativeLoad {
  if (process.env.SILICON_AGENT_NO_NATIVE === '1') return { error: 'disabled by SILICON_AGENT_NO_NATIVE=1' };
  const root = ownPackage()?.root;
  if (root === undefined) return { error: 'silicon-agent package root not found' };
  try {
    const require = createRequire(import.meta.url);
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    const addon = nodeGypBuild(root) as NativeAddon;
    if (typeof addon?.decode !== 'function') return { error: 'native addon loaded but has no decode()' };
    return { addon };
  } catch (err) {
    const msg = (err as Error)?.message ?? String(err);
    return { error: `native addon not available: ${msg.split('\n')[0]}` };
  }
}
