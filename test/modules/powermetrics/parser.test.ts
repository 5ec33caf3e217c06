import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePowermetricsDocument, thermalLevel } from '../../../src/modules/powermetrics/document.ts';
import { createPowermetricsParser, decodeDocument, PIECE_MAX } from '../../../src/modules/powermetrics/parser.ts';
import { AppTracker } from '../../../src/modules/powermetrics/apps.ts';
import { assignDies, classifyCluster } from '../../../src/modules/powermetrics/topology.ts';
import { parseAll } from '../../../src/parsers/parser.ts';
import { PowermetricsSample } from '../../../src/modules/powermetrics/sample.ts';
import { ParseError } from '../../../src/samples.ts';
import type { ParseResult } from '../../../src/samples.ts';

const DIR = fileURLToPath(new URL('../../../fixtures/powermetrics/', import.meta.url));
const read = (f: string) => readFileSync(DIR + f);
const M1PRO = 'm1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist';
const M2U = 'm2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist';
const M4MAX = 'm4-max-mac16-5-macos26-plist-tasks-disk-single.plist';
const M4PRO_GPU = 'm4-pro-mac16-8-macos15-plist-gpu_power-stream-5samples-nul.plist';
const M4PRO_GPU1 = 'm4-pro-mac16-8-macos15-plist-gpu_power-single.plist';
const M4PRO_BATT = 'm4-pro-mac16-8-macos15-plist-battery-stream-3samples-nul.plist';
const M1_2S = 'm1-macbookpro17-1-macos13-plist-single-2s-reindented.plist';
const M1_500 = 'm1-macbookpro17-1-macos13-plist-single-500ms-reindented.plist';

type R = ParseResult<PowermetricsSample>;
const samples = (rs: R[]) => rs.filter((r): r is PowermetricsSample => r.type === 'powermetrics');
const errors = (rs: R[]) => rs.filter((r): r is ParseError => r.type === 'error');
const parseFile = (f: string) => parseAll(createPowermetricsParser(), read(f));
/** First number printed for `key` in `text` (independent of the code under test). */
const raw = (text: string, key: string) => Number(new RegExp(`<key>${key}</key>\\s*<(?:integer|real)>([^<]+)<`).exec(text)![1]);
/** Seeded PRNG (LCG) so chunkings are reproducible. */
const prng = (seed: number) => () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);

t.test('every plist capture parses without error into schema-valid samples', async (t) => {
  const expect: Array<[string, number]> = [
    [M1PRO, 29],
    [M4PRO_GPU, 5],
    [M4PRO_GPU1, 1],
    [M4PRO_BATT, 3],
    [M2U, 1],
    [M4MAX, 1],
    [M1_2S, 1],
    [M1_500, 1],
  ];
  for (const [f, n] of expect) {
    const rs = parseFile(f);
    t.same(errors(rs), [], `${f}: no errors`);
    t.equal(samples(rs).length, n, `${f}: ${n} samples`);
    for (const s of samples(rs)) if (!PowermetricsSample.safeParse(s).success) t.fail(`${f}: sample fails the schema`);
  }
});

