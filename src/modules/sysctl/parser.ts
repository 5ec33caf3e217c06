/**
 * Parser for `sysctl <name> <name> …` output. Pure: text in, SysctlSample / ParseError out.
 * `push` buffers, `end` parses; `parseSysctl(text)` does the same in one call.
 *
 * Lines are `name: value` (`-e` prints `name=value`; both accepted, split at the first separator
 * after the dotted name). Every pair is kept verbatim in `values`; the known names below are also
 * interpreted (reference §3.3, §3.4, §3.6):
 *   vm.swapusage                       `total = 2048.00M  used = …M  free = …M  (encrypted)`, MiB → bytes
 *   kern.memorystatus_vm_pressure_level 1 normal, 2 warn, 4 critical, anything else `unknown` (raw kept)
 *   hw.memsize                         bytes
 *   hw.model, machdep.cpu.brand_string, kern.osproductversion, kern.osversion   strings
 *   hw.perflevelN.{name,physicalcpu,logicalcpu}   one PerfLevel per N (0 = fastest tier)
 *   iogpu.wired_limit_mb               MiB, 0 = the system default (`old -> new` of the set form: new)
 *
 * `sysctl -n` prints bare values without names: pass `{ names: [...] }` (the names in the order
 * given to sysctl) and each non-empty line is matched to the next name.
 *
 * Values are single-line: every sysctl this agent reads prints on one line, and a line that is not
 * `name: value` is reported as `malformed` rather than glued to the previous value. A pasted shell
 * prompt echoing the command (`% sysctl hw`, as in two published captures) is skipped.
 */
import type { StreamParser } from '../../parsers/parser.ts';
import { safely } from '../../parsers/parser.ts';
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import type { PerfLevel, SysctlSample } from './sample.ts';

export interface SysctlParserOptions {
  /** For `sysctl -n a b c` output: the names, in the order their values are printed. */
  names?: readonly string[];
}

const MAX_INPUT_CHARS = 1024 * 1024;
/** A dotted sysctl name, then `:` or `=` as separator. */
const PAIR = /^([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+)\s*(?::|=)\s?(.*)$/;
/** An echoed shell command line in a pasted capture: `% sysctl hw`, `$ sysctl -n hw.memsize`. */
const PROMPT = /^[%$#>]\s+sysctl\b/;
const SWAP = /^total\s*=\s*(\d+(?:\.\d+)?)M\s+used\s*=\s*(\d+(?:\.\d+)?)M\s+free\s*=\s*(\d+(?:\.\d+)?)M\s*(\(encrypted\))?\s*$/;
const PERFLEVEL = /^hw\.perflevel(\d+)\.(name|physicalcpu|logicalcpu)$/;
const UINT = /^\d+$/;
/** Characters that make a line binary rather than text. */
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/;

const isNameStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 48 && c <= 57) || c === 45;

/**
 * PAIR without the regex for the common line: printable ASCII only, `a.b.c: value`. Returns the
 * name and value exactly as `PAIR.exec(line.trimEnd())` would, or undefined whenever the line is
 * anything else (a tab, non-ASCII, an odd shape), and the caller then asks PAIR itself.
 */
function asciiPair(line: string): [string, string] | undefined {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === 32) end--;
  for (let i = 0; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < 32 || c > 126) return undefined;
  }
  if (end === 0 || !isNameStart(line.charCodeAt(0))) return undefined;
  let i = 1;
  while (i < end && isNameChar(line.charCodeAt(i))) i++;
  let segments = 0;
  while (i < end && line.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < end && isNameChar(line.charCodeAt(i))) i++;
    if (i === start) return undefined;
    segments++;
  }
  if (segments === 0) return undefined;
  const nameEnd = i;
  while (i < end && line.charCodeAt(i) === 32) i++;
  const sep = i < end ? line.charCodeAt(i) : -1;
  if (sep !== 58 && sep !== 61) return undefined;
  i++;
  if (i < end && line.charCodeAt(i) === 32) i++;
  return [line.slice(0, nameEnd), line.slice(i, end)];
}

/**
 * One line (without its `\n`/`\r`) → [name, value], or undefined when it is not a `name: value` pair.
 * Replay uses it too (sysctlAsAsked), so both read names by the same grammar.
 */
