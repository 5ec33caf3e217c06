/**
 * Parser for `ioreg -r -d 1 -w 0 -c IOAccelerator` (and the native reader's facts, converted into the
 * same entries by src/parsers/iokit-facts.ts). Pure, never throws: text in, GpuSample / ParseError out.
 *
 * Each entry with a "PerformanceStatistics" dictionary is one GPU. Read from it:
 *   "Device Utilization %", "Renderer Utilization %", "Tiler Utilization %"   integers 0–100 → ratio
 *   "In use system memory"        bytes; the exact key only. Newer macOS lists "In use system memory
 *                                 (driver)" first (0 in the M4 capture): it is a different figure and
 *                                 is never taken in its place.
 *   "Alloc system memory"         bytes allocated by the GPU driver, resident or not.
 * and from the entry: "model", "gpu-core-count". Everything else (including the ~45 KB
 * "IOReportLegend") is skipped unparsed by the ioreg parser's key filter.
 */
import type { IoregEntry, IoregValue } from '../../parsers/ioreg.ts';
import { ioregDict, ioregErrors, ioregUint, parseIoreg } from '../../parsers/ioreg.ts';
import { createOneShotParser } from '../../parsers/oneshot.ts';
import type { StreamParser } from '../../parsers/parser.ts';
import { safely } from '../../parsers/parser.ts';
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import type { GpuDevice, GpuSample } from './sample.ts';
import { MAX_GPUS } from './sample.ts';

/** The properties read (the ioreg key filter, and what the native reader fetches). */
export const GPU_KEYS = ['PerformanceStatistics', 'model', 'gpu-core-count'] as const;
export const GPU_KEY_SET: ReadonlySet<string> = new Set(GPU_KEYS);
/** The registry class matched. */
export const GPU_CLASS = 'IOAccelerator';

const MAX_INPUT_CHARS = 4 * 1024 * 1024;
const IN_USE = 'In use system memory';
const ALLOC = 'Alloc system memory';
const UTIL = { deviceUtilization: 'Device Utilization %', rendererUtilization: 'Renderer Utilization %', tilerUtilization: 'Tiler Utilization %' } as const;

/** GPUs from registry entries (text or native path alike). */
export function interpretGpu(entries: readonly IoregEntry[], errors: ParseError[]): GpuSample | undefined {
  const gpus: GpuDevice[] = [];
  let seen = 0;
  for (const e of entries) {
    const stats = ioregDict(e.properties['PerformanceStatistics']);
    if (!stats) continue;
    seen++;
    if (gpus.length >= MAX_GPUS) continue;
    const g: GpuDevice = { id: gpus.length === 0 ? 'gpu' : `gpu${gpus.length}`, className: e.className };
    const model = e.properties['model'];
    if (typeof model === 'string' && model.length > 0 && model.length <= 128) g.model = model;
    else if (model instanceof Uint8Array) {
      // The registry stores "model" as data on some entries; ioreg prints <"Apple M4">.
      const s = new TextDecoder().decode(model).replace(/\0+$/, '');
      if (s.length > 0 && s.length <= 128 && !/[\u0000-\u001f]/.test(s)) g.model = s;
    }
    const cores = ioregUint(e.properties['gpu-core-count']);
    if (cores !== undefined && cores <= 1024) g.coreCount = cores;
    for (const [field, key] of Object.entries(UTIL) as Array<[keyof typeof UTIL, string]>) {
      const v = stats[key];
      if (v === undefined) continue;
      const n = ioregUint(v);
      if (n === undefined || n > 100) errors.push(parseError('gpu', 'invalid_value', `${key}: not a percentage 0–100: ${show(v)}`));
      else g[field] = n / 100;
    }
    const bytes = (key: string): number | undefined => {
      const v = stats[key];
      if (v === undefined) return undefined;
      const n = ioregUint(v);
      if (n === undefined || n > 2 ** 50) errors.push(parseError('gpu', 'invalid_value', `${key}: not a byte count: ${show(v)}`));
      return n !== undefined && n <= 2 ** 50 ? n : undefined;
    };
    const inUse = bytes(IN_USE);
    if (inUse !== undefined) g.inUseBytes = inUse;
    const alloc = bytes(ALLOC);
    if (alloc !== undefined) g.allocBytes = alloc;
    gpus.push(g);
  }
  if (seen > MAX_GPUS) errors.push(parseError('gpu', 'too_large', `${seen} accelerators; the first ${MAX_GPUS} are kept`));
  if (gpus.length === 0) {
    errors.push(parseError('gpu', entries.length === 0 ? 'empty' : 'missing_field', entries.length === 0 ? 'no IOAccelerator entry' : 'no "PerformanceStatistics" in any IOAccelerator entry'));
    return undefined;
  }
  return { type: 'gpu', gpus };
}

function show(v: IoregValue): string {
  return typeof v === 'bigint' ? `${v}` : JSON.stringify(v instanceof Uint8Array ? '<data>' : v)?.slice(0, 60) ?? String(v);
}

/** Parse one ioreg text. Never throws. */
export function parseGpu(text: string): Array<GpuSample | ParseError> {
  return safely<GpuSample>('gpu', () => {
    if (text.length > MAX_INPUT_CHARS) return [parseError('gpu', 'too_large', `ioreg output longer than ${MAX_INPUT_CHARS} characters`)];
    if (text.trim().length === 0) return [parseError('gpu', 'empty', 'no ioreg output')];
    const p = parseIoreg(text, { keys: GPU_KEY_SET });
    const errors = ioregErrors('gpu', p);
    const sample = interpretGpu(p.entries, errors);
    return sample ? [...errors, sample] : errors;
  });
}

export function createGpuParser(): StreamParser<GpuSample> {
  return createOneShotParser<GpuSample>('gpu', parseGpu, MAX_INPUT_CHARS);
}
