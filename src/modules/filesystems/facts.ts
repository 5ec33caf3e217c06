/**
 * The filesystems source's raw facts, and the three text forms that carry them (pure):
 *
 * - the JSON a live read builds and `dump` writes (`silicon-agent-filesystems/1`): every mount's device,
 *   mountpoint, type, option words or getfsstat flags, and the statfs counters where they were read;
 * - `mount` output, macOS (`/dev/disk3s5 on /System/Volumes/Data (apfs, local, journaled, nobrowse)`)
 *   and Linux (`/dev/vda on / type ext4 (rw,relatime)`);
 * - `df` output: macOS `df` (512-blocks), `df -k`/`-P` (1024-blocks), `df -h` (Size, `460Gi`), and GNU
 *   df (1K-blocks, Use%). Counters from df become statfs-like counters in df's own unit.
 *
 * A text may hold `mount` lines and a df table together (a capture of both): they are joined by
 * mountpoint, the mount line giving type and options, the df row the sizes.
 */
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';

export const FACTS_FORMAT = 'silicon-agent-filesystems/1';

/** statfs counters: `bsize`-byte blocks in all, free, and free to an unprivileged writer. */
export interface StatfsCounters {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
}

/** One mount as read: raw facts only. */
export interface MountFact {
  device: string;
  mountpoint: string;
  type?: string;
  /** Option words as `mount` prints them (`local`, `read-only`, `nobrowse`; Linux `rw`, `ro`). */
  options?: string[];
  /** getfsstat's f_flags (the addon), interpreted by `flagWords`. */
  flags?: number;
  statfs?: StatfsCounters;
}

export interface FsFacts {
  format: typeof FACTS_FORMAT;
  /** Where the mount table came from: `getfsstat`, `mount`, `df` (a capture), or `mount+df`. */
  from: string;
  mounts: MountFact[];
}

/**
 * getfsstat f_flags bits and the words `mount` prints for them (<sys/mount.h>, XNU). UNVERIFIED on a
 * Mac: the values are the SDK's published constants, not read from a running system.
 */
export const MOUNT_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [0x00000001, 'read-only'], // MNT_RDONLY
  [0x00000004, 'noexec'], // MNT_NOEXEC
  [0x00000008, 'nosuid'], // MNT_NOSUID
  [0x00000010, 'nodev'], // MNT_NODEV
  [0x00001000, 'local'], // MNT_LOCAL
  [0x00004000, 'root'], // MNT_ROOTFS
  [0x00100000, 'nobrowse'], // MNT_DONTBROWSE
  [0x00200000, 'noowners'], // MNT_IGNORE_OWNERSHIP
  [0x00400000, 'automounted'], // MNT_AUTOMOUNTED
  [0x00800000, 'journaled'], // MNT_JOURNALED
  [0x10000000, 'noatime'], // MNT_NOATIME
  [0x40000000, 'snapshot'], // MNT_SNAPSHOT
];

export function flagWords(flags: number): string[] {
  const out: string[] = [];
  for (const [bit, word] of MOUNT_FLAGS) if ((flags & bit) >>> 0 === bit) out.push(word);
  return out;
}

const MAX_MOUNTS = 4096;
const MAX_FIELD = 4096;
const MAX_LINE = 8192;

// ---------------------------------------------------------------------------------------------
// JSON

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_FIELD;

/** One JSON mount entry checked field by field; a bad entry is an error, its neighbours stand. */
function jsonMount(e: unknown, i: number, errors: ParseError[]): MountFact | undefined {
  const bad = (why: string): undefined => {
    errors.push(parseError('filesystems', 'invalid_value', `mounts[${i}]: ${why}`));
    return undefined;
  };
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return bad('not an object');
  const o = e as Record<string, unknown>;
  if (!isText(o.device)) return bad('device is not a non-empty string');
  if (!isText(o.mountpoint)) return bad('mountpoint is not a non-empty string');
  const m: MountFact = { device: o.device, mountpoint: o.mountpoint };
  if (o.type !== undefined) {
    if (!isText(o.type)) return bad('type is not a non-empty string');
    m.type = o.type;
  }
  if (o.options !== undefined) {
    if (!Array.isArray(o.options) || o.options.length > 64 || !o.options.every(isText)) return bad('options is not a list of words');
    m.options = [...(o.options as string[])];
  }
  if (o.flags !== undefined) {
    if (!isCount(o.flags) || o.flags > 0xffffffff) return bad('flags is not a 32-bit count');
    m.flags = o.flags;
  }
  if (o.statfs !== undefined) {
    const s = o.statfs as Record<string, unknown> | null;
    if (typeof s !== 'object' || s === null || !isCount(s.bsize) || !isCount(s.blocks) || !isCount(s.bfree) || !isCount(s.bavail))
      return bad('statfs is not {bsize, blocks, bfree, bavail} counts');
    m.statfs = { bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail };
  }
  return m;
}

