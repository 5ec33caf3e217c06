/**
 * Replay timing for a powermetrics capture: one unit per plist document, cut after each `</plist>`
 * and the newline after it. Only timing: the parser receives every byte in order and frames by itself.
 */
const PLIST_END = Buffer.from('</plist>');

/** One unit per plist document: cut after each `</plist>` and the newline after it. */
export function plistUnits(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const i = buf.indexOf(PLIST_END, start);
    if (i < 0) break;
    let end = i + PLIST_END.length;
    while (end < buf.length && (buf[end] === 0x0a || buf[end] === 0x0d)) end++;
    out.push(buf.subarray(start, end));
    start = end;
  }
  if (start < buf.length) out.push(buf.subarray(start));
  return out;
}

