/**
 * Parser for one-shot `vm_stat` output (no interval argument). Pure: text in, VmStatSample /
 * ParseError out. `push` buffers, `end` parses; a caller that polls creates one parser per poll
 * or calls `parseVmStat(text)`.
 *
 * Format (system_cmds vm_stat.c, reference §3.1): a banner
 * `Mach Virtual Memory Statistics: (page size of 16384 bytes)`, then one `Label:   N.` line per
 * counter (label left-justified, number right-justified, trailing period; newer releases print
 * wider columns). Labels are read by name, never by position: `"Translation faults":` carries
 * literal double quotes (stripped here), unknown labels (e.g. the MTE `Pages tagged:` family) are
 * kept in `counters`. Several one-shot outputs concatenated give one sample per banner.
 *
 * Interval mode (`vm_stat 1`: a column header and rows of gauges mixed with deltas, K/M/G
 * abbreviations) is NOT parsed: it is reported as `unknown_layout`, never turned into a sample.
 *
 * Activity Monitor style figures (reference §3.2; Apple does not document its formula, this is
 * the one stats and macmon use), with every count in pages and `page` the banner's page size:
 *   used       = (active + inactive + speculative + wired + occupied_by_compressor
 *                 − purgeable − file_backed) × page
 *   wired      = wired × page
 *   compressed = occupied_by_compressor × page
 *   app        = used − wired − compressed
 *   cached     = (purgeable + file_backed) × page
 *   free       = pages_free × page   (vm_stat's "Pages free" already excludes speculative pages)
 * No value is clamped: a negative figure would reach the caller as computed.
 */
import type { StreamParser } from '../../parsers/parser.ts';
import { safely } from '../../parsers/parser.ts';
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import type { VmStatSample } from './sample.ts';

/** A one-shot vm_stat is ~1.3 KB; anything far beyond this is not one. */
const MAX_INPUT_CHARS = 1024 * 1024;
const BANNER = /^Mach Virtual Memory Statistics: \(page size of (\d+) bytes\)\s*$/;
/** `Label: N.` with the label optionally in double quotes; the trailing period is optional here. */
const COUNTER = /^(?:"([^"]+)"|([^":]+)):\s*(\d+)\.?\s*$/;
/** First words of the interval-mode column header. */
const INTERVAL_HEADER = /^\s*free\s+active\s+specul\b/;

/** Printed label (quotes stripped) → `bytes` field. */
const PAGE_GAUGES = {
  free: 'Pages free',
  active: 'Pages active',
  inactive: 'Pages inactive',
  speculative: 'Pages speculative',
  throttled: 'Pages throttled',
  wired: 'Pages wired down',
  purgeable: 'Pages purgeable',
  fileBacked: 'File-backed pages',
  anonymous: 'Anonymous pages',
  storedInCompressor: 'Pages stored in compressor',
  occupiedByCompressor: 'Pages occupied by compressor',
} as const satisfies Record<keyof VmStatSample['bytes'], string>;

/** Printed label → `totals` field (cumulative since boot). */
const TOTALS = {
  faults: 'Translation faults',
  copyOnWrite: 'Pages copy-on-write',
  zeroFilled: 'Pages zero filled',
  reactivated: 'Pages reactivated',
  purged: 'Pages purged',
  decompressions: 'Decompressions',
  compressions: 'Compressions',
  pageins: 'Pageins',
  pageouts: 'Pageouts',
  swapins: 'Swapins',
  swapouts: 'Swapouts',
} as const satisfies Record<keyof VmStatSample['totals'], string>;

interface Block {
  pageSize: number;
  bannerLine: number;
  counters: Record<string, number>;
}

function pick<K extends string>(
  map: Record<K, string>,
  counters: Record<string, number>,
  missing: string[],
  scale: number,
): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const [field, label] of Object.entries(map) as [K, string][]) {
    const v = counters[label];
    if (v === undefined) missing.push(label);
    else out[field] = v * scale;
  }
  return out;
}

