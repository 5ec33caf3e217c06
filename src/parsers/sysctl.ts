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
 *
 * `sysctl -n` prints bare values without names: pass `{ names: [...] }` (the names in the order
 * given to sysctl) and each non-empty line is matched to the next name.
 *
 * Values are single-line: every sysctl this agent reads prints on one line, and a line that is not
 * `name: value` is reported as `malformed` rather than glued to the previous value. A pasted shell
 * prompt echoing the command (`% sysctl hw`, as in two published captures) is skipped.
 */
import type { ParseError, PerfLevel, SysctlSample } from '../samples.ts';
import { parseError } from '../samples.ts';
import type { StreamParser } from './parser.ts';
import { safely } from './parser.ts';

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
    if (m) {
      sample.swap = {
        totalBytes: Number(m[1]) * MIB,
        usedBytes: Number(m[2]) * MIB,
        freeBytes: Number(m[3]) * MIB,
        encrypted: m[4] !== undefined,
      };
    } else bad('vm.swapusage', 'not `total = …M  used = …M  free = …M`');
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
  const model = str('hw.model');
  if (model !== undefined) sample.hwModel = model;
  const brand = str('machdep.cpu.brand_string');
  if (brand !== undefined) sample.cpuBrand = brand;
  const product = str('kern.osproductversion');
  if (product !== undefined) sample.osProductVersion = product;
  const build = str('kern.osversion');
  if (build !== undefined) sample.osBuild = build;

  const levels = new Map<number, PerfLevel>();
  for (const name of Object.keys(values)) {
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
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      const line = lines[i]!.replace(/\r$/, '');
      if (line.trim().length === 0) continue;
      if (PROMPT.test(line)) continue;
      if (/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.test(line)) {
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
      const m = PAIR.exec(line.trimEnd());
      if (!m) {
        errors.push(parseError('sysctl', 'malformed', `not a sysctl \`name: value\` line: ${line.slice(0, 80)}`, { line: lineNo }));
        continue;
      }
      values[m[1]!] = m[2]!;
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
