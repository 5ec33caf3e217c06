/**
 * Parser for `ioreg -r -d 2 -l -w 0 -c IOBlockStorageDriver` (and the native reader's facts, converted
 * into the same entries). Pure, never throws: text in, DisksSample / ParseError out.
 *
 * Each `IOBlockStorageDriver` entry's "Statistics" dictionary holds since-boot counters:
 *   "Bytes (Read|Write)", "Operations (Read|Write)", "Total Time (Read|Write)" (nanoseconds);
 * the disk's name is the "BSD Name" of its child `IOMedia` with "Whole" = Yes (`disk0`). A driver
 * without a named whole-disk child (no medium inserted) is skipped; a counter that is not a
 * non-negative integer below 2^53 is a typed error and its disk is left out.
 */
import type { IoregEntry } from '../../parsers/ioreg.ts';
import { ioregDict, ioregErrors, ioregUint, parseIoreg } from '../../parsers/ioreg.ts';
import { createOneShotParser } from '../../parsers/oneshot.ts';
import type { StreamParser } from '../../parsers/parser.ts';
import { safely } from '../../parsers/parser.ts';
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import type { DiskStats, DisksSample } from './sample.ts';
import { MAX_DISKS } from './sample.ts';

export const DISKS_CLASS = 'IOBlockStorageDriver';
/** Read from the driver. */
export const DRIVER_KEYS = ['Statistics'] as const;
/** Read from its children (the whole-disk IOMedia). */
export const MEDIA_KEYS = ['BSD Name', 'Whole'] as const;
const KEY_SET: ReadonlySet<string> = new Set([...DRIVER_KEYS, ...MEDIA_KEYS]);

const MAX_INPUT_CHARS = 4 * 1024 * 1024;
const FIELDS = {
  readBytes: 'Bytes (Read)',
  writeBytes: 'Bytes (Write)',
  readOps: 'Operations (Read)',
  writeOps: 'Operations (Write)',
  readTimeNs: 'Total Time (Read)',
  writeTimeNs: 'Total Time (Write)',
} as const;
const BSD = /^disk\d+$/;

const diskNumber = (d: string): number => Number(d.slice(4));

/** Disks from registry entries (text or native path alike). */
export function interpretDisks(entries: readonly IoregEntry[], errors: ParseError[]): DisksSample | undefined {
  const disks: DiskStats[] = [];
  let drivers = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const stats = ioregDict(e.properties['Statistics']);
    if (!stats) continue;
    drivers++;
    let device: string | undefined;
    for (let j = i + 1; j < entries.length; j++) {
      const c = entries[j]!;
      if (c.depth <= e.depth) break;
      if (c.parent !== i) continue;
      const name = c.properties['BSD Name'];
      if (c.properties['Whole'] === true && typeof name === 'string' && BSD.test(name)) {
        device = name;
        break;
      }
    }
    if (device === undefined) continue; // no medium: nothing to name, nothing counted
    const d: Partial<DiskStats> = { device };
    let ok = true;
    for (const [field, key] of Object.entries(FIELDS) as Array<[keyof typeof FIELDS, string]>) {
      const v = ioregUint(stats[key]);
      if (v === undefined) {
        errors.push(parseError('disks', stats[key] === undefined ? 'missing_field' : 'invalid_value', `${device}: "${key}" ${stats[key] === undefined ? 'missing' : 'is not a counter below 2^53'}`));
        ok = false;
      } else d[field] = v;
    }
    if (ok) disks.push(d as DiskStats);
  }
  if (drivers === 0) {
    errors.push(parseError('disks', entries.length === 0 ? 'empty' : 'missing_field', entries.length === 0 ? 'no IOBlockStorageDriver entry' : 'no "Statistics" in any IOBlockStorageDriver'));
    return undefined;
  }
  const seen = new Set<string>();
  const unique = disks.filter((d) => !seen.has(d.device) && seen.add(d.device));
  unique.sort((a, b) => diskNumber(a.device) - diskNumber(b.device));
  if (unique.length > MAX_DISKS) errors.push(parseError('disks', 'too_large', `${unique.length} disks; the first ${MAX_DISKS} are kept`));
  return { type: 'disks', disks: unique.slice(0, MAX_DISKS) };
}

/** Parse one ioreg text. Never throws. */
export function parseDisks(text: string): Array<DisksSample | ParseError> {
  return safely<DisksSample>('disks', () => {
    if (text.length > MAX_INPUT_CHARS) return [parseError('disks', 'too_large', `ioreg output longer than ${MAX_INPUT_CHARS} characters`)];
    if (text.trim().length === 0) return [parseError('disks', 'empty', 'no ioreg output')];
    const p = parseIoreg(text, { keys: KEY_SET });
    const errors = ioregErrors('disks', p);
    const sample = interpretDisks(p.entries, errors);
    return sample ? [...errors, sample] : errors;
  });
}

export function createDisksParser(): StreamParser<DisksSample> {
  return createOneShotParser<DisksSample>('disks', parseDisks, MAX_INPUT_CHARS);
}
