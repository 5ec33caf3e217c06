/**
 * Parser for macOS `iostat` output streamed line by line (`iostat -d -w N`, and the default
 * form with `cpu` and `load average` groups). Pure: text in, IostatSample / ParseError out.
 *
 * Layout (system_cmds iostat.c, reference §2): header line 1 names the devices (each right-aligned
 * in 19 columns and truncated to 6 characters), then optional `cpu` and `load average`; header
 * line 2 repeats `KB/t tps MB/s` per device, then optional `us sy id` and `1m 5m 15m`. Data rows
 * are read by whitespace tokens against the column count derived from the header, never by fixed
 * widths: wide values (load averages ≥ 10, tps ≥ 10000, a CPU column at 100) shift the columns.
 *
 * Decisions (see docs/sources.md "## iostat"):
 * - Only the very first data row of the stream is `sinceBoot` (iostat seeds its "previous" time
 *   from kern.boottime once). A re-printed header (every 20 rows, after SIGCONT, on disk hot-plug)
 *   does not reset iostat's counters, so rows after it are ordinary interval rows.
 * - A device that was not in the previous header gets `appeared: true` on its first row: iostat's
 *   previous counters for a newly recorded device plausibly start at zero, so that one value may
 *   average over more than the interval (UNVERIFIED: no capture of a hot-plug exists).
 * - `intervalS` is set on interval rows when the caller passes it; never on the since-boot row.
 * - `-I` (totals: `KB/t xfrs MB`) and `-o` (`sps tps msps`) layouts are rejected as `unknown_layout`.
 */
import type { StreamParser } from '../../parsers/parser.ts';
import { safely } from '../../parsers/parser.ts';
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import type { DiskSample, IostatSample } from './sample.ts';

export interface IostatParserOptions {
  /** The `-w` interval in seconds; copied to every interval row. */
  intervalS?: number;
}

interface Layout {
  devices: string[];
  cpu: boolean;
  load: boolean;
  /** Total number of numeric tokens in a data row. */
  columns: number;
}

/** A line longer than this without a newline is junk, not iostat output. */
const MAX_LINE_CHARS = 64 * 1024;
const NUMBER = /^\d+(?:\.\d+)?$/;
const SIGNED_NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
/** Printable ASCII token: what a header may contain (device names, column labels). */
const HEADER_TOKEN = /^[\x21-\x7e]+$/;
const DISK_UNITS = ['KB/t', 'tps', 'MB/s'] as const;
const CPU_UNITS = ['us', 'sy', 'id'] as const;
const LOAD_UNITS = ['1m', '5m', '15m'] as const;
const KIB = 1024;
const MIB = 1048576;

/** Parse header line 2 (`KB/t tps MB/s … us sy id 1m 5m 15m`) into its groups, or null. */
function parseUnits(tokens: string[]): { disks: number; cpu: boolean; load: boolean } | null {
  let i = 0;
  let disks = 0;
  while (i + 3 <= tokens.length && tokens[i] === 'KB/t' && tokens[i + 1] === 'tps' && tokens[i + 2] === 'MB/s') {
    disks++;
    i += 3;
  }
  const cpu = tokens[i] === 'us' && tokens[i + 1] === 'sy' && tokens[i + 2] === 'id';
  if (cpu) i += 3;
  const load = tokens[i] === '1m' && tokens[i + 1] === '5m' && tokens[i + 2] === '15m';
  if (load) i += 3;
  return i === tokens.length && i > 0 ? { disks, cpu, load } : null;
}

/** True when the line is a units line of some iostat layout, including the ones we do not support. */
function looksLikeUnits(tokens: string[]): boolean {
  const known = new Set<string>([...DISK_UNITS, ...CPU_UNITS, ...LOAD_UNITS, 'xfrs', 'MB', 'sps', 'msps', 'blk', 'xfr']);
  return tokens.length > 0 && tokens.every((t) => known.has(t)) && tokens.some((t) => t !== 'us' && t !== 'sy' && t !== 'id');
}