t.test('M2 Ultra: two dies, E0,P0,P1,E1,P2,P3, rails, GPU and thermal', async (t) => {
  const text = read(M2U).toString('utf8');
  const [s, ...rest] = parseFile(M2U);
  t.same(rest, []);
  if (s?.type !== 'powermetrics') throw new Error('no sample');
  t.equal(s.elapsedS, 1023721416 / 1e9);
  t.equal(s.hwModel, 'Mac14,14');
  t.equal(s.osBuild, '23E224');
  t.equal(s.bootTimeS, 1711489712);
  t.equal(s.timestamp, '2024-04-12T22:42:39Z');
  t.equal(s.isDelta, true);
  t.equal(s.dies, 2);
  t.same(
    s.clusters.map((c) => [c.name, c.kind, c.index, c.die]),
    [
      ['E0-Cluster', 'E', 0, 0],
      ['P0-Cluster', 'P', 0, 0],
      ['P1-Cluster', 'P', 1, 0],
      ['E1-Cluster', 'E', 1, 1],
      ['P2-Cluster', 'P', 2, 1],
      ['P3-Cluster', 'P', 3, 1],
    ],
  );
  t.equal(s.cpus.length, 24);
  t.same(
    s.cpus.filter((c) => c.kind === 'E').map((c) => c.cpu),
    [0, 1, 2, 3, 12, 13, 14, 15],
  );
  t.same(
    s.cpus.map((c) => c.die),
    [...Array(12).fill(0), ...Array(12).fill(1)],
  );
  // Rails: 855 mJ over 1.023721416 s; the plist's own 835.188 mW kept as reportedPowerW.
  t.equal(s.cpu!.energyJ, 0.855);
  t.equal(s.cpu!.powerW, 0.855 / 1023721416e-9);
  t.equal(s.cpu!.reportedPowerW, 0.835188);
  t.ok(Math.abs(s.cpu!.powerW - 0.835188) < 1e-5, 'energy/elapsed agrees with the printed mW');
  t.equal(s.gpu!.energyJ, 72.607, 'processor.gpu_energy, not gpu.gpu_energy (73491)');
  t.equal(s.gpu!.reportedPowerW, 70924.6 / 1000);
  t.equal(s.ane!.energyJ, 0);
  t.equal(s.combined!.energyJ, 0.855 + 72.607 + 0);
  t.equal(s.combined!.reportedPowerW, 71759.8 / 1000);
  // GPU: freq_hz 1360.85 is MHz.
  t.equal(s.gpuFreqHz, 1360.85e6);
  t.equal(s.gpuFreqHz, 1.36085e9);
  t.equal(s.gpuActiveRatio, 1 - 0.0536782);
  t.equal(s.thermalPressure?.level, 'nominal');
  t.equal(s.thermalPressure?.raw, 'Nominal');
  // Cluster E0: 9.90818e+08 Hz, idle 0.0412716, DVFS table up to 2424 MHz, online 1.
  const e0 = s.clusters[0]!;
  t.equal(e0.freqHz, 990818000);
  t.equal(e0.activeRatio, 1 - 0.0412716);
  t.equal(e0.activeFrom, 'cluster');
  t.equal(e0.maxDvfsFreqHz, 2424e6);
  t.equal(e0.onlineRatio, 1);
  t.same(e0.cpus, [0, 1, 2, 3]);
  // CPU 1: 1.04127e+09 Hz, idle 0.56774 (read from the text).
  const cpu1Text = text.slice(text.indexOf('<key>cpu</key><integer>1</integer>'));
  t.equal(s.cpus[1]!.freqHz, raw(cpu1Text, 'freq_hz'));
  t.equal(s.cpus[1]!.idleRatio, raw(cpu1Text, 'idle_ratio'));
  t.equal(s.cpus[1]!.activeRatio, 1 - 0.56774);
  t.equal(s.cpus[1]!.downRatio, undefined);
  t.equal(s.gpuMaxDvfsFreqHz, Math.max(...[...text.slice(text.indexOf('<key>gpu</key>')).matchAll(/<key>freq<\/key><integer>(\d+)</g)].map((m) => Number(m[1]))) * 1e6);
});

