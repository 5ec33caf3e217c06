import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePlist } from '../../src/parsers/plist.ts';
import { PLIST_SEEK, PlistDate, decodeEntities } from '../../src/parsers/plist-model.ts';
import { isDeepStrictEqual } from 'node:util';
import type { PlistDict, PlistSelect, PlistValue } from '../../src/parsers/plist-model.ts';
import { POWERMETRICS_SELECT } from '../../src/modules/powermetrics/document.ts';
import { mutate, rng } from '../fuzz/harness.ts';

const DIR = fileURLToPath(new URL('../../fixtures/powermetrics/', import.meta.url));
const PLISTS = readdirSync(DIR).filter((f) => f.endsWith('.plist')).sort();
const docsOf = (f: string) =>
  readFileSync(DIR + f, 'utf8')
    .split('\0')
    .filter((d) => d.trim() !== '');
const M2U = 'm2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist';

function ok(r: ReturnType<typeof parsePlist>): PlistValue {
  if (!r.ok) throw new Error(`parse failed: ${r.message} at ${r.offset}`);
  return r.value;
}
const dict = (v: PlistValue | undefined) => v as PlistDict;

/** Every number in a parsed value, in walk order. */
function numbers(v: PlistValue, out: number[] = []): number[] {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) for (const x of v) numbers(x, out);
  else if (typeof v === 'object' && !(v instanceof PlistDate) && !(v instanceof Uint8Array)) for (const x of Object.values(v)) numbers(x, out);
  return out;
}

t.test('every real capture parses in full, and every number matches Number() of its text', async (t) => {
  t.equal(PLISTS.length, 8);
  for (const f of PLISTS) {
    const docs = docsOf(f);
    for (const [i, d] of docs.entries()) {
      const r = parsePlist(d);
      t.ok(r.ok, `${f} doc ${i}`);
      const root = dict(ok(r));
      // elapsed_ns as printed in the document text
      const elapsed = Number(/<key>elapsed_ns<\/key>\s*<integer>(\d+)<\/integer>/.exec(d)![1]);
      t.equal(root.elapsed_ns, elapsed, `${f} doc ${i} elapsed_ns`);
      // Independent check of number scanning: every <integer>/<real> text outside comments,
      // through Number(). Duplicate keys (gpu idle_ns/idle_ratio) make the parse hold at most 2 fewer.
      const texts = [...d.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<(integer|real)>([^<]*)<\/\1>/g)].map((m) => Number(m[2]));
      const got = numbers(root);
      const pool = new Map<number, number>();
      for (const x of texts) pool.set(x, (pool.get(x) ?? 0) + 1);
      let missing = 0;
      for (const x of got) {
        const n = pool.get(x) ?? 0;
        if (n === 0) missing++;
        else pool.set(x, n - 1);
      }
      if (missing !== 0) t.fail(`${f} doc ${i}: ${missing} parsed numbers not in the text`);
      const dropped = texts.length - got.length;
      if (dropped < 0 || dropped > 2) t.fail(`${f} doc ${i}: ${dropped} numbers dropped`);
    }
  }
});

t.test('M2 Ultra values as printed', async (t) => {
  const root = dict(ok(parsePlist(docsOf(M2U)[0]!)));
  t.equal(root.is_delta, true);
  t.equal(root.hw_model, 'Mac14,14');
  t.equal(root.kern_osversion, '23E224');
  t.equal(root.kern_bootargs, '');
  t.equal(root.kern_boottime, 1711489712);
  t.ok(root.timestamp instanceof PlistDate);
  t.equal((root.timestamp as PlistDate).iso, '2024-04-12T22:42:39Z');
  const p = dict(root.processor);
  const clusters = p.clusters as PlistDict[];
  t.same(
    clusters.map((c) => c.name),
    ['E0-Cluster', 'P0-Cluster', 'P1-Cluster', 'E1-Cluster', 'P2-Cluster', 'P3-Cluster'],
  );
  t.equal(clusters[0]!.freq_hz, 990818000); // <real>9.90818e+08</real>
  t.equal(clusters[0]!.idle_ratio, 0.0412716);
  t.equal((clusters[0]!.dvfm_states as PlistDict[])[0]!.freq, 912);
  t.equal(((clusters[0]!.cpus as PlistDict[])[1]!).freq_hz, 1.04127e9); // <real>1.04127e+09</real>
  t.equal(p.cpu_energy, 855); // key and value on separate lines in this capture
  t.equal(p.cpu_power, 835.188);
  t.equal(p.gpu_energy, 72607);
  t.equal(p.combined_power, 71759.8);
  const gpu = dict(root.gpu);
  t.equal(gpu.freq_hz, 1360.85);
  t.equal(gpu.gpu_energy, 73491); // a different value from processor.gpu_energy
  // The duplicate idle_ns at the end of the gpu dict is accepted (last one wins; same value here);
  // this capture's author commented out the duplicate idle_ratio, which the scanner skips.
  t.equal(gpu.idle_ns, 55658583);
  t.equal(gpu.idle_ratio, 0.0536782);
  t.equal(root.thermal_pressure, 'Nominal');
});

