/**
 * Replay timing for an iostat capture: one unit per data row, header lines travelling with the row
 * after them. Only timing: the parser receives every byte in order and frames by itself.
 */
const DATA_ROW = /^\s*[-+]?\d/;

/** One unit per iostat data row, header lines travelling with the row after them. */
export function rowUnits(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0; // start of the unit being collected
  let pos = 0; // start of the next line
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const next = nl < 0 ? buf.length : nl + 1;
    const line = buf.subarray(pos, next).toString('latin1');
    pos = next;
    if (DATA_ROW.test(line)) {
      out.push(buf.subarray(start, pos));
      start = pos;
    }
  }
  if (start < buf.length) out.push(buf.subarray(start));
  return out;
}