function parseJson(text: string, errors: ParseError[]): FsFacts | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    errors.push(parseError('filesystems', 'malformed', `not JSON: ${(err as Error).message.slice(0, 120)}`));
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    errors.push(parseError('filesystems', 'malformed', 'JSON is not an object'));
    return undefined;
  }
  const d = doc as Record<string, unknown>;
  if (d.format !== FACTS_FORMAT) {
    errors.push(parseError('filesystems', 'unknown_layout', `format is not ${FACTS_FORMAT}: ${String(d.format).slice(0, 60)}`));
    return undefined;
  }
  if (!Array.isArray(d.mounts)) {
    errors.push(parseError('filesystems', 'missing_field', 'no mounts list'));
    return undefined;
  }
  if (d.mounts.length > MAX_MOUNTS) {
    errors.push(parseError('filesystems', 'too_large', `more than ${MAX_MOUNTS} mounts`));
    return undefined;
  }
  const mounts: MountFact[] = [];
  for (let i = 0; i < d.mounts.length; i++) {
    const m = jsonMount(d.mounts[i], i, errors);
    if (m) mounts.push(m);
  }
  return { format: FACTS_FORMAT, from: typeof d.from === 'string' ? d.from.slice(0, 32) : 'json', mounts };
}

// ---------------------------------------------------------------------------------------------
// mount

/** macOS: `DEVICE on MOUNTPOINT (type, option, option)`. */
const MAC_MOUNT = /^(.+?) on (\/.*) \(([^()]*)\)$/;
/** Linux: `DEVICE on MOUNTPOINT type TYPE (opt,opt)`. */
const LINUX_MOUNT = /^(.+?) on (\/.*) type (\S+) \(([^()]*)\)$/;

function mountLine(line: string): MountFact | undefined {
  const l = LINUX_MOUNT.exec(line);
  if (l) return { device: l[1]!, mountpoint: l[2]!, type: l[3]!, options: l[4]!.split(',').map((w) => w.trim()).filter((w) => w.length > 0) };
  const m = MAC_MOUNT.exec(line);
  if (!m) return undefined;
  const words = m[3]!.split(',').map((w) => w.trim()).filter((w) => w.length > 0);
  const type = words.shift();
  if (type === undefined) return undefined;
  return { device: m[1]!, mountpoint: m[2]!, type, options: words };
}

// ---------------------------------------------------------------------------------------------
// df

type ColKind = 'size' | 'pct' | 'inodes' | 'word';
interface DfLayout {
  cols: ColKind[];
  /** Bytes per unit of the size columns; 0: human-readable (`460Gi`). */
  unit: number;
}

const SIZE_RE = '(\\d+(?:\\.\\d+)?(?:[BKMGTPEZ]i?)?|-)';
const PCT_RE = '(\\d+%|-)';
const INODE_RE = '(\\d+(?:\\.\\d+)?[kKMGTPB]?|-)';
const WORD_RE = '(\\S+)';

/** The df header: the columns between `Filesystem` and `Mounted on`. */
function dfLayout(line: string): DfLayout | undefined {
  const m = /^Filesystem\s+(.*?)\s+Mounted on\s*$/.exec(line);
  if (!m) return undefined;
  const cols: ColKind[] = [];
  let unit = -1;
  for (const name of m[1]!.split(/\s+/)) {
    const blocks = /^(\d+)(K)?-blocks$/.exec(name);
    if (blocks) {
      unit = Number(blocks[1]) * (blocks[2] ? 1024 : 1);
      cols.push('size');
    } else if (name === 'Size') {
      unit = 0;
      cols.push('size');
    } else if (/^(Used|Avail|Available)$/.test(name)) cols.push('size');
    else if (/^(Capacity|Use%|%iused|IUse%)$/.test(name)) cols.push('pct');
    else if (/^(iused|ifree|Inodes|IUsed|IFree)$/.test(name)) cols.push('inodes');
    else if (name === 'Type') cols.push('word');
    else return undefined;
  }
  const sizes = cols.filter((c) => c === 'size').length;
  if (unit < 0 || !Number.isSafeInteger(unit) || sizes !== 3) return undefined;
  return { cols, unit };
}

const HUMAN: Record<string, number> = { B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60, Z: 2 ** 70 };

