/**
 * Which mounts are shown (pure; docs/sources.md "## filesystems" describes the rules):
 *
 * shown, in this order: the Data volume (`/System/Volumes/Data`), the VM volume where swap lives
 * (`/System/Volumes/VM`, or `/private/var/vm` before macOS 10.15), then every other local read-write
 * volume in mount-table order, up to `maxVolumes`.
 *
 * skipped: pseudo filesystems (devfs, autofs `map …`, nullfs, fdesc; Linux proc/sysfs/tmpfs/…), network
 * shares, read-only mounts (so the sealed system snapshot at `/`), every `/System/Volumes/*` volume but
 * Data and VM (Preboot, Update and its mnt1, xarts, iSCPreboot, Hardware), `/Volumes/Recovery`, Time
 * Machine local snapshots, and a mount hidden under a later one on the same mountpoint.
 * `nobrowse` is not a rule: Data and VM carry it.
 *
 * `include` names mountpoints shown even where a rule would skip them; `exclude` names mountpoints (or
 * prefixes ending in `/*`) never shown.
 */
import type { MountFact } from './facts.ts';
import { flagWords } from './facts.ts';
import type { Volume } from './sample.ts';

export interface SelectConfig {
  maxVolumes: number;
  include: readonly string[];
  exclude: readonly string[];
  includeReadOnly: boolean;
  includeNetwork: boolean;
}

export const SKIP_REASONS = ['pseudo', 'network', 'read_only', 'system', 'snapshot', 'stacked', 'excluded'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

const PSEUDO_TYPES = new Set([
  'devfs', 'autofs', 'nullfs', 'fdesc', 'kernfs', 'procfs', 'volfs',
  'proc', 'sysfs', 'tmpfs', 'devtmpfs', 'devpts', 'cgroup', 'cgroup2', 'mqueue', 'securityfs', 'debugfs', 'tracefs',
  'pstore', 'bpf', 'hugetlbfs', 'configfs', 'fusectl', 'binfmt_misc', 'nsfs', 'ramfs', 'rpc_pipefs', 'efivarfs', 'overlay',
]);
const NETWORK_TYPES = new Set(['nfs', 'nfs4', 'smbfs', 'afpfs', 'webdav', 'ftp', 'cifs', 'smb3', 'cd9660_net', 'fuse.sshfs', 'sshfs', '9p', 'vmhgfs', 'prl_fs']);
const KEPT_SYSTEM = new Set(['/System/Volumes/Data', '/System/Volumes/VM']);

export interface Classified {
  fact: MountFact;
  words: ReadonlySet<string>;
  readOnly: boolean | undefined;
  role: Volume['role'];
}

export function optionWords(m: MountFact): Set<string> {
  const w = new Set(m.options ?? []);
  if (m.flags !== undefined) for (const x of flagWords(m.flags)) w.add(x);
  return w;
}

function roleOf(mountpoint: string): Volume['role'] {
  if (mountpoint === '/System/Volumes/Data') return 'data';
  if (mountpoint === '/System/Volumes/VM' || mountpoint === '/private/var/vm') return 'vm';
  return 'other';
}

function isPseudo(m: MountFact): boolean {
  if (m.type !== undefined && PSEUDO_TYPES.has(m.type)) return true;
  // df rows carry no type: devfs and autofs are known by their device names.
  return m.device === 'devfs' || m.device === 'fdesc' || m.device.startsWith('map ');
}

function isNetwork(m: MountFact, words: ReadonlySet<string>): boolean {
  if (m.type !== undefined && NETWORK_TYPES.has(m.type)) return true;
  if (m.device.startsWith('//') || /^[^/\s]+:\//.test(m.device)) return true;
  // macOS marks local filesystems `local` (MNT_LOCAL); a getfsstat entry without it is not local.
  return m.flags !== undefined && !words.has('local');
}

const matches = (mountpoint: string, pattern: string): boolean =>
  pattern.endsWith('/*') ? mountpoint.startsWith(pattern.slice(0, -1)) : mountpoint === pattern;

/** Why a mount is skipped by the rules, or undefined when it is a candidate. */
export function skipReason(m: MountFact, words: ReadonlySet<string>, cfg: SelectConfig): SkipReason | undefined {
  if (cfg.exclude.some((p) => matches(m.mountpoint, p))) return 'excluded';
  if (cfg.include.includes(m.mountpoint)) return undefined;
  if (isPseudo(m)) return 'pseudo';
  if (!cfg.includeNetwork && isNetwork(m, words)) return 'network';
  if (m.device.includes('@') || m.mountpoint.includes('/com.apple.TimeMachine.localsnapshots/')) return 'snapshot';
  if (m.mountpoint.startsWith('/System/Volumes/') && !KEPT_SYSTEM.has(m.mountpoint)) return 'system';
  if (m.mountpoint === '/Volumes/Recovery') return 'system';
  const ro = readOnlyOf(words);
  if (!cfg.includeReadOnly && (ro === true || words.has('sealed'))) return 'read_only';
  // The sealed system snapshot at `/` (`/dev/disk3s1s1`, a snapshot of disk3s1): in a df capture there is no mode to read.
  if (!cfg.includeReadOnly && m.mountpoint === '/' && (words.has('snapshot') || /^\/dev\/disk\d+s\d+s\d+$/.test(m.device))) return 'read_only';
  return undefined;
}

/** `ro`/`rw` from the option words: macOS prints `read-only`, Linux `ro`/`rw`; unknown when neither. */
export function readOnlyOf(words: ReadonlySet<string>): boolean | undefined {
  if (words.has('read-only') || words.has('ro')) return true;
  if (words.has('rw') || words.has('local')) return false;
  return undefined;
}

export interface Selection {
  shown: Classified[];
  skipped: number;
  overLimit: number;
}

/** The shown mounts, Data then VM then the others in mount-table order, capped at `maxVolumes`. */
export function selectMounts(mounts: readonly MountFact[], cfg: SelectConfig): Selection {
  // A mountpoint mounted twice shows only the later mount (statfs reads the top one).
  const top = new Map<string, number>();
  mounts.forEach((m, i) => top.set(m.mountpoint, i));
  const candidates: Classified[] = [];
  let skipped = 0;
  mounts.forEach((m, i) => {
    if (top.get(m.mountpoint) !== i) {
      skipped++;
      return;
    }
    const words = optionWords(m);
    if (skipReason(m, words, cfg) !== undefined) {
      skipped++;
      return;
    }
    candidates.push({ fact: m, words, readOnly: readOnlyOf(words), role: roleOf(m.mountpoint) });
  });
  const rank = (c: Classified): number => (c.role === 'data' ? 0 : c.role === 'vm' ? 1 : 2);
  const ordered = candidates.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i).map((x) => x.c);
  const shown = ordered.slice(0, cfg.maxVolumes);
  return { shown, skipped, overLimit: ordered.length - shown.length };
}

/** Local mounts that are not pseudo filesystems: what `dump` reads statfs for (so a replay can select differently). */
export function dumpable(m: MountFact): boolean {
  const words = optionWords(m);
  return !isPseudo(m) && !isNetwork(m, words);
}