function toSample(b: Block): Array<VmStatSample | ParseError> {
  const missing: string[] = [];
  const bytes = pick(PAGE_GAUGES, b.counters, missing, b.pageSize);
  const totals = pick(TOTALS, b.counters, missing, 1);
  if (missing.length > 0) {
    return [parseError('vm_stat', 'missing_field', `vm_stat output lacks: ${missing.join(', ')}`, { line: b.bannerLine })];
  }
  const c = b.counters;
  const page = b.pageSize;
  const pages = (label: string): number => c[label]!;
  // Activity Monitor style (reference §3.2); see the file comment and docs/sources.md.
  const usedBytes =
    (pages('Pages active') +
      pages('Pages inactive') +
      pages('Pages speculative') +
      pages('Pages wired down') +
      pages('Pages occupied by compressor') -
      pages('Pages purgeable') -
      pages('File-backed pages')) *
    page;
  const wiredBytes = pages('Pages wired down') * page;
  const compressedBytes = pages('Pages occupied by compressor') * page;
  const appBytes = usedBytes - wiredBytes - compressedBytes;
  const sample: VmStatSample = { type: 'vm_stat', pageSizeBytes: page, counters: { ...c }, bytes, totals };
  // The page queues are reported as printed; the Activity Monitor figures built from them must make
  // sense (purgeable and file-backed pages cannot exceed the queues that hold them), else they are left out.
  if (appBytes < 0)
    return [
      sample,
      parseError('vm_stat', 'invalid_value', 'purgeable and file-backed pages exceed what the other queues hold: no Activity Monitor memory figures', {
        line: b.bannerLine,
      }),
    ];
  sample.derived = {
    usedBytes,
    appBytes,
    wiredBytes,
    compressedBytes,
    cachedFilesBytes: (pages('Pages purgeable') + pages('File-backed pages')) * page,
    freeBytes: pages('Pages free') * page,
  };
  return [sample];
}

/** Parse one or more concatenated one-shot vm_stat outputs. Never throws. */
export function parseVmStat(text: string): Array<VmStatSample | ParseError> {
  return safely<VmStatSample>('vm_stat', () => {
    const out: Array<VmStatSample | ParseError> = [];
    if (text.trim().length === 0) return [parseError('vm_stat', 'empty', 'no vm_stat output')];
    if (text.length > MAX_INPUT_CHARS)
      return [parseError('vm_stat', 'malformed', `vm_stat output longer than ${MAX_INPUT_CHARS} characters`)];
    let block: Block | null = null;
    let intervalMode = false;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      const line = lines[i]!.replace(/\r$/, '');
      if (line.trim().length === 0) continue;
      const banner = BANNER.exec(line.trim());
      if (banner) {
        if (block) out.push(...toSample(block));
        intervalMode = false;
        const pageSize = Number(banner[1]);
        if (!Number.isSafeInteger(pageSize) || pageSize <= 0) {
          block = null;
          out.push(parseError('vm_stat', 'invalid_value', `page size ${banner[1]} is not usable`, { line: lineNo }));
        } else {
          block = { pageSize, bannerLine: lineNo, counters: {} };
        }
        continue;
      }
      if (INTERVAL_HEADER.test(line)) {
        // `vm_stat N` rather than one-shot: the whole block is unusable as a one-shot sample.
        if (!intervalMode) {
          out.push(
            parseError('vm_stat', 'unknown_layout', 'vm_stat interval mode is not supported, run it without an interval', {
              line: lineNo,
            }),
          );
        }
        intervalMode = true;
        block = null;
        continue;
      }
      if (intervalMode) continue; // its rows were reported with the header above
      const m = COUNTER.exec(line.trim());
      if (!m) {
        out.push(parseError('vm_stat', 'malformed', `not a vm_stat line: ${line.trim().slice(0, 80)}`, { line: lineNo }));
        continue;
      }
      if (!block) {
        out.push(
          parseError('vm_stat', 'missing_field', 'vm_stat counter before the page-size banner', { line: lineNo }),
        );
        // Report the missing banner once per run of banner-less lines.
        while (i + 1 < lines.length && COUNTER.test(lines[i + 1]!.replace(/\r$/, '').trim())) i++;
        continue;
      }
      const label = (m[1] ?? m[2]!).trim();
      const value = Number(m[3]);
      if (!Number.isSafeInteger(value)) {
        out.push(parseError('vm_stat', 'invalid_value', `${label}: ${m[3]} exceeds 2^53`, { line: lineNo }));
        continue;
      }
      block.counters[label] = value;
    }
    if (block) out.push(...toSample(block));
    return out;
  });
}

export function createVmStatParser(): StreamParser<VmStatSample> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let text = '';
  let overflow = false;
  return {
    source: 'vm_stat',
    push(chunk) {
      return safely<VmStatSample>('vm_stat', () => {
        if (overflow) return [];
        text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
        if (text.length > MAX_INPUT_CHARS) {
          overflow = true;
          text = '';
          return [parseError('vm_stat', 'malformed', `vm_stat output longer than ${MAX_INPUT_CHARS} characters`)];
        }
        return [];
      });
    },
    end() {
      return safely<VmStatSample>('vm_stat', () => {
        if (overflow) return [];
        const all = text + decoder.decode();
        text = '';
        return parseVmStat(all);
      });
    },
  };
}
