/**
 * `netstat -i -b -d -n` (pure): the interface table into per-interface counters.
 *
 * What netstat prints (network_cmds netstat.tproj/if.c):
 * - a header line `Name Mtu Network Address Ipkts Ierrs Ibytes Opkts Oerrs Obytes Coll [Drop]`
 *   (`Ibytes`/`Obytes` only with -b, `Drop` only with -d); the columns read are taken from it;
 * - per interface one `<Link#N>` row (N the interface index), then one row per address. Every row
 *   repeats the packet and byte counters; only the Link row has the errors, collisions and drops
 *   (`-` elsewhere). The Link row is read; address rows are checked against it;
 * - the name is cut to 10 characters (5 before OS X 10.11) and a down interface has a `*` appended
 *   (before the cut). The Link row of an interface without a link-layer address has no Address;
 * - a value too wide for its column pushes the rest of the row right: the row is read by whitespace;
 * - `Drop` (the 32-bit send-queue drop count) is printed with %d and can read negative: it is read
 *   back as the unsigned 32-bit number it is.
 * Two interfaces whose cut names collide (same name, different Link#) are both dropped with a typed
 * error: their counters cannot be told apart.
 */
import type { ParseError } from '../../samples.ts';
import { parseError } from '../../samples.ts';
import type { NetworkInterface } from './sample.ts';
import { INTERFACE_NAME, UINT32_LIMIT } from './sample.ts';

const REQUIRED = ['Ipkts', 'Ierrs', 'Ibytes', 'Opkts', 'Oerrs', 'Obytes'] as const;
const LINK = /^<Link#(\d{1,6})>$/;
const UINT = /^\d{1,20}$/;
const INT = /^-\d{1,10}$/;
/** More rows than any Mac prints (a Mac Studio prints ~60): the rest is refused. */
export const MAX_ROWS = 4096;

export interface InterfacesRead {
  interfaces: NetworkInterface[];
  errors: ParseError[];
  /** Anything that looked like the tool's output (a header, a fact list). */
  recognised: boolean;
}

interface Row {
  line: number;
  name: string;
  up: boolean;
  mtu: number | undefined;
  link: number | undefined;
  cols: Map<string, string>;
}

function uint(v: string | undefined): number | undefined {
  if (v === undefined || !UINT.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `Drop` as printed with %d: a negative value is the unsigned 32-bit count read back. */
export function drop32(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (UINT.test(v)) {
    const n = Number(v);
    return n < UINT32_LIMIT ? n : undefined;
  }
  if (INT.test(v)) {
    const n = Number(v);
    if (n === 0) return 0; // `-0`
    return n >= -(2 ** 31) ? n + UINT32_LIMIT : undefined;
  }
  return undefined;
}

export function parseNetstat(text: string): InterfacesRead {
  const errors: ParseError[] = [];
  const err = (kind: ParseError['kind'], message: string, line?: number) =>
    errors.push(parseError('network', kind, message, line !== undefined ? { line } : {}));
  const lines = text.split('\n');
  let columns: string[] | undefined;
  const links = new Map<string, Row>();
  const clashed = new Set<string>();
  const addressRows: Row[] = [];
  let rows = 0;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (line.trim() === '') continue;
    const tokens = line.trim().split(/\s+/);
    if (tokens[0] === 'Name' && tokens[1] === 'Mtu') {
      const cols = tokens.slice(tokens.indexOf('Address') >= 0 ? tokens.indexOf('Address') + 1 : 4);
      const missing = REQUIRED.filter((c) => !cols.includes(c));
      if (missing.length > 0) {
        err('missing_field', `netstat header without ${missing.join(', ')} (the agent runs netstat -i -b -d -n)`, lineNo);
        return { interfaces: [], errors, recognised: true };
      }
      columns = cols;
      continue;
    }
    if (!columns) {
      err('unknown_layout', `a row before the netstat -i header: ${line.slice(0, 80)}`, lineNo);
      continue;
    }
    if (++rows > MAX_ROWS) {
      err('too_large', `more than ${MAX_ROWS} netstat rows`, lineNo);
      break;
    }
    const k = columns.length;
    if (tokens.length !== 3 + k && tokens.length !== 4 + k) {
      err('malformed', `a netstat row with ${tokens.length} fields (header has ${4 + k}): ${line.slice(0, 80)}`, lineNo);
      continue;
    }
    const rawName = tokens[0]!;
    const up = !rawName.endsWith('*');
    const name = up ? rawName : rawName.slice(0, -1);
    if (!INTERFACE_NAME.test(name)) {
      err('invalid_value', `not an interface name: ${rawName.slice(0, 20)}`, lineNo);
      continue;
    }
    const link = LINK.exec(tokens[2]!);
    const cols = new Map<string, string>();
    const values = tokens.slice(tokens.length - k);
    for (let c = 0; c < k; c++) cols.set(columns[c]!, values[c]!);
    const row: Row = { line: lineNo, name, up, mtu: uint(tokens[1]), link: link ? Number(link[1]) : undefined, cols };
    if (row.link === undefined) {
      addressRows.push(row);
      continue;
    }
    const prev = links.get(name);
    if (prev) {
      if (!clashed.has(name)) err('invalid_value', `two interfaces print as ${name} (Link#${prev.link} and Link#${row.link}): both dropped`, lineNo);
      clashed.add(name);
      continue;
    }
    links.set(name, row);
  }
  if (!columns) return { interfaces: [], errors, recognised: false };

  const interfaces: NetworkInterface[] = [];
  for (const [name, row] of links) {
    if (clashed.has(name)) continue;
    const c = row.cols;
    const v = {
      rxPackets: uint(c.get('Ipkts')),
      rxErrors: uint(c.get('Ierrs')),
      rxBytes: uint(c.get('Ibytes')),
      txPackets: uint(c.get('Opkts')),
      txErrors: uint(c.get('Oerrs')),
      txBytes: uint(c.get('Obytes')),
    };
    const bad = Object.entries(v).filter(([, x]) => x === undefined).map(([f]) => f);
    if (bad.length > 0) {
      err('invalid_value', `${name}: ${bad.join(', ')} not a whole number in its Link row`, row.line);
      continue;
    }
    const out: NetworkInterface = { name, index: row.link!, up: row.up, ...(v as Record<keyof typeof v, number>) };
    if (row.mtu !== undefined) out.mtu = row.mtu;
    if (c.has('Drop')) {
      const d = drop32(c.get('Drop'));
      if (d === undefined) err('invalid_value', `${name}: Drop not a 32-bit count: ${c.get('Drop')!.slice(0, 24)}`, row.line);
      else out.txDropped = d;
    }
    interfaces.push(out);
  }
  const byName = new Map(interfaces.map((x) => [x.name, x]));
  for (const row of addressRows) {
    const x = byName.get(row.name);
    if (!x) {
      if (!clashed.has(row.name)) err('missing_field', `${row.name}: an address row without its <Link#> row`, row.line);
      continue;
    }
    const c = row.cols;
    if (uint(c.get('Ipkts')) !== x.rxPackets || uint(c.get('Ibytes')) !== x.rxBytes || uint(c.get('Opkts')) !== x.txPackets || uint(c.get('Obytes')) !== x.txBytes)
      err('invalid_value', `${row.name}: an address row's counters differ from its Link row (the Link row is kept)`, row.line);
  }
  return { interfaces, errors, recognised: true };
}
