// The powermetrics stream parser gives the same results, errors and offsets included, whether it
// finds each `</plist>` with the addon's indexOf (PowermetricsOptions.search, as the agent runs it) or
// with Buffer#indexOf: on every real plist capture under several chunkings, and on hostile streams
// (`</plist>` hidden in comments, strings and skipped dicts, dense near misses, junk, cut documents,
// overflow). The live source and the module's parser take the addon's search when it loads.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { memoryLogger } from '../../../src/log.ts';
import { createPowermetricsParser } from '../../../src/modules/powermetrics/parser.ts';
import type { PowermetricsOptions } from '../../../src/modules/powermetrics/document.ts';
import { powermetrics } from '../../../src/modules/powermetrics/index.ts';
import { BIN_FROM_PATH_ENV } from '../../../src/sources/binaries.ts';
import { byteSearch, loadNative } from '../../../src/sources/native.ts';
import type { BaseSample, ParseError } from '../../../src/samples.ts';
import { withEnv } from '../../helpers/env.ts';
import { chunk, loadFixtures, mutationCampaign } from '../../fuzz/harness.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const search = byteSearch(() => loadNative({ fresh: true }));

/** Every result of `bytes` pushed in pieces of `size` (0: whole). */
function run(bytes: Buffer, size: number, options: PowermetricsOptions): unknown[] {
  const p = createPowermetricsParser(options);
  const out: unknown[] = [];
  if (size === 0) out.push(...p.push(bytes));
  else for (let i = 0; i < bytes.length; i += size) out.push(...p.push(bytes.subarray(i, i + size)));
  out.push(...p.end());
  return out;
}

const CAPTURES = [
  ...readdirSync(join(ROOT, 'fixtures/powermetrics'))
    .filter((f) => f.endsWith('.plist'))
    .map((f) => join('fixtures/powermetrics', f)),
  'fixtures/replay/m1-pro/powermetrics.plist',
  'fixtures/replay/m2-ultra/powermetrics.plist',
];

t.test('the addon search loads (npm ci builds it)', async (t) => {
  t.equal(typeof search, 'function');
});

t.test('real captures: with the addon search and without, the same results', async (t) => {
  if (!search) return t.fail('addon not built');
  for (const f of CAPTURES) {
    const bytes = readFileSync(join(ROOT, f));
    for (const size of [0, 65536, 4093, 500]) {
      const want = run(bytes, size, {});
      const got = run(bytes, size, { search });
      t.same(got, want, `${f}, chunks of ${size || 'all'}`);
      if (size === 0) t.ok(want.some((r) => (r as BaseSample).type === 'powermetrics'), `${f}: samples`);
    }
  }
});

t.test('hostile streams: with the addon search and without, the same results', async (t) => {
  if (!search) return t.fail('addon not built');
  const doc = readFileSync(join(ROOT, 'fixtures/powermetrics/m2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist'), 'latin1').trim();
  const at = (s: string, marker: string, insert: string) => s.replace(marker, marker + insert);
  const variants: Array<[string, string]> = [
    ['two documents, NUL between', `${doc}\0${doc}\n`],
    ['no NUL between', doc + doc],
    ['</plist> in a comment', at(doc, '<dict>', '<!-- </plist> -->')],
    ['</plist> as a string value', at(doc, '<dict>', '<key>x</key><string></plist></string>')],
    ['</plist> inside a skipped dict', at(doc, '<dict>', '<key>skipped</key><dict><key>a</key></plist></dict>')],
    ['dense near misses', at(doc, '<dict>', `<key>x</key><string>${'</p'.repeat(4000)}${'p'.repeat(9000)}</string>`)],
    ['junk before and after', `warning: junk\n${doc}\0garbage</plist>\0${doc}`],
    ['cut in the middle of </plist>', `${doc}\0${doc.slice(0, -4)}`],
    ['a document without its start', doc.slice(40) + '\0' + doc],
    ['<?xml inside a document', at(doc, '<dict>', '<?xml version="1.0"?>')],
  ];
  for (const [name, text] of variants) {
    const bytes = Buffer.from(text, 'latin1');
    for (const size of [0, 777, 8]) {
      const want = run(bytes, size, {});
      t.same(run(bytes, size, { search }), want, `${name}, chunks of ${size || 'all'}`);
    }
  }
  // Overflow: no </plist> within the cap, then a good document.
  const over = Buffer.from(`<?xml version="1.0"?><plist><dict>${'</p'.repeat(50_000)}\0${doc}`, 'latin1');
  const want = run(over, 10_000, { maxDocumentBytes: 100_000 });
  t.same(run(over, 10_000, { maxDocumentBytes: 100_000, search }), want, 'overflow and resync');
  t.ok(want.some((r) => (r as ParseError).type === 'error') && want.some((r) => (r as BaseSample).type === 'powermetrics'), 'an error, then the good sample');
});