/** Split header line 1 into device names and the trailing `cpu` / `load average` groups. */
function parseNames(tokens: string[]): { devices: string[]; cpu: boolean; load: boolean } {
  const t = [...tokens];
  let load = false;
  let cpu = false;
  if (t.length >= 2 && t[t.length - 2] === 'load' && t[t.length - 1] === 'average') {
    load = true;
    t.splice(-2);
  }
  if (t.length >= 1 && t[t.length - 1] === 'cpu') {
    cpu = true;
    t.pop();
  }
  return { devices: t, cpu, load };
}

export function createIostatParser(opts: IostatParserOptions = {}): StreamParser<IostatSample> {
  const intervalS = opts.intervalS !== undefined && opts.intervalS > 0 ? opts.intervalS : undefined;
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let carry = '';
  let lineNo = 0;
  let layout: Layout | null = null;
  /** Devices of the previous layout, to flag newly appeared ones. */
  let previousDevices: Set<string> | null = null;
  let appearedPending = new Set<string>();
  /** Header line 1 waiting for its units line: tokens and line number. */
  let pendingNames: { tokens: string[]; line: number } | null = null;
  let dataRowsSeen = 0;
  let layoutsSeen = 0;
  let sawAnything = false;
  let droppingLongLine = false;

  const err = (kind: ParseError['kind'], message: string, line: number): ParseError =>
    parseError('iostat', kind, message, { line });

  function flushPendingNames(out: Array<IostatSample | ParseError>, why: string): void {
    if (pendingNames) {
      out.push(err('malformed', `not iostat output (${why}): ${pendingNames.tokens.join(' ').slice(0, 80)}`, pendingNames.line));
      pendingNames = null;
    }
  }

  function onHeader(units: string[], line: number, out: Array<IostatSample | ParseError>): void {
    const groups = parseUnits(units);
    const names = pendingNames;
    pendingNames = null;
    if (!groups) {
      layout = null;
      out.push(err('unknown_layout', `unsupported iostat columns (-I or -o?): ${units.join(' ')}`, line));
      return;
    }
    if (!names) {
      layout = null;
      out.push(err('missing_field', 'iostat units line without the device-name line above it', line));
      return;
    }
    const n = parseNames(names.tokens);
    if (n.devices.length !== groups.disks || n.cpu !== groups.cpu || n.load !== groups.load) {
      layout = null;
      out.push(
        err(
          'unknown_layout',
          `iostat header mismatch: ${n.devices.length} device names for ${groups.disks} KB/t groups` +
            ` (cpu ${n.cpu}/${groups.cpu}, load ${n.load}/${groups.load})`,
          names.line,
        ),
      );
      return;
    }
    const devices = n.devices;
    appearedPending = new Set(previousDevices ? devices.filter((d) => !previousDevices!.has(d)) : []);
    previousDevices = new Set(devices);
    layoutsSeen++;
    layout = {
      devices,
      cpu: groups.cpu,
      load: groups.load,
      columns: devices.length * 3 + (groups.cpu ? 3 : 0) + (groups.load ? 3 : 0),
    };
  }

  function onData(tokens: string[], line: number, out: Array<IostatSample | ParseError>): void {
    const sinceBoot = dataRowsSeen === 0;
    dataRowsSeen++;
    const l = layout;
    if (!l) {
      out.push(err('unknown_layout', 'iostat data row without a usable header above it', line));
      return;
    }
    if (tokens.length < l.columns) {
      out.push(err('missing_field', `iostat row has ${tokens.length} fields, header says ${l.columns}`, line));
      return;
    }
    if (tokens.length > l.columns) {
      out.push(err('malformed', `iostat row has ${tokens.length} fields, header says ${l.columns}`, line));
      return;
    }
    const bad = tokens.find((t) => !NUMBER.test(t));
    if (bad !== undefined) {
      out.push(err('invalid_value', `iostat value is not a non-negative number: ${bad.slice(0, 40)}`, line));
      return;
    }
    const v = tokens.map(Number);
    const huge = v.findIndex((x) => !Number.isFinite(x));
    if (huge >= 0) {
      out.push(err('invalid_value', `iostat value too large to be a number: ${tokens[huge]!.slice(0, 40)}`, line));
      return;
    }
    const disks: DiskSample[] = l.devices.map((device, i) => {
      const d: DiskSample = {
        device,
        bytesPerTransfer: v[i * 3]! * KIB,
        transfersPerS: v[i * 3 + 1]!,
        bytesPerS: v[i * 3 + 2]! * MIB,
      };
      if (!sinceBoot && appearedPending.has(device)) d.appeared = true;
      return d;
    });
    appearedPending = new Set();
    const sample: IostatSample = { type: 'iostat', sinceBoot, disks };
    if (!sinceBoot && intervalS !== undefined) sample.intervalS = intervalS;
    let i = l.devices.length * 3;
    if (l.cpu) {
      // Percentages of CPU time: each 0–100. A row with one beyond keeps its disks, not its CPU figures.
      const [us, sy, id] = [v[i]!, v[i + 1]!, v[i + 2]!];
      if (us <= 100 && sy <= 100 && id <= 100) sample.cpu = { userRatio: us / 100, systemRatio: sy / 100, idleRatio: id / 100 };
      else out.push(err('invalid_value', `iostat cpu columns beyond 100 %: us ${us} sy ${sy} id ${id}`, line));
      i += 3;
    }
    if (l.load) sample.loadAverage = { m1: v[i]!, m5: v[i + 1]!, m15: v[i + 2]! };
    out.push(sample);
  }

  function onLongLine(line: number, out: Array<IostatSample | ParseError>): void {
    sawAnything = true;
    flushPendingNames(out, 'device-name line not followed by a units line');
    out.push(err('malformed', `line longer than ${MAX_LINE_CHARS} characters dropped`, line));
  }

  function onLine(raw: string, out: Array<IostatSample | ParseError>): void {
    lineNo++;
    if (raw.length > MAX_LINE_CHARS) {
      onLongLine(lineNo, out);
      return;
    }
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const tokens = text.trim().split(/\s+/).filter((t) => t.length > 0);
    if (tokens.length === 0) return;
    sawAnything = true;
    if (tokens.every((t) => SIGNED_NUMBER.test(t))) {
      flushPendingNames(out, 'device-name line not followed by a units line');
      onData(tokens, lineNo, out);
      return;
    }
    if (!tokens.every((t) => HEADER_TOKEN.test(t))) {
      flushPendingNames(out, 'device-name line not followed by a units line');
      out.push(err('malformed', 'not iostat output: non-printable or non-ASCII characters', lineNo));
      return;
    }
    if (looksLikeUnits(tokens)) {
      onHeader(tokens, lineNo, out);
      return;
    }
    if (tokens.some((t) => SIGNED_NUMBER.test(t))) {
      flushPendingNames(out, 'device-name line not followed by a units line');
      out.push(err('malformed', `not iostat output: ${text.trim().slice(0, 80)}`, lineNo));
      return;
    }
    // Candidate header line 1; it is confirmed by the units line that must follow.
    flushPendingNames(out, 'two name lines in a row');
    pendingNames = { tokens, line: lineNo };
  }

  return {
    source: 'iostat',
    push(chunk) {
      return safely<IostatSample>('iostat', () => {
        const out: Array<IostatSample | ParseError> = [];
        carry += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = carry.indexOf('\n')) >= 0) {
          const line = carry.slice(0, nl);
          carry = carry.slice(nl + 1);
          if (droppingLongLine) {
            // The rest of a line already reported (and counted) as too long.
            droppingLongLine = false;
            continue;
          }
          onLine(line, out);
        }
        if (carry.length > MAX_LINE_CHARS) {
          if (!droppingLongLine) {
            lineNo++;
            onLongLine(lineNo, out);
          }
          droppingLongLine = true;
          carry = '';
        }
        return out;
      });
    },
    end() {
      return safely<IostatSample>('iostat', () => {
        const out: Array<IostatSample | ParseError> = [];
        carry += decoder.decode();
        if (carry.length > 0 && !droppingLongLine) onLine(carry, out);
        carry = '';
        flushPendingNames(out, 'stream ended after a device-name line');
        if (!sawAnything) out.push(parseError('iostat', 'empty', 'no iostat output'));
        else if (layoutsSeen > 0 && dataRowsSeen === 0)
          out.push(parseError('iostat', 'empty', 'iostat header without any data row'));
        return out;
      });
    },
  };
}