t.test('M3-class rule: hw_model Mac15,* takes cluster activity from the CPUs', async (t) => {
  const text = read(M2U).toString('utf8').replace('<string>Mac14,14</string>', '<string>Mac15,14</string>');
  const [s] = parsePowermetricsDocument(text);
  if (s?.type !== 'powermetrics') throw new Error('no sample');
  const e0 = s.clusters[0]!;
  t.equal(e0.activeFrom, 'cpus');
  // E0's four CPUs as printed: idle 0.440453, 0.56774, and two more read from the text.
  const idles = [0, 1, 2, 3].map((n) => raw(text.slice(text.indexOf(`<key>cpu</key><integer>${n}</integer>`)), 'idle_ratio'));
  t.equal(idles[0], 0.440453);
  t.equal(idles[1], 0.56774);
  const mean = idles.reduce((a, x) => a + (1 - x), 0) / 4;
  t.ok(Math.abs(e0.activeRatio - mean) < 1e-12);
  t.ok(e0.activeRatio < 1 - 0.0412716, 'lower than the cluster residency figure');
  // Forcing the rule either way.
  const [c] = parsePowermetricsDocument(text, { clusterActive: 'cluster' });
  t.equal((c as PowermetricsSample).clusters[0]!.activeFrom, 'cluster');
});

t.test('M4 Max: down residency, no online_ratio on P1, one die', async (t) => {
  const [s] = parseFile(M4MAX);
  if (s?.type !== 'powermetrics') throw new Error('no sample');
  t.equal(s.dies, 1);
  t.same(
    s.clusters.map((c) => c.name),
    ['E-Cluster', 'P0-Cluster', 'P1-Cluster'],
  );
  t.same(
    s.clusters.map((c) => c.cpus.length),
    [4, 6, 6],
  );
  const p1 = s.clusters[2]!;
  t.equal(p1.activeRatio, Math.max(0, 1 - 0.00237207 - 0.997273));
  t.equal(p1.onlineRatio, undefined);
  const cpu = s.cpus.find((c) => c.cluster === 'P1-Cluster')!;
  t.equal(cpu.downRatio, 0.997552);
  t.ok(cpu.activeRatio >= 0 && cpu.activeRatio < 0.01);
  t.equal(s.cpu!.energyJ, 3.049);
  t.equal(s.cpu!.reportedPowerW, 2978.45 / 1000);
  t.equal(s.gpuFreqHz, 338e6);
});

t.test('M1 (macOS 13, re-indented): E-Cluster/P-Cluster without index, no online_ratio', async (t) => {
  const [s] = parseFile(M1_2S);
  if (s?.type !== 'powermetrics') throw new Error('no sample');
  t.same(
    s.clusters.map((c) => [c.name, c.kind, c.index, c.die, c.cpus]),
    [
      ['E-Cluster', 'E', 0, 0, [0, 1, 2, 3]],
      ['P-Cluster', 'P', 0, 0, [4, 5, 6, 7]],
    ],
  );
  t.equal(s.clusters[0]!.freqHz, 1.02287e9);
  t.equal(s.clusters[0]!.activeRatio, 1 - 0.772993);
  t.equal(s.clusters[0]!.onlineRatio, undefined);
  t.equal(s.elapsedS, 2.01917875);
  t.equal(s.gpuFreqHz, 714.836e6);
  t.equal(s.gpuActiveRatio, 1 - 0.983341);
});

t.test('captures without some samplers: battery-only and gpu-only give samples with what is there', async (t) => {
  const batt = samples(parseFile(M4PRO_BATT));
  t.same(
    batt.map((s) => [s.elapsedS, s.timestamp]),
    [
      [1.0020935, '2025-07-08T05:36:24Z'],
      [1.00416075, '2025-07-08T05:36:25Z'],
      [1.001210833, '2025-07-08T05:36:26Z'],
    ],
  );
  for (const s of batt) {
    t.same([s.cpu, s.gpu, s.combined, s.gpuFreqHz, s.thermalPressure], [undefined, undefined, undefined, undefined, undefined]);
    t.same([s.clusters, s.cpus, s.dies], [[], [], 1]);
  }
  const gpu = samples(parseFile(M4PRO_GPU1))[0]!;
  t.equal(gpu.elapsedS, 5.005449083);
  t.equal(gpu.gpuFreqHz, 338e6);
  t.equal(gpu.gpuActiveRatio, 1 - 0.995324);
  t.equal(gpu.cpu, undefined);
  t.same(gpu.clusters, []);
});