export function splitPair(line: string): [string, string] | undefined {
  const fast = asciiPair(line);
  if (fast) return fast;
  const m = PAIR.exec(line.trimEnd());
  return m ? [m[1]!, m[2]!] : undefined;
}
const MIB = 1048576;
const PRESSURE: Record<number, 'normal' | 'warn' | 'critical'> = { 1: 'normal', 2: 'warn', 4: 'critical' };

/** Interpret the known names in `values`; problems become errors, the rest of the sample stands. */
function interpret(values: Record<string, string>, errors: ParseError[]): SysctlSample {
  const sample: SysctlSample = { type: 'sysctl', values: { ...values } };
  const bad = (name: string, why: string): void => {
    errors.push(parseError('sysctl', 'invalid_value', `${name}: ${why}: ${values[name]!.slice(0, 80)}`));
  };
  const uint = (name: string): number | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    const n = Number(v.trim());
    if (!UINT.test(v.trim()) || !Number.isSafeInteger(n)) {
      bad(name, 'not a non-negative integer');
      return undefined;
    }
    return n;
  };
  const str = (name: string): string | undefined => {
    const v = values[name]?.trim();
    return v === undefined || v.length === 0 ? undefined : v;
  };

  const swap = values['vm.swapusage'];
  if (swap !== undefined) {
    const m = SWAP.exec(swap.trim());
    const bytes = m ? [m[1], m[2], m[3]].map((x) => Number(x) * MIB) : [];
    if (m && bytes.every((b) => Number.isFinite(b) && b <= Number.MAX_SAFE_INTEGER)) {
      sample.swap = { totalBytes: bytes[0]!, usedBytes: bytes[1]!, freeBytes: bytes[2]!, encrypted: m[4] !== undefined };
    } else if (m) bad('vm.swapusage', 'a size too large to be real (not a finite byte count)');
    else bad('vm.swapusage', 'not `total = …M  used = …M  free = …M`');
  }

  const pressure = values['kern.memorystatus_vm_pressure_level'];
  if (pressure !== undefined) {
    const t = pressure.trim();
    const n = Number(t);
    if (/^-?\d+$/.test(t) && Number.isSafeInteger(n)) sample.memoryPressure = { raw: n, state: PRESSURE[n] ?? 'unknown' };
    else bad('kern.memorystatus_vm_pressure_level', 'not an integer');
  }

  const memsize = uint('hw.memsize');
  if (memsize !== undefined) sample.memsizeBytes = memsize;
  const wired = values['iogpu.wired_limit_mb'];
  if (wired !== undefined) {
    // The set form (`sudo sysctl iogpu.wired_limit_mb=N`) prints `old -> new`: the new value holds.
    const t = wired.includes('->') ? wired.slice(wired.lastIndexOf('->') + 2).trim() : wired.trim();
    const n = Number(t);
    if (UINT.test(t) && Number.isSafeInteger(n) && n <= 2 ** 40) sample.gpuWiredLimitMb = n;
    else bad('iogpu.wired_limit_mb', 'not a non-negative integer (MiB)');
  }
  const model = str('hw.model');
  if (model !== undefined) sample.hwModel = model;
  const brand = str('machdep.cpu.brand_string');
  if (brand !== undefined) sample.cpuBrand = brand;
  const product = str('kern.osproductversion');
  if (product !== undefined) sample.osProductVersion = product;
  const build = str('kern.osversion');
  if (build !== undefined) sample.osBuild = build;

  const levels = new Map<number, PerfLevel>();
  const names = Object.keys(values);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (!name.startsWith('hw.perflevel')) continue;
    const m = PERFLEVEL.exec(name);
    if (!m) continue;
    const level = Number(m[1]);
    if (!Number.isSafeInteger(level)) continue;
    const entry = levels.get(level) ?? { level };
    if (m[2] === 'name') {
      const s = str(name);
      if (s !== undefined) entry.name = s;
    } else {
      const n = uint(name);
      if (n !== undefined) {
        if (m[2] === 'physicalcpu') entry.physicalCpu = n;
        else entry.logicalCpu = n;
      }
    }
    levels.set(level, entry);
  }
  if (levels.size > 0) sample.perfLevels = [...levels.values()].sort((a, b) => a.level - b.level);
  return sample;
}

