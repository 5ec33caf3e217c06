/**
 * The projected scan (parsePlist with a selection) against the full scan: on every document of every real
 * plist capture and on seeded mutations of them, whenever the full parse succeeds the projected one succeeds
 * too and builds exactly the selected part of the full value (seek-mode dicts included: the last wanted key
 * outside nested dicts, as the full parse's last duplicate). Guards the dict walk's inlined fast paths
 * (src/parsers/plist.ts) against drifting from the generic ones. Inputs with `&` are left out: seek mode does
 * not find keys written with entity references (documented in plist-model.ts), and powermetrics writes none.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePlist } from '../../src/parsers/plist.ts';
import { PLIST_SEEK, type PlistSelect, type PlistValue } from '../../src/parsers/plist-model.ts';
import { POWERMETRICS_SELECT } from '../../src/modules/powermetrics/document.ts';
import { mutate, rng } from '../fuzz/harness.ts';

const DIR = fileURLToPath(new URL('../../fixtures/powermetrics/', import.meta.url));
const docs: string[] = [];
for (const f of readdirSync(DIR).filter((n) => n.endsWith('.plist')).sort())
  for (const d of readFileSync(DIR + f, 'latin1').split('\0')) if (d.includes('<plist')) docs.push(Buffer.from(d, 'latin1').toString('utf8'));

/** The part of a full parse that `sel` selects (what the projected scan should have built). */
function project(v: PlistValue, sel: PlistSelect): PlistValue {
  if (sel === true) return v;
  if (Array.isArray(sel)) return Array.isArray(v) ? v.map((x) => project(x, (sel as readonly [PlistSelect])[0])) : v;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array || !(v.constructor === Object)) return v;
  const out: Record<string, PlistValue> = {};
  for (const [k, x] of Object.entries(v)) {
    const s = (sel as Record<string, PlistSelect>)[k];
    if (k !== PLIST_SEEK && s !== undefined) out[k] = project(x, s);
  }
  return out;
}

const SELECTIONS: Array<[string, PlistSelect]> = [
  ['POWERMETRICS_SELECT', POWERMETRICS_SELECT],
  ['processor only', { processor: true }],
  ['clusters, CPU numbers', { processor: { clusters: [{ name: true, cpus: [{ cpu: true }] }] }, elapsed_ns: true }],
];

t.test('projected = the selected part of the full parse, on real documents and mutations', async (t) => {
  t.ok(docs.length >= 38, `${docs.length} real documents`);
  const r = rng(0x9e1);
  let compared = 0;
  let fullFailed = 0;
  let bad = '';
  for (let i = 0; i < docs.length + 3000 && !bad; i++) {
    const base = docs[i % docs.length]!;
    let text = base;
    if (i >= docs.length) {
      // One mutation (duplicated, removed or swapped lines, a changed number…): about a third stay well formed.
      text = mutate(r, Buffer.from(base, 'utf8'), Buffer.from(docs[Math.floor(r() * docs.length)]!, 'utf8')).toString('utf8');
    }
    if (text.includes('&')) continue;
    const full = parsePlist(text);
    if (!full.ok) {
      fullFailed++;
      continue;
    }
    for (const [name, sel] of SELECTIONS) {
      const proj = parsePlist(text, { select: sel });
      compared++;
      if (!proj.ok) bad = `case ${i}, ${name}: projected failed (${proj.message}) where the full parse did not`;
      else if (JSON.stringify(sortKeys(proj.value)) !== JSON.stringify(sortKeys(project(full.value, sel)))) bad = `case ${i}, ${name}: values differ`;
      if (bad) break;
    }
  }
  t.equal(bad, '', 'no difference');
  t.ok(compared > 2000, `${compared} comparisons (${fullFailed} mutated inputs the full parse rejected)`);
});

/** Seek-mode dicts build their keys in selection order, the full parse in document order: compare sorted. */
function sortKeys(v: PlistValue): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'object' && v !== null && v.constructor === Object)
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}

t.test('seek mode is linear in the number of nested containers (a hostile task dict)', async (t) => {
  // One task dict with 1,000,000 nested dicts that each hold a wanted key (54 MB of text): each of
  // those hits must be ruled out as nested. Checking every hit against every nested range is
  // quadratic (150,000 of them took 30–40 s on this VM; a million would take over half an hour);
  // the ordered walk takes about a second. No deadline: a regression shows as tap's timeout.
  const n = 1_000_000;
  const inner = '<dict><key>bytes_sent</key><integer>1</integer></dict>'.repeat(n);
  const wrap = (before: string, after: string) =>
    '<?xml version="1.0"?><plist version="1.0"><dict><key>elapsed_ns</key><integer>1000</integer><key>coalitions</key><array><dict>' +
    `<key>name</key><string>x</string><key>tasks</key><array><dict>${before}<key>w</key><array>${inner}</array>${after}</dict></array>` +
    '</dict></array></dict></plist>';
  const first = parsePlist(wrap('<key>bytes_sent</key><integer>7</integer>', ''), { select: POWERMETRICS_SELECT });
  t.ok(first.ok, 'parsed');
  if (first.ok) t.strictSame(first.value, { elapsed_ns: 1000, coalitions: [{ name: 'x', tasks: [{ bytes_sent: 7 }] }] }, 'the task-level key before them, none of the nested ones');
  const last = parsePlist(wrap('<key>bytes_sent</key><integer>7</integer>', '<key>bytes_sent</key><integer>8</integer>'), { select: POWERMETRICS_SELECT });
  if (last.ok) t.strictSame(last.value, { elapsed_ns: 1000, coalitions: [{ name: 'x', tasks: [{ bytes_sent: 8 }] }] }, 'after them: the last one wins');
  else t.fail(`not parsed: ${last.message}`);
  const none = parsePlist(wrap('', ''), { select: POWERMETRICS_SELECT });
  if (none.ok) t.strictSame(none.value, { elapsed_ns: 1000, coalitions: [{ name: 'x', tasks: [{}] }] }, 'only nested ones: none');
  else t.fail(`not parsed: ${none.message}`);
});