t.test('M1 Pro stream: any chunking gives the same 29 samples as one push', async (t) => {
  const bytes = read(M1PRO);
  const whole = parseFile(M1PRO);
  t.equal(samples(whole).length, 29);
  t.same(errors(whole), []);
  // elapsed_ns of the first and last documents as printed
  const text = bytes.toString('utf8');
  t.equal(samples(whole)[0]!.elapsedS, raw(text, 'elapsed_ns') / 1e9);
  t.equal(samples(whole)[28]!.elapsedS, raw(text.slice(text.lastIndexOf('<?xml')), 'elapsed_ns') / 1e9);
  for (const seed of [1, 2, 3, 42, 1234]) {
    const rnd = prng(seed);
    const p = createPowermetricsParser();
    const got: R[] = [];
    let pos = 0;
    let pushes = 0;
    // Sizes from 1 B to 64 KiB, log-uniform so small chunks (mid-tag, mid-"</plist>") are common.
    while (pos < bytes.length) {
      const n = Math.max(1, Math.floor(2 ** (rnd() * 16)));
      got.push(...p.push(bytes.subarray(pos, pos + n)));
      pos += n;
      pushes++;
    }
    got.push(...p.end());
    t.strictSame(got, whole, `seed ${seed}: ${pushes} chunks`);
  }
});

t.test('documents past PIECE_MAX are decoded in pieces cut before app dicts; the stream gives what one string per document gives', async (t) => {
  const bytes = read(M1PRO);
  let split = 0;
  const tracker = new AppTracker();
  const expected: R[] = [];
  for (let a = bytes.indexOf('<?xml'); a >= 0; a = bytes.indexOf('<?xml', a + 1)) {
    const b = bytes.indexOf('</plist>', a) + '</plist>'.length;
    const text = decodeDocument(bytes, a, b);
    const whole = bytes.toString('utf8', a, b);
    expected.push(...parsePowermetricsDocument(whole, { apps: tracker, offset: a }));
    if (typeof text === 'string') {
      t.ok(b - a <= PIECE_MAX && text === whole, `${b - a} bytes: one string`, { diagnostic: false });
      continue;
    }
    split++;
    t.ok(b - a > PIECE_MAX, `${b - a} bytes: ${text.map((x) => x.length).join(' + ')}`);
    t.equal(text.join(''), whole, 'the pieces join to the document');
    t.ok(text.every((x) => x.length <= PIECE_MAX), 'each piece within PIECE_MAX');
    t.ok(text.slice(1).every((x) => /^<dict>\n<key>p?id<\/key>/.test(x)), 'each cut before a coalition or task dict');
  }
  t.equal(split, 8, 'the 8 documents of 127 KiB or more (131,000–158,000 bytes)');
  t.strictSame(parseFile(M1PRO), expected, 'the stream: the same results as each document parsed as one string');

  // The M4 Max document (260,009 bytes, a tasks array without coalitions): three pieces.
  const m4 = read(M4MAX);
  const a4 = m4.indexOf('<?xml');
  const b4 = m4.indexOf('</plist>') + '</plist>'.length;
  const p4 = decodeDocument(m4, a4, b4);
  t.ok(Array.isArray(p4) && p4.length === 3 && p4.every((x) => x.length <= PIECE_MAX), `M4 Max: ${Array.isArray(p4) ? p4.map((x) => x.length).join(' + ') : 'one string'}`);
  t.equal(Array.isArray(p4) && p4.join(''), m4.toString('utf8', a4, b4), 'joined: the document');
  t.strictSame(parseFile(M4MAX), parsePowermetricsDocument(m4.toString('utf8', a4, b4), { offset: a4 }), 'M4 Max stream: as one string');

  // Not ASCII: a name with é and ☕ in the largest document, decoded and parsed as UTF-8 pieces.
  const big = bytes.toString('utf8').split('\0').reduce((x, y) => (y.length > x.length ? y : x), '');
  const named = big.replace('<string>com.docker.docker</string>', '<string>café ☕ app</string>');
  const u = Buffer.from(named, 'utf8');
  const pieces = decodeDocument(u, 0, u.length);
  t.ok(Array.isArray(pieces) && pieces.join('') === named, 'UTF-8 pieces join to the text');
  const fromPieces = parsePowermetricsDocument(pieces);
  t.strictSame(fromPieces, parsePowermetricsDocument(named), 'and parse as the text does');
  t.ok(
    (fromPieces[0] as PowermetricsSample).apps?.series.some((x) => x.name === 'café ☕ app'),
    'the app under its UTF-8 name',
  );
  // Larger than PIECE_MAX with no app dict to cut before: one string.
  const flat = Buffer.from(`<?xml version="1.0"?><plist version="1.0"><dict><key>x</key><string>${'a'.repeat(PIECE_MAX)}</string></dict></plist>`);
  t.equal(typeof decodeDocument(flat, 0, flat.length), 'string', 'nowhere to cut: one string');
  // Hostile: 40,000 dicts that look like a cut point but are no app's, then one that is. The search
  // for a cut looks at no more than 64 candidates each way from the middle, so the work is bounded.
  const fake = '\n<dict>\n<key>x</key><integer>1</integer></dict>'.repeat(40_000);
  const hostile = Buffer.from(
    `<?xml version="1.0"?><plist version="1.0"><dict><key>a</key><array>${fake}\n<dict>\n<key>pid</key><integer>1</integer></dict>\n</array></dict></plist>`,
  );
  const hp = decodeDocument(hostile, 0, hostile.length);
  t.equal(typeof hp === 'string' ? hp : hp.join(''), hostile.toString('latin1'), `hostile cut points: the text (${typeof hp === 'string' ? 'one string' : `${hp.length} pieces`})`);
});