/** Parse `sysctl` output (named form, or `-n` form when `opts.names` is given). Never throws. */
export function parseSysctl(text: string, opts: SysctlParserOptions = {}): Array<SysctlSample | ParseError> {
  return safely<SysctlSample>('sysctl', () => {
    if (text.length > MAX_INPUT_CHARS)
      return [parseError('sysctl', 'malformed', `sysctl output longer than ${MAX_INPUT_CHARS} characters`)];
    const errors: ParseError[] = [];
    const values: Record<string, string> = {};
    let pairs = 0;
    const names = opts.names;
    let nextName = 0;
    const lines = text.split('\n');
    // One scan of the whole text; the per-line check only runs when something binary is in there.
    const binary = CONTROL.test(text);
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      const raw = lines[i]!;
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim().length === 0) continue;
      if (PROMPT.test(line)) continue;
      if (binary && CONTROL.test(line)) {
        errors.push(parseError('sysctl', 'malformed', 'binary or non-text data in sysctl output', { line: lineNo }));
        continue;
      }
      if (names) {
        const name = names[nextName];
        if (name === undefined) {
          errors.push(
            parseError('sysctl', 'malformed', `more values than the ${names.length} names given: ${line.slice(0, 80)}`, {
              line: lineNo,
            }),
          );
          continue;
        }
        nextName++;
        values[name] = line.trim();
        pairs++;
        continue;
      }
      const pair = splitPair(line);
      if (!pair) {
        errors.push(parseError('sysctl', 'malformed', `not a sysctl \`name: value\` line: ${line.slice(0, 80)}`, { line: lineNo }));
        continue;
      }
      values[pair[0]] = pair[1];
      pairs++;
    }
    if (names && nextName < names.length) {
      errors.push(
        parseError('sysctl', 'missing_field', `no value printed for: ${names.slice(nextName).join(', ')}`),
      );
    }
    if (pairs === 0) {
      if (errors.length === 0) errors.push(parseError('sysctl', 'empty', 'no sysctl output'));
      return errors;
    }
    const sample = interpret(values, errors);
    return [...errors, sample];
  });
}

export function createSysctlParser(opts: SysctlParserOptions = {}): StreamParser<SysctlSample> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let text = '';
  let overflow = false;
  return {
    source: 'sysctl',
    push(chunk) {
      return safely<SysctlSample>('sysctl', () => {
        if (overflow) return [];
        text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
        if (text.length > MAX_INPUT_CHARS) {
          overflow = true;
          text = '';
          return [parseError('sysctl', 'malformed', `sysctl output longer than ${MAX_INPUT_CHARS} characters`)];
        }
        return [];
      });
    },
    end() {
      return safely<SysctlSample>('sysctl', () => {
        if (overflow) return [];
        const all = text + decoder.decode();
        text = '';
        return parseSysctl(all, opts);
      });
    },
  };
}

/**
 * What `sysctl <names>` would have printed, from a capture of more (`sysctl hw` prints ~100 lines,
 * the live source asks for ~10 names and gets ~20 lines): `name: value` lines whose name is neither
 * one of `names` nor a leaf under one (a node such as `hw.perflevel0` prints its leaves) are left
 * out; a pair is what the sysctl parser calls one (splitPair). Every other line is kept byte for
 * byte, junk included, so a capture's bad lines still reach the parser; the kept lines keep their order.
 */
export function sysctlAsAsked(buf: Buffer, names: readonly string[]): Buffer {
  const asked = new Set(names);
  const keep: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const next = nl < 0 ? buf.length : nl + 1;
    const line = buf.subarray(pos, next);
    pos = next;
    let end = line.length;
    if (end > 0 && line[end - 1] === 0x0a) end--;
    if (end > 0 && line[end - 1] === 0x0d) end--;
    const pair = splitPair(line.toString('utf8', 0, end));
    if (pair) {
      const name = pair[0];
      let wanted = asked.has(name);
      for (let dot = name.lastIndexOf('.'); !wanted && dot > 0; dot = name.lastIndexOf('.', dot - 1)) wanted = asked.has(name.slice(0, dot));
      if (!wanted) continue;
    }
    keep.push(line);
  }
  return Buffer.concat(keep);
}

