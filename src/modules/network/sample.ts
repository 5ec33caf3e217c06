import { z } from 'zod';
import { count } from '../../samples.ts';

/**
 * network: per-interface counters since boot, as the kernel keeps them, for the interfaces the
 * selection (./select.ts) keeps. Two readers fill the same fields: `ifmib` (the addon's
 * `net.link.generic.ifalldata`, 64-bit counters) and `netstat` (`netstat -i -b -d -n`).
 */

/** The most interfaces one sample (and the agent's lifetime) may carry: the hard cap of `maxInterfaces`. */
export const MAX_INTERFACES = 16;
/** IFNAMSIZ is 16 with its NUL: a name has at most 15 characters. */
export const INTERFACE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,14}$/;
/** `ifmd_snd_drops` is an `unsigned int`: it wraps at 2^32. */
export const UINT32_LIMIT = 2 ** 32;

export const NETWORK_READERS = ['ifmib', 'netstat'] as const;

export const NetworkInterface = z.object({
  name: z.string().regex(INTERFACE_NAME),
  /** The interface index (`<Link#N>`, `if_nametoindex`): a new one under the same name is a new interface. */
  index: z.number().int().positive().optional(),
  /** IFF_UP (netstat marks a down interface with `*`). */
  up: z.boolean(),
  /** `ifi_type` (addon only): 6 Ethernet, 209 bridge, … */
  ifType: z.number().int().min(0).max(255).optional(),
  mtu: z.number().int().nonnegative().optional(),
  rxBytes: count(),
  txBytes: count(),
  rxPackets: count(),
  txPackets: count(),
  rxErrors: count(),
  txErrors: count(),
  /** `ifi_iqdrops` (addon only). */
  rxDropped: count().optional(),
  /** Send-queue drops (`ifmd_snd_drops`, netstat's `Drop`), a 32-bit counter. */
  txDropped: count().max(UINT32_LIMIT - 1).optional(),
});
export type NetworkInterface = z.infer<typeof NetworkInterface>;

export const NetworkSample = z.object({
  type: z.literal('network'),
  reader: z.enum(NETWORK_READERS),
  /** The selected interfaces, physical first, at most 16 (the counters export `maxInterfaces` names). */
  interfaces: z.array(NetworkInterface).max(MAX_INTERFACES),
  /** The selection's cap: the most names the counters export over the agent's life. */
  maxInterfaces: z.number().int().min(1).max(MAX_INTERFACES),
  /** Interfaces read in all (before the selection). */
  seen: count(),
});
export type NetworkSample = z.infer<typeof NetworkSample>;