t.test('M1 Pro stream cut inside the last document: 28 samples and one truncated error', async (t) => {
  const bytes = read(M1PRO);
  const lastStart = bytes.lastIndexOf('<?xml');
  const cut = bytes.subarray(0, lastStart + Math.floor((bytes.length - lastStart) / 2));
  const rs = parseAll(createPowermetricsParser(), cut);
  t.equal(samples(rs).length, 28);
  t.same(
    errors(rs).map((e) => [e.kind, e.offset]),
    [['truncated', lastStart]],
  );
  t.strictSame(samples(rs), samples(parseFile(M1PRO)).slice(0, 28));
});

t.test('a document is emitted as soon as its </plist> arrives, not when the next NUL comes', async (t) => {
  const bytes = read(M4PRO_GPU);
  const firstEnd = bytes.indexOf('</plist>') + '</plist>'.length;
  const p = createPowermetricsParser();
  t.same(p.push(bytes.subarray(0, firstEnd - 1)), [], 'nothing before the final ">"');
  const r = p.push(bytes.subarray(firstEnd - 1, firstEnd));
  t.equal(samples(r).length, 1, 'emitted on the last byte of </plist>');
  t.same(p.push(bytes.subarray(firstEnd, firstEnd + 2)), [], 'the "\\n\\0" that follows emits nothing');
  const rest = [...p.push(bytes.subarray(firstEnd + 2)), ...p.end()];
  t.equal(samples(rest).length, 4);
  t.same(errors(rest), []);
});

t.test('the first </plist> ends a document even when the bytes up to the NUL end in another one', async (t) => {
  // The framing decodes a candidate (up to the NUL, less whitespace, ending in </plist>) before
  // searching it; here the candidate's end is not the first </plist>, so the document ends earlier.
  const doc = read(M2U).toString('utf8').trimEnd();
  const bytes = Buffer.from(`${doc}\n<!-- tail -->\n</plist>\n\u0000${doc}\n\u0000`, 'utf8');
  const check = (rs: R[], how: string) => {
    t.equal(samples(rs).length, 2, `${how}: both documents`);
    t.same(
      errors(rs).map((e) => [e.kind, e.offset]),
      [['malformed', Buffer.byteLength(doc)]],
      `${how}: the text after the first </plist> is one malformed region at its offset`,
    );
  };
  check(parseAll(createPowermetricsParser(), bytes), 'one push');
  const p = createPowermetricsParser();
  const bytewise: R[] = [];
  for (let i = 0; i < bytes.length; i += 997) bytewise.push(...p.push(bytes.subarray(i, i + 997)));
  check([...bytewise, ...p.end()], '997-byte chunks');
});

