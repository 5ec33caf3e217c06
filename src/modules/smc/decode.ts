/**
 * Pure-TypeScript decoder of SMC value types: the same rules as the C++ core
 * (native/smc_decode.cc), so that replay, `smc dump --replay` and tests work where the addon
 * is absent. test/native/decode-agreement.test.ts proves both agree on every row of every dump.
 *
 * Byte orders (reference §4.1): `flt ` and `ioft` are little-endian; integer, `fp*` and `sp*`
 * types are big-endian. `hex_` is raw; its number is the first ≤ 4 bytes big-endian, which is
 * what iSMC prints for it (checked on all 251 `hex_` rows of the M2 Max dump).
 */

/** A decoded value: number (most types), boolean (`flag`), bigint (`ui64`/`si64`), string (`ch8*`), or null (raw-only). */
export type SmcValue = number | boolean | bigint | string | null;

const INT_TYPES: Record<string, { width: number; signed: boolean }> = {
  'ui8 ': { width: 1, signed: false },
  ui16: { width: 2, signed: false },
  ui32: { width: 4, signed: false },
  ui64: { width: 8, signed: false },
  'si8 ': { width: 1, signed: true },
  si16: { width: 2, signed: true },
  si32: { width: 4, signed: true },
  si64: { width: 8, signed: true },
};

function hexDigit(c: string | undefined): number {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1;
}

function bigEndian(b: ArrayLike<number>, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[i]!;
  return v;
}

/**
 * Scratch for values of up to 8 bytes (every numeric type): decoding runs for every polled key on
 * every interval, and a fresh Uint8Array + DataView per key was most of the SMC source's garbage
 * (docs/benchmarks.md). Only longer values (`ch8*` strings) get their own copy. Single-threaded, and
 * nothing here yields between filling and reading it.
 */
const SCRATCH = new Uint8Array(8);
const SCRATCH_VIEW = new DataView(SCRATCH.buffer);

/** Decode `bytes` of SMC type `type` (4 characters with trailing spaces, e.g. `flt `). */
export function decodeSmcValue(type: string, bytes: ArrayLike<number>): SmcValue {
  const size = bytes.length;
  if (type.length !== 4) return null;
  let u8: Uint8Array;
  let view: DataView;
  if (size <= SCRATCH.length) {
    // The same byte conversion as Uint8Array.from (ToUint8); the stale tail beyond `size` is never read.
    for (let i = 0; i < size; i++) SCRATCH[i] = bytes[i]!;
    u8 = SCRATCH;
    view = SCRATCH_VIEW;
  } else {
    u8 = Uint8Array.from(bytes as ArrayLike<number>);
    view = new DataView(u8.buffer);
  }

  if (type === 'flt ') return size === 4 ? view.getFloat32(0, true) : null;

  if (type.startsWith('fp') || type.startsWith('sp')) {
    const ib = hexDigit(type[2]);
    const fb = hexDigit(type[3]);
    const signed = type[0] === 's';
    if (ib < 0 || fb < 0 || ib + fb !== (signed ? 15 : 16) || size !== 2) return null;
    const raw = signed ? view.getInt16(0, false) : view.getUint16(0, false);
    return raw / 2 ** fb;
  }

  const int = INT_TYPES[type];
  if (int) {
    if (size !== int.width) return null;
    if (int.width === 8) return int.signed ? view.getBigInt64(0, false) : view.getBigUint64(0, false);
    if (!int.signed) return bigEndian(u8, size);
    if (size === 1) return view.getInt8(0);
    if (size === 2) return view.getInt16(0, false);
    return view.getInt32(0, false);
  }

  if (type === 'flag') return size === 1 ? u8[0] !== 0 : null;
  if (type === 'hex_') return size === 0 ? null : bigEndian(u8, Math.min(size, 4));
  if (type === 'ioft') return size === 8 ? Number(view.getBigInt64(0, true)) / 65536 : null;
  if (type === 'ch8*') {
    let s = '';
    for (let i = 0; i < size; i++) {
      const b = u8[i]!;
      if (b === 0) break;
      s += String.fromCharCode(b);
    }
    return s;
  }
  return null;
}

/** The decoded value as a finite number when it is one (flag → 0/1), else undefined. */
export function smcNumber(v: SmcValue): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Text form, as iSMC's `raw` command prints it (and as `silicon-agent smc dump` prints it).

/** Types whose value the iSMC raw format leaves unprinted (only bytes are shown). */
export const UNPRINTED_TYPES: ReadonlySet<string> = new Set(['ch8*', 'ui64', 'si64']);