t.test('duplicate keys: the gpu dict of the M1 Pro stream repeats idle_ns and idle_ratio', async (t) => {
  const d = docsOf('m1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist')[0]!;
  const gpuText = d.slice(d.indexOf('<key>gpu</key>'));
  const ratios = [...gpuText.matchAll(/<key>idle_ratio<\/key><real>([^<]+)<\/real>/g)].map((m) => Number(m[1]));
  t.ok(ratios.length >= 2, 'the text really has the key twice');
  const gpu = dict(dict(ok(parsePlist(d))).gpu);
  t.equal(gpu.idle_ratio, ratios[ratios.length - 1]);
});

t.test('projection: only selected keys are built, skipped subtrees are jumped over', async (t) => {
  const d = docsOf('m4-max-mac16-5-macos26-plist-tasks-disk-single.plist')[0]!;
  const full = dict(ok(parsePlist(d)));
  const sel = dict(ok(parsePlist(d, { select: POWERMETRICS_SELECT })));
  t.ok(Array.isArray(full.tasks) && Array.isArray((full.tasks as PlistValue[])));
  t.notOk('all_tasks' in sel);
  t.notOk('disk' in sel);
  t.same(Object.keys(sel).sort(), ['elapsed_ns', 'gpu', 'hw_model', 'is_delta', 'kern_boottime', 'kern_osversion', 'processor', 'tasks', 'thermal_pressure', 'timestamp']);
  // tasks rows (seek mode): only the selected keys, with the full parse's values; the nested
  // timer_wakeups dicts' keys (interval_ns…) are not taken for the row's own.
  const ft = full.tasks as PlistDict[];
  const st = sel.tasks as PlistDict[];
  t.equal(st.length, ft.length);
  t.same(Object.keys(st[0]!).sort(), ['cputime_ns', 'diskio_bytesread', 'diskio_byteswritten', 'name']);
  let same = 0;
  for (let i = 0; i < ft.length; i++)
    if (Object.entries(st[i]!).every(([k, v]) => ft[i]![k] === v) && st[i]!.name === ft[i]!.name) same++;
  t.equal(same, ft.length, 'every row agrees with the full parse');
  const fc = (dict(full.processor).clusters as PlistDict[])[2]!;
  const sc = (dict(sel.processor).clusters as PlistDict[])[2]!;
  t.equal(sc.name, 'P1-Cluster');
  t.equal(sc.down_ratio, 0.997273);
  t.equal(sc.down_ratio, fc.down_ratio);
  t.notOk('hw_resid_counters' in sc);
  t.same(Object.keys((sc.dvfm_states as PlistDict[])[0]!), ['freq']);
  t.notOk('dvfm_states' in (sc.cpus as PlistDict[])[0]!);
  t.equal((sc.cpus as PlistDict[]).length, (fc.cpus as PlistDict[]).length);
});

t.test('skipping handles nested containers of the same type', async (t) => {
  const x = `<?xml version="1.0"?><plist version="1.0"><dict>
    <key>skip</key><array><array><dict><key>a</key><dict><key>b</key><array/></dict></dict></array><dict/></array>
    <key>skipd</key><dict><key>x</key><dict><key>y</key><dict><key>z</key><string>my array> dict></string></dict></dict></dict>
    <key>keep</key><integer>7</integer></dict></plist>`;
  t.same(ok(parsePlist(x, { select: { keep: true } })), { keep: 7 });
  const full = dict(ok(parsePlist(x)));
  t.equal((dict(dict(dict(full.skipd).x).y).z), 'my array> dict>');
});