t.test('a chunk boundary inside a multi-byte UTF-8 character', async (t) => {
  const text = read(M2U).toString('utf8').replace('<string>Mac14,14</string>', '<string>Mäc14,14 ✓ 🍎</string>');
  const bytes = Buffer.from(text, 'utf8');
  const at = bytes.indexOf('ä') ;
  const whole = parseAll(createPowermetricsParser(), bytes);
  t.equal((whole[0] as PowermetricsSample).hwModel, 'Mäc14,14 ✓ 🍎');
  const hw = bytes.indexOf(Buffer.from('Mäc'));
  for (let split = hw; split < hw + 20; split++) {
    const p = createPowermetricsParser();
    const got = [...p.push(bytes.subarray(0, split)), ...p.push(bytes.subarray(split)), ...p.end()];
    if ((got[0] as PowermetricsSample | undefined)?.hwModel !== 'Mäc14,14 ✓ 🍎') t.fail(`split at ${split}`);
  }
  t.ok(at > 0);
});

t.test('bad input gives typed errors, never a throw', async (t) => {
  const one = read(M4PRO_GPU1);
  const kinds = (input: Uint8Array | string) => parseAll(createPowermetricsParser(), input).map((r) => (r.type === 'error' ? r.kind : 'sample'));
  t.same(kinds(''), ['empty']);
  t.same(kinds('\0\n  \n'), ['empty']);
  t.same(kinds('this is not powermetrics output\n'), ['malformed']);
  const rnd = prng(7);
  for (let i = 0; i < 50; i++) {
    const junk = Uint8Array.from({ length: 1 + Math.floor(rnd() * 5000) }, () => Math.floor(rnd() * 256));
    const ks = kinds(junk);
    if (ks.length === 0 || ks.includes('sample')) t.fail(`random bytes ${i}: ${ks}`);
    // random bytes, then a good document: the document still parses
    const ks2 = kinds(Buffer.concat([junk, Buffer.from('\n'), one]));
    if (!ks2.includes('sample')) t.fail(`random bytes then a document ${i}: ${ks2}`);
  }
  // A warning line before the first document (powermetrics sometimes prints such lines).
  const warned = Buffer.concat([Buffer.from('powermetrics: warning: unable to get battery info\n'), read(M4PRO_GPU)]);
  const w = parseAll(createPowermetricsParser(), warned);
  t.same(
    w.map((r) => (r.type === 'error' ? r.kind : 'sample')),
    ['malformed', 'sample', 'sample', 'sample', 'sample', 'sample'],
  );
  t.equal((w[0] as ParseError).offset, 0);
  // A document interrupted by the next one (powermetrics restarted mid-write).
  const docs = read(M4PRO_GPU).toString('utf8').split('\0');
  const interrupted = docs[0]!.slice(0, 900) + docs[1]!;
  t.same(kinds(interrupted), ['truncated', 'sample']);
  // Framed like a document but bad inside, where the agent reads: malformed.
  t.same(kinds('<?xml version="1.0"?>\n<plist><dict><key>elapsed_ns</key><nope/></dict></plist>\n'), ['malformed']);
  // Under a key the agent never reads, the subtree is skipped unparsed (projection), so the
  // document is judged on what it lacks: no elapsed_ns.
  t.same(kinds('<?xml version="1.0"?>\n<plist><dict><key>x</key><nope/></dict></plist>\n'), ['missing_field']);
});