/**
 * The shortest decimal that reads back as the same float32, formatted like Go's `%v` for
 * float32 (iSMC is written in Go): plain notation unless the exponent is < −4 or ≥ 21; ties
 * between two equally short candidates go to the even last digit.
 */
export function formatFloat32(x: number): string {
  const f = Math.fround(x);
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const neg = f < 0;
  const { digits, exp10 } = exactDecimal(Math.abs(f));
  // digits × 10^(exp10 - digits.length + 1): the exact value, `exp10` is the decimal exponent of the first digit
  for (let p = 1; p <= 9; p++) {
    const cand = shortestAt(digits, exp10, p, Math.abs(f));
    if (cand) return (neg ? '-' : '') + goFormat(cand.digits, cand.exp10);
  }
  return (neg ? '-' : '') + goFormat(digits.replace(/0+$/, '') || '0', exp10);
}

/** Exact decimal expansion of a float32 (as a double): all significant digits and the exponent of the first. */
function exactDecimal(x: number): { digits: string; exp10: number } {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x);
  const bits = view.getUint32(0);
  const e = (bits >>> 23) & 0xff;
  const m = bits & 0x7fffff;
  const mant = BigInt(e === 0 ? m : m | 0x800000);
  const pow2 = (e === 0 ? 1 : e) - 127 - 23;
  let digits: string;
  let exp10: number;
  if (pow2 >= 0) {
    digits = (mant << BigInt(pow2)).toString();
    exp10 = digits.length - 1;
  } else {
    digits = (mant * 5n ** BigInt(-pow2)).toString(); // value = digits × 10^pow2
    exp10 = digits.length - 1 + pow2;
  }
  return { digits: digits.replace(/0+$/, '') || '0', exp10 };
}

function toNumber(digits: string, exp10: number): number {
  return Number(`${digits[0]}.${digits.slice(1) || '0'}e${exp10}`);
}

/** The p-digit candidate Go's shortest formatting would pick, if one reads back as `f`. */
function shortestAt(digits: string, exp10: number, p: number, f: number): { digits: string; exp10: number } | null {
  if (digits.length <= p) return Math.fround(toNumber(digits, exp10)) === f ? { digits, exp10 } : null;
  const down = digits.slice(0, p);
  const upInt = (BigInt(down) + 1n).toString();
  const up = upInt.length > p ? { digits: upInt.slice(0, p), exp10: exp10 + 1 } : { digits: upInt, exp10 };
  const okDown = Math.fround(toNumber(down, exp10)) === f;
  const okUp = Math.fround(toNumber(up.digits, up.exp10)) === f;
  const trim = (c: { digits: string; exp10: number }) => ({ digits: c.digits.replace(/0+$/, '') || '0', exp10: c.exp10 });
  if (okDown && okUp) {
    // nearest; exactly halfway goes to the even digit
    const rest = digits.slice(p);
    const half = rest[0] === '5' && /^50*$/.test(rest);
    const roundUp = rest[0]! > '5' || (rest[0] === '5' && !half) || (half && Number(down.at(-1)) % 2 === 1);
    return trim(roundUp ? up : { digits: down, exp10 });
  }
  if (okDown) return trim({ digits: down, exp10 });
  if (okUp) return trim(up);
  return null;
}

function goFormat(digits: string, exp10: number): string {
  if (exp10 < -4 || exp10 >= 21) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp10);
    return `${mant}e${exp10 < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (exp10 < 0) return `0.${'0'.repeat(-exp10 - 1)}${digits}`;
  if (digits.length <= exp10 + 1) return digits + '0'.repeat(exp10 + 1 - digits.length);
  return `${digits.slice(0, exp10 + 1)}.${digits.slice(exp10 + 1)}`;
}

/** The printed value column for one key, or '' when the format prints none. */
export function formatSmcValue(type: string, value: SmcValue): string {
  if (value === null || UNPRINTED_TYPES.has(type) || typeof value === 'string') return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (type === 'flt ' || type === 'ioft' || type.startsWith('fp') || type.startsWith('sp')) return formatFloat32(value);
  return String(value);
}

/** Lower-case hex bytes separated by spaces, as in `(bytes 14 de 55 42)`. */
export function formatBytes(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** One key as an iSMC raw line: `  KEY  [type]  value (bytes ..)`, or without the value when none is printed. */
export function formatSmcLine(k: { key: string; type: string; bytes: ArrayLike<number> }): string {
  const v = formatSmcValue(k.type, decodeSmcValue(k.type, k.bytes));
  return `  ${k.key}  [${k.type}]  ${v ? `${v} ` : ''}(bytes ${formatBytes(k.bytes)})`;
}
