/**
 * Which interfaces are exported (pure). An interface is kept when its name matches an `include`
 * pattern and no `exclude` pattern (exclude wins); with `activeOnly`, only when it is up and has moved
 * a packet. The rest are ranked physical first (`en*`, then `bridge*`, then the others such as
 * `vmenet*`), then by name with numbers in numeric order; a sample holds at most 16 of them.
 * `maxInterfaces` is applied by the counters (./counters.ts) over the agent's life: the first names
 * seen in this order are kept and keep being counted, so an interface already exported never drops
 * out because a higher-ranked one became active later.
 *
 * Patterns are names with `*` standing for any run of characters (`en*`, `bridge0`).
 *
 * On Thunderbolt: each Thunderbolt port is an `enN` that macOS makes a member of `bridge0` (the
 * "Thunderbolt Bridge"). bridge0 counts its members' traffic too: never add bridge0 to its members.
 */
import type { NetworkInterface } from './sample.ts';
import { MAX_INTERFACES } from './sample.ts';

export interface NetworkSelection {
  include: readonly string[];
  exclude: readonly string[];
  maxInterfaces: number;
  activeOnly: boolean;
}

/** Physical Ethernet and Wi-Fi, the Thunderbolt bridge and member ports, and VM bridges. */
export const DEFAULT_INCLUDE = ['en*', 'bridge*', 'vmenet*'] as const;
/** Loopback, tunnels, Apple's internal and peer-to-peer links, capture pseudo-interfaces. */
export const DEFAULT_EXCLUDE = ['lo*', 'gif*', 'stf*', 'anpi*', 'ap*', 'awdl*', 'llw*', 'utun*', 'ipsec*', 'ppp*', 'pktap*', 'iptap*'] as const;
export const DEFAULT_MAX_INTERFACES = 6;
/** What a pattern may be: interface-name characters and `*`. */
export const PATTERN = /^[A-Za-z0-9_.*-]{1,32}$/;

export const DEFAULT_SELECTION: NetworkSelection = {
  include: DEFAULT_INCLUDE,
  exclude: DEFAULT_EXCLUDE,
  maxInterfaces: DEFAULT_MAX_INTERFACES,
  activeOnly: true,
};

/** Does `name` match `pattern` (`*` = any run of characters, the rest literal)? */
export function globMatch(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === name;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!name.startsWith(first) || name.length < first.length + last.length || !name.endsWith(last)) return false;
  let pos = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const p = parts[i]!;
    const at = name.indexOf(p, pos);
    if (at < 0 || at + p.length > end) return false;
    pos = at + p.length;
  }
  return true;
}

function rank(name: string): number {
  if (name.startsWith('en')) return 0;
  if (name.startsWith('bridge')) return 1;
  return 2;
}

/** Name order with the trailing number compared as a number (en2 before en10). */
export function compareNames(a: string, b: string): number {
  const ma = /^(.*?)(\d*)$/.exec(a)!;
  const mb = /^(.*?)(\d*)$/.exec(b)!;
  if (ma[1] !== mb[1]) return ma[1]! < mb[1]! ? -1 : 1;
  const na = ma[2] === '' ? -1 : Number(ma[2]);
  const nb = mb[2] === '' ? -1 : Number(mb[2]);
  return na - nb || (a < b ? -1 : a > b ? 1 : 0);
}

export function isSelected(i: NetworkInterface, sel: NetworkSelection): boolean {
  if (!sel.include.some((p) => globMatch(p, i.name))) return false;
  if (sel.exclude.some((p) => globMatch(p, i.name))) return false;
  if (sel.activeOnly && (!i.up || i.rxPackets + i.txPackets === 0)) return false;
  return true;
}

/** The selected interfaces, physical first, at most 16 (the counters keep `maxInterfaces` of them). */
export function selectInterfaces(all: readonly NetworkInterface[], sel: NetworkSelection): NetworkInterface[] {
  return all
    .filter((i) => isSelected(i, sel))
    .sort((a, b) => rank(a.name) - rank(b.name) || compareNames(a.name, b.name))
    .slice(0, MAX_INTERFACES);
}