t.test('found by the hostile review of the search', async (t) => {
  if (!search) return t.fail('addon not built');
  const doc = readFileSync(join(ROOT, 'fixtures/powermetrics/m2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist'), 'latin1').trim();
  // A run of `</plist>` without `<?xml`, in one push (as `parse` gives a whole file): each one searched to the
  // end of the bytes for the next document start, quadratic (288 KB took 5.3 s). Linear now: a regression
  // shows as this test's timeout (1.1 MB would take about a minute).
  const run1 = Buffer.from('?</plist>'.repeat(125_000), 'latin1');
  for (const options of [{}, { search }]) {
    const p = createPowermetricsParser(options);
    const out = [...p.push(run1), ...p.end()];
    t.equal(out.length, 125_000, `${'search' in options ? 'addon search' : 'Buffer#indexOf'}: one error per </plist>`);
    t.ok(out.every((r) => r.type === 'error' && r.kind === 'malformed'), 'all malformed');
  }
  // A good document, then junk that ends in `</plist>`, past the document cap: the document is read, the
  // junk is one error (the candidate up to the last `</plist>` is not decoded whole).
  const junk = Buffer.from(`${doc}\0${'x'.repeat(80_000)}</plist>`, 'latin1');
  for (const options of [{}, { search }]) {
    const out = run(junk, 0, { maxDocumentBytes: 70_000, ...options });
    t.same(out.map((r) => (r as BaseSample).type), ['powermetrics', 'error'], 'the document, then the junk as an error');
  }
  // A document cap below 4 bytes: no exception, no negative offset.
  for (const cap of [1, 2, 3])
    for (const options of [{}, { search }]) {
      const p = createPowermetricsParser({ maxDocumentBytes: cap, ...options });
      const out = [...p.push('ab'), ...p.push('<?xml x</plist>'), ...p.push('abcdef'), ...p.end()] as ParseError[];
      t.notOk(out.some((r) => /exception/.test(r.message ?? '')), `cap ${cap}: no parser exception`);
      t.ok(out.every((r) => r.offset === undefined || r.offset >= 0), `cap ${cap}: offsets ≥ 0`);
    }
});

t.test('2,000 mutated captures in random chunks: with the addon search and without, the same results', async (t) => {
  if (!search) return t.fail('addon not built');
  // The fuzz suite's own mutations (test/fuzz/harness.ts) of the small captures and the first M1 Pro document.
  const all = loadFixtures('fixtures/powermetrics', (n) => n.endsWith('.plist'));
  const big = all.find((f) => f.name.includes('29samples'))!;
  const fixtures = [...all.filter((f) => f.bytes.length < 100_000), { name: 'm1-pro#doc1', bytes: big.bytes.subarray(0, big.bytes.indexOf('</plist>') + 9) }];
  let cases = 0;
  let differ = 0;
  let first = '';
  mutationCampaign(fixtures, 2000, 0x5ea7, (b, r, where) => {
    const pieces = chunk(r, b);
    const feed = (options: PowermetricsOptions) => {
      const p = createPowermetricsParser(options);
      const out: unknown[] = [];
      for (const c of pieces) out.push(...p.push(c));
      out.push(...p.end());
      return JSON.stringify(out);
    };
    cases++;
    if (feed({ search }) !== feed({})) {
      differ++;
      first ||= where;
    }
  });
  t.equal(differ, 0, `${cases} cases${first ? `; first: ${first}` : ''}`);
});

t.test('the module parser and the live source use the addon search', async (t) => {
  if (!search) return t.fail('addon not built');
  // Replay and `parse` build their parser through the module.
  const bytes = readFileSync(join(ROOT, 'fixtures/replay/m2-ultra/powermetrics.plist'));
  const p = powermetrics.parser({});
  t.same([...p.push(bytes), ...p.end()], run(bytes, 0, { search }), 'module parser');

  // Live: a fake powermetrics child streams a real capture; the search the context's addon offers is called.
  withEnv(t, {
    PATH: `${join(ROOT, 'test/fakes/tools')}:${process.env.PATH}`,
    [BIN_FROM_PATH_ENV]: '1',
    FAKE_POWERMETRICS_FILE: join(ROOT, 'fixtures/powermetrics/m4-pro-mac16-8-macos15-plist-gpu_power-stream-5samples-nul.plist'),
    FAKE_POWERMETRICS_MODE: 'stream',
  });
  let calls = 0;
  const spy = (hay: Uint8Array, needle: Uint8Array, from: number) => (calls++, search(hay, needle, from));
  const addon = loadNative().addon!;
  const config = powermetrics.config.parse({ intervalMs: 100 });
  const src = powermetrics.live(config, { logger: memoryLogger(), env: process.env, native: () => ({ addon: { ...addon, indexOf: spy } }) });
  const got: BaseSample[] = [];
  src.start({ result: (r) => void (r.type !== 'error' && got.push(r as BaseSample)), status: () => {} });
  const end = Date.now() + 90_000;
  while (got.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await src.stop();
  t.ok(got.length >= 2, `samples (${got.length})`);
  t.ok(calls >= 2, `the context's addon search was called (${calls} calls)`);
});
