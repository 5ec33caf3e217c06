/**
 * A tiny XML property-list writer for launchd job files: dict, array, string, integer, true/false.
 * That is every type a launchd.plist(5) job needs (reals, dates and data are not used, so they are
 * not supported and a value of another type is a programming error that throws).
 *
 * Escaping: `&`, `<`, `>` are escaped in text; characters XML 1.0 forbids (C0 controls other than
 * tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) are rejected, because no escaping makes them legal
 * and launchd would refuse the file. Dict keys keep the caller's order, so the output is stable.
 */
export type PlistScalar = string | number | boolean;
export type PlistNode = PlistScalar | PlistNode[] | { [key: string]: PlistNode };

const HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
  '<plist version="1.0">\n';

// XML 1.0 Char production, negated: anything outside it cannot appear in the document at all.
const ILLEGAL_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

export function escapeXml(text: string): string {
  if (ILLEGAL_XML.test(text)) {
    throw new Error(`plist: string contains a character XML cannot carry: ${JSON.stringify(text)}`);
  }
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function node(value: PlistNode, indent: string, out: string[]): void {
  if (typeof value === 'string') {
    out.push(`${indent}<string>${escapeXml(value)}</string>`);
  } else if (typeof value === 'boolean') {
    out.push(`${indent}<${value ? 'true' : 'false'}/>`);
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`plist: only integers are supported, got ${value}`);
    out.push(`${indent}<integer>${value}</integer>`);
  } else if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push(`${indent}<array/>`);
      return;
    }
    out.push(`${indent}<array>`);
    for (const v of value) node(v, indent + '\t', out);
    out.push(`${indent}</array>`);
  } else if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) {
      out.push(`${indent}<dict/>`);
      return;
    }
    out.push(`${indent}<dict>`);
    for (const [k, v] of entries) {
      out.push(`${indent}\t<key>${escapeXml(k)}</key>`);
      node(v, indent + '\t', out);
    }
    out.push(`${indent}</dict>`);
  } else {
    throw new Error(`plist: unsupported value ${String(value)}`);
  }
}

/** The complete XML plist document (with the Apple DOCTYPE, tab-indented like Apple's own files). */
export function writePlist(root: PlistNode): string {
  const out: string[] = [];
  node(root, '', out);
  return HEADER + out.join('\n') + '\n</plist>\n';
}