t.test('documents missing keys: a sample with what is known plus typed errors', async (t) => {
  const text = read(M2U).toString('utf8');
  // 1. no elapsed_ns: nothing usable
  const noElapsed = text.replace('<key>elapsed_ns</key><integer>1023721416</integer>\n', '');
  t.same(
    parsePowermetricsDocument(noElapsed).map((r) => r.type === 'error' ? r.kind : 'sample'),
    ['missing_field'],
  );
  // 2. processor without cpu_energy: no cpu or combined rail, the rest stays
  const noCpuEnergy = text.replace('<key>cpu_energy</key>\n<integer>855</integer>\n', '');
  const r2 = parsePowermetricsDocument(noCpuEnergy);
  t.same(r2.map((r) => (r.type === 'error' ? r.kind : 'sample')), ['sample', 'missing_field']);
  const s2 = r2[0] as PowermetricsSample;
  t.equal(s2.cpu, undefined);
  t.equal(s2.combined, undefined);
  t.equal(s2.gpu!.energyJ, 72.607);
  t.equal(s2.clusters.length, 6);
  // 3. a cluster without freq_hz is dropped with an error; its neighbours stay
  const noFreq = text.replace('<key>freq_hz</key><real>9.90818e+08</real>\n', '');
  const r3 = parsePowermetricsDocument(noFreq);
  // The Ultra model (Mac14,14) and a five-cluster layout disagree: a typed die-map error, one die.
  t.same(r3.map((r) => (r.type === 'error' ? r.kind : 'sample')), ['sample', 'missing_field', 'unknown_layout']);
  t.same((r3[0] as PowermetricsSample).clusters.map((c) => c.name), ['P0-Cluster', 'P1-Cluster', 'E1-Cluster', 'P2-Cluster', 'P3-Cluster']);
  t.equal((r3[0] as PowermetricsSample).dies, 1);
  t.match((r3[2] as ParseError).message, /^die map: model Mac14,14 is a two-die Ultra/);
  // 4. a value that is not finite
  const nan = text.replace('<key>idle_ratio</key><real>0.0412716</real>', '<key>idle_ratio</key><real>nan</real>');
  const r4 = parsePowermetricsDocument(nan);
  t.same(r4.map((r) => (r.type === 'error' ? r.kind : 'sample')), ['sample', 'invalid_value']);
  t.equal((r4[0] as PowermetricsSample).clusters[0]!.activeFrom, 'cpus', 'falls back to the CPUs');
  // 5. unknown thermal pressure string
  const hot = text.replace('<string>Nominal</string>', '<string>Critical</string>');
  const r5 = parsePowermetricsDocument(hot);
  t.same(r5.map((r) => (r.type === 'error' ? r.kind : 'sample')), ['sample', 'invalid_value']);
  t.same((r5[0] as PowermetricsSample).thermalPressure, { level: 'unknown', raw: 'Critical' });
  const heavy = parsePowermetricsDocument(text.replace('<string>Nominal</string>', '<string>Heavy</string>'));
  t.same((heavy[0] as PowermetricsSample).thermalPressure, { level: 'heavy', raw: 'Heavy' });
  t.equal(heavy.length, 1);
});

