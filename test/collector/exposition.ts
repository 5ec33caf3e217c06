/**
 * Test helper (not a test): a strict reader of the Prometheus text exposition format (0.0.4), enough to
 * compare two pages series by series: families with TYPE and HELP, samples with label sets and values.
 * Written for these tests; a line it cannot read is an error, never skipped.
 */

export interface Family {
  type?: string;
  help?: string;
}

export interface Series {
  name: string;
  /** Label name → value, as written (escapes undone). */
  labels: Record<string, string>;
  /** The value as written, and as a float64. */
  text: string;
  value: number;
}

export interface Page {
  families: Map<string, Family>;
  series: Series[];
}

function unescapeHelp(s: string): string {
  return s.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** Parse `{a="x",b="y\"z"}` starting at `i` (at the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, i: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++; // {
  for (;;) {
    if (line[i] === '}') return [labels, i + 1];
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line.slice(i));
    if (!m) throw new Error(`bad label name at ${i}: ${line}`);
    const name = m[0];
    i += name.length;
    if (line[i] !== '=' || line[i + 1] !== '"') throw new Error(`expected ="…" after ${name}: ${line}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new Error(`unterminated label value: ${line}`);
      if (c === '"') break;
      if (c === '\\') {
        const e = line[i + 1];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new Error(`bad escape \\${e} in: ${line}`);
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    i++; // closing quote
    if (Object.hasOwn(labels, name)) throw new Error(`label ${name} twice in: ${line}`);
    labels[name] = value;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`expected , or } at ${i}: ${line}`);
  }
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value "${text}" in: ${line}`);
  return Number(text);
}

export function parseExposition(text: string): Page {
  const families = new Map<string, Family>();
  const series: Series[] = [];
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = {}));
    return f;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([A-Za-z_:][A-Za-z0-9_:]*)(?: (.*))?$/.exec(line);
      if (!m) continue; // a plain comment
      const f = family(m[2]!);
      if (m[1] === 'TYPE') f.type = m[3] ?? '';
      else f.help = unescapeHelp(m[3] ?? '');
      continue;
    }
    const nm = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line);
    if (!nm) throw new Error(`bad sample line: ${line}`);
    const name = nm[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') [labels, i] = parseLabels(line, i);
    const rest = line.slice(i).trim().split(/\s+/);
    if (rest.length < 1 || rest.length > 2 || rest[0] === '') throw new Error(`bad sample line: ${line}`);
    series.push({ name, labels, text: rest[0]!, value: parseValue(rest[0]!, line) });
  }
  return { families, series };
}

/** A canonical key for a series: name and sorted labels. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;
}
