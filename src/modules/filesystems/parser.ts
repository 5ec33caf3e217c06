/**
 * Parser for the filesystems source (pure): the facts (./facts.ts: the JSON a live read builds and
 * `dump` writes, or `mount` and/or `df` text) → the selection (./select.ts) → one FilesystemsSample.
 *
 * Sizes of a shown volume from its statfs counters, as df and the Collector's hostmetrics count them:
 *   used     = (blocks − bfree) × bsize
 *   free     = bavail × bsize
 *   reserved = (bfree − bavail) × bsize   (on APFS: what the container's other volumes hold)
 *   total    = used + free + reserved     (= blocks × bsize)
 * A shown volume without counters (statfs pending or failed; a `mount` capture) is counted `unsized`.
 * Counters that cannot be true (bfree above blocks) are a typed `invalid_value` error for that volume.
 */
import type { StreamParser } from '../../parsers/parser.ts';
import { safely } from '../../parsers/parser.ts';
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import { readFacts } from './facts.ts';
import type { FsFacts } from './facts.ts';
import type { FilesystemsSample, Volume } from './sample.ts';
import { MAX_VOLUMES_CEILING } from './sample.ts';
import type { SelectConfig } from './select.ts';
import { selectMounts } from './select.ts';

/** Default selection; 4 volumes (Data, VM and two more) keeps the node inside its series budget. */
export const DEFAULT_SELECT: SelectConfig = { maxVolumes: 4, include: [], exclude: [], includeReadOnly: false, includeNetwork: false };

const MAX_INPUT_CHARS = 4 * 1024 * 1024;
/** Longest attribute value; a longer one is cut and ends in `~` and a hash of the whole. */
export const MAX_ATTR_CHARS = 160;

/** FNV-1a, 32 bits, as 8 hex digits. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * An attribute value from a device or mountpoint: control and format characters (and lone surrogates)
 * written as `\u{…}`, at most MAX_ATTR_CHARS characters (a cut one ends in `~` and a hash of the whole).
 */
export function attrValue(s: string): string {
  const escaped = s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\p{Cs}/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
  if (escaped.length <= MAX_ATTR_CHARS) return escaped;
  let head = escaped.slice(0, MAX_ATTR_CHARS - 9);
  // Never end on half a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head}~${fnv1a(escaped)}`;
}

function sizes(f: NonNullable<FsFacts['mounts'][number]['statfs']>): Pick<Volume, 'totalBytes' | 'usedBytes' | 'freeBytes' | 'reservedBytes'> | string {
  if (f.bfree > f.blocks) return `bfree ${f.bfree} is more than blocks ${f.blocks}`;
  const used = (f.blocks - f.bfree) * f.bsize;
  const free = f.bavail * f.bsize;
  // bavail above bfree: nothing is held back (df -h rounding, or a filesystem that reports so).
  const reserved = Math.max(0, f.bfree - f.bavail) * f.bsize;
  const total = used + free + reserved;
  if (!Number.isSafeInteger(total)) return `sizes past 2^53 bytes (bsize ${f.bsize}, blocks ${f.blocks})`;
  return { totalBytes: total, usedBytes: used, freeBytes: free, reservedBytes: reserved };
}

/** The sample for a set of facts under a selection configuration. */
export function sampleFromFacts(facts: FsFacts, cfg: SelectConfig, errors: ParseError[]): FilesystemsSample {
  const sel = selectMounts(facts.mounts, { ...cfg, maxVolumes: Math.min(cfg.maxVolumes, MAX_VOLUMES_CEILING) });
  const volumes: Volume[] = [];
  let unsized = 0;
  for (const c of sel.shown) {
    const m = c.fact;
    if (!m.statfs) {
      unsized++;
      continue;
    }
    const s = sizes(m.statfs);
    if (typeof s === 'string') {
      errors.push(parseError('filesystems', 'invalid_value', `${attrValue(m.mountpoint)}: ${s}`));
      unsized++;
      continue;
    }
    volumes.push({
      device: attrValue(m.device),
      mountpoint: attrValue(m.mountpoint),
      ...(m.type !== undefined ? { fsType: attrValue(m.type) } : {}),
      ...(c.readOnly !== undefined ? { mode: c.readOnly ? ('ro' as const) : ('rw' as const) } : {}),
      role: c.role,
      ...s,
    });
  }
  const sample: FilesystemsSample = {
    type: 'filesystems',
    volumes,
    mounts: facts.mounts.length,
    skipped: sel.skipped,
    overLimit: sel.overLimit,
    unsized,
  };
  if (sel.overLimit > 0) sample.dropped = { over_limit: sel.overLimit };
  return sample;
}

/** Parse one capture or live read. Never throws. */
export function parseFilesystems(text: string, cfg: SelectConfig = DEFAULT_SELECT): Array<FilesystemsSample | ParseError> {
  return safely<FilesystemsSample>('filesystems', () => {
    if (text.length > MAX_INPUT_CHARS) return [parseError('filesystems', 'too_large', `input longer than ${MAX_INPUT_CHARS} characters`)];
    if (text.trim().length === 0) return [parseError('filesystems', 'empty', 'no mount table')];
    const errors: ParseError[] = [];
    const facts = readFacts(text, errors);
    if (!facts) {
      if (errors.length === 0) errors.push(parseError('filesystems', 'empty', 'no mount table'));
      return errors;
    }
    if (facts.mounts.length === 0) return [...errors, parseError('filesystems', 'empty', 'a mount table without mounts')];
    const sample = sampleFromFacts(facts, cfg, errors);
    return [...errors, sample];
  });
}

export function createFilesystemsParser(cfg: SelectConfig = DEFAULT_SELECT): StreamParser<FilesystemsSample> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let text = '';
  let overflow = false;
  return {
    source: 'filesystems',
    push(chunk) {
      return safely<FilesystemsSample>('filesystems', () => {
        if (overflow) return [];
        text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
        if (text.length > MAX_INPUT_CHARS) {
          overflow = true;
          text = '';
          return [parseError('filesystems', 'too_large', `input longer than ${MAX_INPUT_CHARS} characters`)];
        }
        return [];
      });
    },
    end() {
      return safely<FilesystemsSample>('filesystems', () => {
        if (overflow) return [];
        const all = text + decoder.decode();
        text = '';
        return parseFilesystems(all, cfg);
      });
    },
  };
}