t.test('cluster names: unseen forms map, unmatched ones are reported', async (t) => {
  const text = read(M2U).toString('utf8');
  const x12 = parsePowermetricsDocument(text.replace('P3-Cluster', 'X12-Cluster'));
  t.equal(x12.length, 1, 'X12-Cluster matches the pattern: no error');
  const c = (x12[0] as PowermetricsSample).clusters[5]!;
  t.same([c.name, c.kind, c.index, c.die], ['X12-Cluster', 'X', 12, 1]);
  const odd = parsePowermetricsDocument(text.replace('P3-Cluster', 'Performance Cluster 3'));
  t.same(odd.map((r) => (r.type === 'error' ? r.kind : 'sample')), ['sample', 'unknown_layout']);
  const oc = (odd[0] as PowermetricsSample).clusters[5]!;
  t.same([oc.name, oc.kind, oc.index], ['Performance Cluster 3', 'P', 0]);
  t.equal((odd[0] as PowermetricsSample).cpus.filter((x) => x.cluster === 'Performance Cluster 3').length, 4);
  const bad = parsePowermetricsDocument(text.replace('P3-Cluster', '3-Cluster'));
  // The dropped cluster leaves an Ultra model with a five-cluster layout: a second, die-map error.
  t.same(bad.map((r) => (r.type === 'error' ? r.kind : 'sample')), ['sample', 'unknown_layout', 'unknown_layout']);
  t.equal((bad[0] as PowermetricsSample).dies, 1);
  t.equal((bad[0] as PowermetricsSample).clusters.length, 5);
  t.equal((bad[0] as PowermetricsSample).cpus.length, 20);

  t.same(classifyCluster('E-Cluster'), { kind: 'E', index: 0, known: true });
  t.same(classifyCluster('E0-Cluster'), { kind: 'E', index: 0, known: true });
  t.same(classifyCluster('P3-Cluster'), { kind: 'P', index: 3, known: true });
  t.same(classifyCluster('S-Cluster'), { kind: 'S', index: 0, known: true });
  t.same(classifyCluster('M0-Cluster'), { kind: 'M', index: 0, known: true });
  t.same(classifyCluster('X12-Cluster'), { kind: 'X', index: 12, known: true });
  t.same(classifyCluster('E2 cluster'), { kind: 'E', index: 2, known: false });
  t.equal(classifyCluster('e-cluster'), undefined);
  t.equal(classifyCluster(''), undefined);
});

t.test('die assignment does not depend on cluster order (M1 Ultra lists E0, E1 first)', async (t) => {
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => ({ cpu: a + i }));
  // M1 Ultra order as quoted in reference §1.5, with CPUs contiguous per die (2 E + 8 P per die).
  const m1u = [
    { kind: 'E', index: 0, cpus: range(0, 1) },
    { kind: 'E', index: 1, cpus: range(10, 11) },
    { kind: 'P', index: 0, cpus: range(2, 5) },
    { kind: 'P', index: 1, cpus: range(6, 9) },
    { kind: 'P', index: 2, cpus: range(12, 15) },
    { kind: 'P', index: 3, cpus: range(16, 19) },
  ];
  const d = assignDies(m1u);
  t.equal(d.dies, 2);
  t.same(d.clusterDie, [0, 1, 0, 0, 1, 1]);
  t.same([0, 9, 10, 19].map(d.cpuDie), [0, 0, 1, 1]);
  // No CPU lists: by name index.
  const noCpus = m1u.map((c) => ({ ...c, cpus: [] }));
  t.same(assignDies(noCpus).clusterDie, [0, 1, 0, 0, 1, 1]);
  // Single-die chips.
  t.equal(assignDies([{ kind: 'M', index: 0, cpus: range(0, 17) }]).dies, 1);
  t.same(thermalLevel(' moderate '), { level: 'moderate', known: true });
  t.same(thermalLevel('Light'), { level: 'unknown', known: false });
});

t.test('held bytes are bounded: an endless document is dropped and the stream resyncs', async (t) => {
  const good = read(M4PRO_GPU1);
  const p = createPowermetricsParser({ maxDocumentBytes: 16 * 1024 });
  const out: R[] = [];
  out.push(...p.push('<?xml version="1.0"?>\n<plist version="1.0">\n<dict>\n'));
  for (let i = 0; i < 100; i++) out.push(...p.push('<key>x</key><integer>1</integer>\n'.repeat(20)));
  out.push(...p.push('</dict>\n</plist>\n\0'));
  out.push(...p.push(good));
  out.push(...p.end());
  t.same(
    out.map((r) => (r.type === 'error' ? r.kind : 'sample')),
    ['malformed', 'sample'],
  );
  t.equal((out[1] as PowermetricsSample).gpuFreqHz, 338e6);
});