/** A size cell in bytes (integers), or undefined. */
function sizeBytes(cell: string, unit: number): number | undefined {
  if (cell === '-') return undefined;
  if (unit > 0) {
    if (!/^\d+$/.test(cell)) return undefined;
    const n = Number(cell) * unit;
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const m = /^(\d+(?:\.\d+)?)([BKMGTPEZ])?i?$/.exec(cell);
  if (!m) return undefined;
  const n = Math.round(Number(m[1]) * HUMAN[m[2] ?? 'B']!);
  return Number.isSafeInteger(n) ? n : undefined;
}

function dfRow(line: string, layout: DfLayout, re: RegExp): { fact?: MountFact; why?: string } {
  const m = re.exec(line);
  if (!m) return { why: 'not a df row' };
  const device = m[1]!;
  const mountpoint = m[m.length - 1]!;
  const sizes: Array<number | undefined> = [];
  let type: string | undefined;
  layout.cols.forEach((c, i) => {
    if (c === 'size') sizes.push(sizeBytes(m[2 + i]!, layout.unit));
    else if (c === 'word') type = m[2 + i]!;
  });
  const [size, used, avail] = sizes;
  const fact: MountFact = { device, mountpoint, ...(type !== undefined ? { type } : {}) };
  if (size === undefined || used === undefined || avail === undefined) return { fact };
  if (used > size) return { fact, why: `used ${used} is more than the size ${size}` };
  // Counters in bytes (bsize 1): exact for the block formats, df's own rounding for -h.
  fact.statfs = { bsize: 1, blocks: size, bfree: size - used, bavail: avail };
  return { fact };
}

// ---------------------------------------------------------------------------------------------

/** The facts in a text (JSON, `mount`, `df`, or `mount` then `df`), and errors for what could not be read. */
export function readFacts(text: string, errors: ParseError[]): FsFacts | undefined {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) return parseJson(trimmed, errors);
  const lines = text.split('\n');
  const byMount = new Map<string, MountFact>();
  const order: MountFact[] = [];
  let sawMount = false;
  let sawDf = false;
  let layout: DfLayout | undefined;
  let rowRe: RegExp | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) continue;
    if (line.length > MAX_LINE) {
      errors.push(parseError('filesystems', 'too_large', `a line longer than ${MAX_LINE} characters`, { line: i + 1 }));
      continue;
    }
    if (/[\u0000-\u0008\u000e-\u001f\u007f]/.test(line)) {
      errors.push(parseError('filesystems', 'malformed', 'binary data in a mount table', { line: i + 1 }));
      continue;
    }
    if (line.startsWith('Filesystem')) {
      layout = dfLayout(line);
      if (!layout) {
        errors.push(parseError('filesystems', 'unknown_layout', `a df header never seen: ${line.slice(0, 100)}`, { line: i + 1 }));
        rowRe = undefined;
        continue;
      }
      const cells = layout.cols.map((c) => (c === 'size' ? SIZE_RE : c === 'pct' ? PCT_RE : c === 'inodes' ? INODE_RE : WORD_RE));
      rowRe = new RegExp(`^(\\S.*?)\\s+${cells.join('\\s+')}\\s+(\\/.*?)\\s*$`);
      sawDf = true;
      continue;
    }
    let fact: MountFact | undefined;
    if (layout && rowRe) {
      const r = dfRow(line, layout, rowRe);
      if (r.why !== undefined && !r.fact) {
        const asMount = mountLine(line);
        if (!asMount) {
          errors.push(parseError('filesystems', 'malformed', `not a df row: ${line.slice(0, 100)}`, { line: i + 1 }));
          continue;
        }
        fact = asMount;
        sawMount = true;
      } else {
        if (r.why !== undefined) errors.push(parseError('filesystems', 'invalid_value', `${r.why}: ${line.slice(0, 100)}`, { line: i + 1 }));
        fact = r.fact!;
      }
    } else {
      fact = mountLine(line);
      if (!fact) {
        errors.push(parseError('filesystems', 'malformed', `not a mount line: ${line.slice(0, 100)}`, { line: i + 1 }));
        continue;
      }
      sawMount = true;
    }
    if (fact.device.length > MAX_FIELD || fact.mountpoint.length > MAX_FIELD) {
      errors.push(parseError('filesystems', 'too_large', 'a device or mountpoint longer than 4096 characters', { line: i + 1 }));
      continue;
    }
    // The same mountpoint twice (stacked mounts; or the mount line and the df row of one capture).
    const prev = byMount.get(fact.mountpoint);
    if (prev && sawMount && sawDf && prev.statfs === undefined && fact.statfs !== undefined && prev.device === fact.device) {
      prev.statfs = fact.statfs;
      if (prev.type === undefined && fact.type !== undefined) prev.type = fact.type;
      continue;
    }
    if (order.length >= MAX_MOUNTS) {
      errors.push(parseError('filesystems', 'too_large', `more than ${MAX_MOUNTS} mounts`));
      break;
    }
    byMount.set(fact.mountpoint, fact);
    order.push(fact);
  }
  if (!sawMount && !sawDf) return undefined;
  return { format: FACTS_FORMAT, from: sawMount && sawDf ? 'mount+df' : sawDf ? 'df' : 'mount', mounts: order };
}
