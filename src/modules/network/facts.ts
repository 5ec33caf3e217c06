/**
 * The addon's raw facts (native/net_ifmib.cc: one `struct ifmibdata` per interface from the sysctl
 * `net.link.generic.ifalldata`, plus `if_nametoindex`) into per-interface counters (pure). The same
 * reading serves the live source (an object) and a dump (its JSON text, `{"reader":"ifmib",...}`).
 *
 * The 64-bit counters come as decimal strings (a JS number is exact only to 2^53), or as numbers;
 * a value that is not a whole number, or past 2^53, is a typed error and its interface is left out.
 * UNVERIFIED on a Mac: the field names are ours (native/net_ifmib.cc), the meaning is `if_data64`'s.
 */
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import type { InterfacesRead } from './netstat.ts';
import type { NetworkInterface } from './sample.ts';
import { INTERFACE_NAME, UINT32_LIMIT } from './sample.ts';

/** One interface as the addon returns it (`struct ifmibdata`, fields without their prefixes). */
export interface IfmibFact {
  name: string;
  /** if_nametoindex(name); 0 when the interface went away between the two calls. */
  index?: number;
  flags: number;
  sndDrops: number;
  type: number;
  mtu: number;
  ipackets: string | number;
  ierrors: string | number;
  opackets: string | number;
  oerrors: string | number;
  ibytes: string | number;
  obytes: string | number;
  iqdrops: string | number;
  collisions?: string | number;
}

export interface IfmibFacts {
  reader: 'ifmib';
  interfaces: IfmibFact[];
}

const IFF_UP = 0x1;
const MAX_FACTS = 4096;
const DIGITS = /^\d{1,20}$/;

function whole(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && DIGITS.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** The facts (an object from the addon or a parsed dump) into interfaces and typed errors. */
export function readIfmibFacts(facts: unknown): InterfacesRead {
  const errors: ParseError[] = [];
  const err = (kind: ParseError['kind'], message: string) => errors.push(parseError('network', kind, message));
  const list = (facts as { interfaces?: unknown } | null)?.interfaces;
  if (typeof facts !== 'object' || facts === null || (facts as { reader?: unknown }).reader !== 'ifmib' || !Array.isArray(list)) {
    err('unknown_layout', 'not the addon\'s interface facts ({"reader":"ifmib","interfaces":[…]})');
    return { interfaces: [], errors, recognised: false };
  }
  if (list.length > MAX_FACTS) {
    err('too_large', `more than ${MAX_FACTS} interfaces`);
    return { interfaces: [], errors, recognised: true };
  }
  const seen = new Map<string, number>();
  const out: NetworkInterface[] = [];
  for (let i = 0; i < list.length; i++) {
    const f = list[i] as Partial<Record<keyof IfmibFact, unknown>> | null;
    if (typeof f !== 'object' || f === null) {
      err('malformed', `interface ${i}: not an object`);
      continue;
    }
    const name = f.name;
    if (typeof name !== 'string' || !INTERFACE_NAME.test(name)) {
      err('invalid_value', `interface ${i}: not an interface name: ${String(name).slice(0, 20)}`);
      continue;
    }
    const v = {
      rxPackets: whole(f.ipackets),
      rxErrors: whole(f.ierrors),
      rxBytes: whole(f.ibytes),
      txPackets: whole(f.opackets),
      txErrors: whole(f.oerrors),
      txBytes: whole(f.obytes),
      rxDropped: whole(f.iqdrops),
    };
    const bad = Object.entries(v).filter(([, x]) => x === undefined).map(([k]) => k);
    const flags = whole(f.flags);
    const snd = whole(f.sndDrops);
    if (flags === undefined) bad.push('flags');
    if (snd === undefined || snd >= UINT32_LIMIT) bad.push('sndDrops');
    if (bad.length > 0) {
      err('invalid_value', `${name}: ${bad.join(', ')} not a usable count`);
      continue;
    }
    const x: NetworkInterface = { name, up: (flags! & IFF_UP) !== 0, ...(v as Record<keyof typeof v, number>), txDropped: snd! };
    const index = whole(f.index);
    if (index !== undefined && index > 0) x.index = index;
    const type = whole(f.type);
    if (type !== undefined && type <= 255) x.ifType = type;
    const mtu = whole(f.mtu);
    if (mtu !== undefined) x.mtu = mtu;
    seen.set(name, (seen.get(name) ?? 0) + 1);
    out.push(x);
  }
  const dup = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  for (const d of dup) err('invalid_value', `${d}: listed more than once: dropped`);
  return { interfaces: dup.length ? out.filter((x) => !dup.includes(x.name)) : out, errors, recognised: true };
}