t.test('scalars: %g reals, integers, entities, empty forms, data, dates', async (t) => {
  const x = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
<key>g1</key><real>1</real>
<key>g2</key><real>9.90818e+08</real>
<key>g3</key><real>-1.5e-07</real>
<key>g4</key><real>1e+22</real>
<key>g5</key><real>1.2345678901234567890</real>
<key>g6</key><real>2.5E3</real>
<key>g7</key><real>1e-300</real>
<key>nan</key><real>nan</real>
<key>inf</key><real>-inf</real>
<key>i1</key><integer>-42</integer>
<key>i2</key><integer>18446744073709551615</integer>
<key>i3</key><integer>0x1F</integer>
<key>s</key><string>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#65;&#x42;&#x1F600;</string>
<key>k&amp;</key><string/>
<key>e1</key><dict/>
<key>e2</key><array/>
<key>t</key><true/>
<key>f</key><false/>
<key>data</key><data>
aGVs
bG8=
</data>
<key>when</key><date>2024-12-26T13:33:44Z</date>
<key>__proto__</key><string>not a prototype</string>
</dict>
</plist>
`;
  const v = dict(ok(parsePlist(x)));
  t.equal(v.g1, 1);
  t.equal(v.g2, Number('9.90818e+08'));
  t.equal(v.g3, Number('-1.5e-07'));
  t.equal(v.g4, 1e22);
  t.equal(v.g5, Number('1.2345678901234567890'));
  t.equal(v.g6, 2500);
  t.equal(v.g7, 1e-300);
  t.ok(Number.isNaN(v.nan));
  t.equal(v.inf, Number.NEGATIVE_INFINITY);
  t.equal(v.i1, -42);
  t.equal(v.i2, 18446744073709551615);
  t.equal(v.i3, 31);
  t.equal(v.s, 'a & b <c> "d" \'e\' AB\u{1F600}');
  t.equal(v['k&'], '');
  t.same(v.e1, {});
  t.same(v.e2, []);
  t.equal(v.t, true);
  t.equal(v.f, false);
  t.same([...(v.data as Uint8Array)], [...Buffer.from('hello')]);
  t.equal((v.when as PlistDate).iso, '2024-12-26T13:33:44Z');
  t.equal(JSON.stringify({ d: v.when }), '{"d":"2024-12-26T13:33:44Z"}');
  t.equal(Object.getPrototypeOf(v), Object.prototype, '__proto__ key does not replace the prototype');
  t.equal(Object.getOwnPropertyDescriptor(v, '__proto__')?.value, 'not a prototype');
  t.equal(decodeEntities('x&#10;y'), 'x\ny');
});

t.test('every prefix of a real document is reported as truncated, never thrown', async (t) => {
  const d = docsOf('m4-pro-mac16-8-macos15-plist-gpu_power-single.plist')[0]!;
  const end = d.lastIndexOf('</plist>') + '</plist>'.length;
  let bad = 0;
  for (const select of [undefined, POWERMETRICS_SELECT]) {
    for (let i = 0; i < end; i++) {
      const r = parsePlist(d.slice(0, i), select ? { select } : {});
      if (r.ok || !r.truncated) bad++;
    }
    t.ok(parsePlist(d.slice(0, end), select ? { select } : {}).ok, 'the whole document parses');
  }
  t.equal(bad, 0, `${end * 2} prefixes, all truncated`);
});

t.test('bad syntax comes back as a value', async (t) => {
  const cases: Array<[string, string]> = [
    ['', 'empty'],
    ['garbage', 'text'],
    ['<?xml version="1.0"?><plist><dict><key>a</key><integer>1</integer></dict></plist>junk', 'trailing junk'],
    ['<?xml version="1.0"?><plist><dict><key>a</key><integer>1</real></dict></plist>', 'mismatched close'],
    ['<?xml version="1.0"?><plist><dict><integer>1</integer></dict></plist>', 'value without key'],
    ['<?xml version="1.0"?><plist><dict><key>a</key><blob>1</blob></dict></plist>', 'unknown tag'],
    ['<?xml version="1.0"?><plist><dict><key>a</key><integer>12x</integer></dict></plist>', 'bad integer'],
    ['<?xml version="1.0"?><plist><dict><key>a</key><real>1.2.3</real></dict></plist>', 'bad real'],
    ['<?xml version="1.0"?><plist><dict><key>a</key><string>&bogus;</string></dict></plist>', 'unknown entity'],
    ['<?xml version="1.0"?><plist><dict><key>a</key><string>&#xD800;</string></dict></plist>', 'surrogate reference'],
    ['<?xml version="1.0"?><plist><dict><key>a</key><data>@@@</data></dict></plist>', 'bad base64'],
    ['<?xml version="1.0"?><plist>' + '<array>'.repeat(5000) + '</array>'.repeat(5000) + '</plist>', 'deep nesting'],
  ];
  for (const [x, name] of cases) {
    const r = parsePlist(x);
    t.equal(r.ok, false, name);
    if (!r.ok) t.type(r.message, 'string');
  }
  const skipDeep = parsePlist('<?xml version="1.0"?><plist><dict><key>s</key>' + '<array>'.repeat(5000) + '</array>'.repeat(5000) + '</dict></plist>', { select: {} });
  t.equal(skipDeep.ok, false, 'deep nesting inside a skipped subtree');
});

t.test('random bytes and random mutations of a real document never throw', async (t) => {
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const d = docsOf('m4-pro-mac16-8-macos15-plist-gpu_power-single.plist')[0]!;
  let threw = 0;
  let oks = 0;
  for (let i = 0; i < 400; i++) {
    const junk = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256))).toString('latin1');
    const chars = d.split('');
    for (let k = 0; k < 1 + Math.floor(rnd() * 5); k++) chars[Math.floor(rnd() * chars.length)] = '<>/&x0 '[Math.floor(rnd() * 7)]!;
    for (const x of [junk, chars.join(''), '<?xml?><plist>' + junk]) {
      for (const select of [undefined, POWERMETRICS_SELECT]) {
        try {
          if (parsePlist(x, select ? { select } : {}).ok) oks++;
        } catch {
          threw++;
        }
      }
    }
  }
  t.equal(threw, 0);
  t.ok(oks < 2400, 'random input is mostly rejected');
});

t.test('seek mode: wanted keys found by search, not inside nested dicts, last duplicate wins, cut-off reported', async (t) => {
  const { PLIST_SEEK } = await import('../../src/parsers/plist-model.ts');
  const sel: PlistSelect = { rows: [{ [PLIST_SEEK]: true, a: true, b: true, n: { x: true } }] };
  const x = `<?xml version="1.0"?><plist version="1.0"><dict><key>rows</key><array>
    <dict><key>z</key><dict><key>a</key><integer>99</integer></dict><key>a</key><integer>1</integer>
      <key>w</key><array><dict><key>b</key><integer>98</integer></dict></array><key>a</key><integer>2</integer>
      <key>n</key><dict><key>x</key><string>in</string><key>y</key><true/></dict></dict>
    <dict><key>b</key><real>0.5</real></dict>
  </array></dict></plist>`;
  const r = dict(ok(parsePlist(x, { select: sel })));
  t.same(r.rows, [{ a: 2, n: { x: 'in' } }, { b: 0.5 }]);
  const cutoff = parsePlist(x.slice(0, x.indexOf('<key>n</key>')), { select: sel });
  t.same([cutoff.ok, !cutoff.ok && cutoff.truncated], [false, true]);
});

/** An array of pieces that counts its joins: parsePlist joins the pieces only when the attempt in pieces failed. */
class Spy extends Array<string> {
  static joins = 0;
  override join(sep?: string): string {
    Spy.joins++;
    return super.join(sep);
  }
}

t.test('a document in pieces parses as the joined text, wherever the cuts fall', async (t) => {
  // Cuts before a line's '<' mostly fall between elements (parsed piece by piece) or inside a skipped
  // container or seek dict (the scanner then parses the joined text again); cuts anywhere (mid-tag,
  // mid-number, mid-comment) and empty pieces must also give the joined text's result, errors and
  // offsets included. Mutations bring errors, truncation and comments.
  const r = rng(20261203);
  Spy.joins = 0;
  const docs = [...docsOf('m1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist').slice(0, 4), ...docsOf(M2U)];
  let compared = 0;
  let failedWhole = 0;
  let differ = '';
  for (let i = 0; i < 400 && !differ; i++) {
    let text = docs[i % docs.length]!;
    if (i >= docs.length * 4) text = mutate(r, Buffer.from(text, 'utf8'), Buffer.from(docs[0]!, 'utf8')).toString('utf8');
    if (i % 3 === 0) {
      // a comment somewhere before a line's '<' (skipped containers do not know comments)
      const at = text.indexOf('\n<', Math.floor(r() * text.length));
      if (at >= 0) text = `${text.slice(0, at + 1)}<!-- </dict></array> -->${text.slice(at + 1)}`;
    }
    const lines: number[] = [];
    for (let p = text.indexOf('\n<'); p >= 0; p = text.indexOf('\n<', p + 1)) lines.push(p + 1);
    const anywhere = i % 4 === 1;
    const cut = () => (anywhere ? Math.floor(r() * (text.length + 1)) : lines[Math.floor(r() * lines.length)]!);
    const cuts = Array.from({ length: 1 + Math.floor(r() * 4) }, cut).sort((a, b) => a - b); // repeats: empty pieces
    const pieces = Spy.from([0, ...cuts].map((c, k) => text.slice(c, k < cuts.length ? cuts[k] : undefined))) as Spy;
    for (const select of [undefined, POWERMETRICS_SELECT]) {
      const whole = parsePlist(text, { select });
      if (!whole.ok) failedWhole++;
      if (!isDeepStrictEqual(parsePlist(pieces, { select }), whole)) differ = `case ${i} (${pieces.length} pieces, select ${select ? 'powermetrics' : 'none'})`;
      compared++;
    }
  }
  t.equal(differ, '', 'no difference');
  t.ok(compared === 800 && failedWhole > 50 && failedWhole < 700, `${compared} comparisons, ${failedWhole} of them errors`);
  t.ok(Spy.joins > 50 && Spy.joins < compared - 50, `both ways taken: ${Spy.joins} parsed again joined, ${compared - Spy.joins} in pieces`);
});

t.test('a seek-mode value that runs past its dict into the next piece: the joined text decides', async (t) => {
  // The dict's end is found by tags alone, so a comment can hide a `</dict>`; the value's parse then
  // runs on past that end. In one string the scan goes back to the end it found; across pieces that
  // position belongs to the previous piece, so the pieces must not be used.
  const select: PlistSelect = { tasks: [{ [PLIST_SEEK]: true, bytes_sent: true }] };
  const p0 = '<plist><dict><key>tasks</key><array><dict><key>bytes_sent</key><array><!-- </dict><!-- -->\n';
  const after = p0.indexOf('</dict>') + 7;
  const p1 = '<integer>1</integer></array><key>y</key><array>';
  const ok1 = [p0, p1 + ' '.repeat(after - p1.length) + '</array></dict></plist>'];
  const bad1 = [p0, '<integer>1</integer></array>' + ' '.repeat(after - 28) + '</array></dict></plist>'];
  const joined = (ps: string[]) => parsePlist(ps.join(''), { select });
  t.strictSame(parsePlist(ok1, { select }), joined(ok1), 'both succeed: the same value');
  t.strictSame(parsePlist(bad1, { select }), joined(bad1), 'the joined text fails: the same error and offset');
  t.notOk(joined(bad1).ok, 'which is an error');
});

t.test('pieces cut before app dicts are parsed in place, without joining them', async (t) => {
  Spy.joins = 0;
  const text = docsOf('m1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist')[5]!;
  const cuts: number[] = [];
  for (let p = text.indexOf('\n<dict>\n<key>pid</key>'); p >= 0; p = text.indexOf('\n<dict>\n<key>pid</key>', p + 1)) cuts.push(p + 1);
  t.ok(cuts.length > 20, `${cuts.length} task dicts`);
  const pieces = Spy.from([0, ...cuts].map((c, k) => text.slice(c, k < cuts.length ? cuts[k] : undefined))) as Spy;
  const r = parsePlist(pieces, { select: POWERMETRICS_SELECT });
  t.equal(Spy.joins, 0, 'no second parse');
  t.same(r, parsePlist(text, { select: POWERMETRICS_SELECT }), 'the same value');
  // A cut inside a timer_wakeups dict (inside a task's seek-mode dict) needs the joined text.
  const inner = text.indexOf('\n  <key>interval_ns</key>') + 1;
  t.same(parsePlist(Spy.from([text.slice(0, inner), text.slice(inner)]) as Spy, { select: POWERMETRICS_SELECT }), r, 'same value after joining');
  t.equal(Spy.joins, 1, 'joined once');
  t.same(parsePlist([], {}), parsePlist(''), 'no pieces: the empty text');
});
