/**
 * Fidelity fixes of issue 15: the GPU rail from gpu.gpu_energy when there is no processor dict, and
 * a die map that does not depend on cluster letters (renamed-cluster variants of the real M2 Ultra
 * capture, generated here from its text).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePowermetricsDocument } from '../../../src/modules/powermetrics/document.ts';
import { createPowermetricsParser } from '../../../src/modules/powermetrics/parser.ts';
import type { PowermetricsSample } from '../../../src/modules/powermetrics/sample.ts';
import { assignDies } from '../../../src/modules/powermetrics/topology.ts';
import { parseAll } from '../../../src/parsers/parser.ts';
import type { ParseError } from '../../../src/samples.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIR = ROOT + 'fixtures/powermetrics/';
const M2U = 'm2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist';
const GPU1 = 'm4-pro-mac16-8-macos15-plist-gpu_power-single.plist';
const GPU5 = 'm4-pro-mac16-8-macos15-plist-gpu_power-stream-5samples-nul.plist';
const kinds = (rs: Array<PowermetricsSample | ParseError>) => rs.map((r) => (r.type === 'error' ? r.kind : 'sample'));

function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ROOT + 'bin/silicon-agent.js', ...args], { cwd: ROOT, maxBuffer: 64 << 20 }, (err, stdout) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout }),
    );
  });
}

t.test('gpu_power sampler alone: `parse powermetrics` gives GPU power = gpu.gpu_energy ÷ elapsed', async (t) => {
  // Values read from the capture text (mJ, ns).
  const expect: Record<string, Array<[energyMj: number, elapsedNs: number]>> = {
    [GPU1]: [[9, 5005449083]],
    [GPU5]: [
      [19, 5004758375],
      [107, 5014447083],
      [788, 5010073541],
      [146, 5014230916],
      [126, 5009178500],
    ],
  };
  for (const [f, rows] of Object.entries(expect)) {
    const r = await cli(['parse', 'powermetrics', `fixtures/powermetrics/${f}`, '--json']);
    t.equal(r.code, 0, `${f}: exit 0`);
    const out = JSON.parse(r.stdout) as PowermetricsSample[];
    t.same(out.map((s) => s.type), rows.map(() => 'powermetrics'));
    out.forEach((s, i) => {
      const [mj, ns] = rows[i]!;
      t.equal(s.gpu!.energyJ, mj / 1000, `${f}[${i}] energy`);
      t.equal(s.gpu!.powerW, mj / 1000 / (ns / 1e9), `${f}[${i}] power`);
      t.equal(s.gpu!.reportedPowerW, undefined, 'no gpu_power printed next to gpu.gpu_energy');
      t.equal(s.cpu, undefined);
    });
  }
});

t.test('both processor and gpu dicts: processor.gpu_energy is kept (M2 Ultra: 72607, not 73491)', async (t) => {
  const s = parsePowermetricsDocument(readFileSync(DIR + M2U, 'utf8'))[0] as PowermetricsSample;
  t.equal(s.gpu!.energyJ, 72.607);
  // gpu.gpu_energy is ignored even when the processor dict lacks gpu_energy (its error says so).
  const text = readFileSync(DIR + M2U, 'utf8').replace(/<key>gpu_energy<\/key>\s*<integer>72607<\/integer>/, '');
  const rs = parsePowermetricsDocument(text);
  t.same(kinds(rs), ['sample', 'missing_field']);
  t.equal((rs[0] as PowermetricsSample).gpu, undefined);
  // Hostile gpu.gpu_energy without a processor dict: typed error, no rail.
  const g = readFileSync(DIR + GPU1, 'utf8');
  const neg = parsePowermetricsDocument(g.replace('<key>gpu_energy</key><integer>9</integer>', '<key>gpu_energy</key><integer>-9</integer>'));
  t.same(kinds(neg), ['sample', 'invalid_value']);
  t.equal((neg[0] as PowermetricsSample).gpu, undefined);
  const str = parsePowermetricsDocument(g.replace('<key>gpu_energy</key><integer>9</integer>', '<key>gpu_energy</key><string>9</string>'));
  t.same(kinds(str), ['sample', 'invalid_value']);
});

// --- Die map -------------------------------------------------------------------------------------

const M2U_TEXT = readFileSync(DIR + M2U, 'utf8');
const original = parsePowermetricsDocument(M2U_TEXT)[0] as PowermetricsSample;
const dieOf = (s: PowermetricsSample) => new Map(s.cpus.map((c) => [c.cpu, c.die]));

/** Rename clusters in the text: each `<string>X-Cluster</string>` name by the map. */
function rename(text: string, names: Record<string, string>): string {
  return text.replace(/<string>([A-Z]\d*-Cluster)<\/string>/g, (m, n: string) => (names[n] ? `<string>${names[n]}</string>` : m));
}

/** The six cluster dicts of the processor's cluster array, in text order, and the text around them. */
function clusterBlocks(text: string): { before: string; blocks: string[]; after: string } {
  const starts = [...text.matchAll(/<dict>\s*<key>name<\/key>\s*<string>[A-Z]\d*-Cluster<\/string>/g)].map((m) => m.index);
  // The clusters array closes just before processor's `cpu_energy` key: `</dict>\n</array>\n<key>cpu_energy`.
  const close = text.lastIndexOf('</array>', text.indexOf('<key>cpu_energy</key>'));
  const blocks = starts.map((s, i) => text.slice(s, i + 1 < starts.length ? starts[i + 1] : close));
  return { before: text.slice(0, starts[0]), blocks, after: text.slice(close) };
}

t.test('the real M2 Ultra capture: dies as before (E0,P0,P1 → 0; E1,P2,P3 → 1)', async (t) => {
  t.equal(original.dies, 2);
  t.same(original.clusters.map((c) => c.die), [0, 0, 0, 1, 1, 1]);
  t.same([...dieOf(original)].filter(([, d]) => d === 0).map(([c]) => c), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
});

t.test('renamed-cluster variants of the real M2 Ultra capture keep every CPU on its die', async (t) => {
  const want = dieOf(original);
  const { before, blocks, after } = clusterBlocks(M2U_TEXT);
  t.equal(blocks.length, 6, 'six cluster dicts found in the capture text');
  t.equal(before + blocks.join('') + after, M2U_TEXT, 'the split is lossless');
  const variants: Record<string, string> = {
    'E→M': rename(M2U_TEXT, { 'E0-Cluster': 'M0-Cluster', 'E1-Cluster': 'M1-Cluster' }),
    'P→S': rename(M2U_TEXT, { 'P0-Cluster': 'S0-Cluster', 'P1-Cluster': 'S1-Cluster', 'P2-Cluster': 'S2-Cluster', 'P3-Cluster': 'S3-Cluster' }),
    'E→M and P→S': rename(M2U_TEXT, {
      'E0-Cluster': 'M0-Cluster', 'E1-Cluster': 'M1-Cluster',
      'P0-Cluster': 'S0-Cluster', 'P1-Cluster': 'S1-Cluster', 'P2-Cluster': 'S2-Cluster', 'P3-Cluster': 'S3-Cluster',
    }),
    'unknown letters (E→Q, P→Z)': rename(M2U_TEXT, {
      'E0-Cluster': 'Q0-Cluster', 'E1-Cluster': 'Q1-Cluster',
      'P0-Cluster': 'Z0-Cluster', 'P1-Cluster': 'Z1-Cluster', 'P2-Cluster': 'Z2-Cluster', 'P3-Cluster': 'Z3-Cluster',
    }),
    'letters swapped (E↔P)': rename(M2U_TEXT, {
      'E0-Cluster': 'P0-Cluster', 'E1-Cluster': 'P1-Cluster',
      'P0-Cluster': 'E0-Cluster', 'P1-Cluster': 'E1-Cluster', 'P2-Cluster': 'E2-Cluster', 'P3-Cluster': 'E3-Cluster',
    }),
    'no index digits (E-Cluster ×2, S-Cluster ×4)': rename(M2U_TEXT, {
      'E0-Cluster': 'E-Cluster', 'E1-Cluster': 'E-Cluster',
      'P0-Cluster': 'S-Cluster', 'P1-Cluster': 'S-Cluster', 'P2-Cluster': 'S-Cluster', 'P3-Cluster': 'S-Cluster',
    }),
    'reordered (M1 Ultra order E0,E1,P0..P3)': before + [0, 3, 1, 2, 4, 5].map((i) => blocks[i]).join('') + after,
    'reordered (die 1 first, reversed)': before + [...blocks].reverse().join('') + after,
    'reordered and renamed': rename(before + [4, 0, 3, 5, 1, 2].map((i) => blocks[i]).join('') + after, {
      'E0-Cluster': 'M0-Cluster', 'E1-Cluster': 'M1-Cluster', 'P0-Cluster': 'S0-Cluster', 'P1-Cluster': 'S1-Cluster',
      'P2-Cluster': 'S2-Cluster', 'P3-Cluster': 'S3-Cluster',
    }),
    'one die renamed only (P3→X12)': rename(M2U_TEXT, { 'P3-Cluster': 'X12-Cluster' }),
    'no hw_model (layout alone)': M2U_TEXT.replace('<key>hw_model</key><string>Mac14,14</string>', ''),
  };
  for (const [name, text] of Object.entries(variants)) {
    const rs = parsePowermetricsDocument(text);
    t.same(kinds(rs), ['sample'], `${name}: no error`);
    const s = rs[0] as PowermetricsSample;
    t.equal(s.dies, 2, `${name}: two dies`);
    t.equal(s.cpus.length, 24, `${name}: 24 CPUs`);
    t.same(new Map([...dieOf(s)].sort((a, b) => a[0] - b[0])), want, `${name}: every CPU on its original die`);
    for (const c of s.clusters) t.equal(c.die, want.get(c.cpus[0]!), `${name}: ${c.name} on the die of its CPUs`);
  }
});

t.test('evidence that disagrees gives a typed die-map error, not a guess', async (t) => {
  // Ultra model, but the CPU numbering is not die 0 first: CPU 4 (in P0) renumbered 40, so P0
  // (40, 5, 6, 7) straddles the midpoint of the sorted CPU numbers.
  const needle = '<key>cpu</key><integer>4</integer>';
  t.equal(M2U_TEXT.split(needle).length, 2, 'CPU 4 appears once');
  const lopsided = M2U_TEXT.replace(needle, '<key>cpu</key><integer>40</integer>');
  const rs = parsePowermetricsDocument(lopsided);
  t.same(kinds(rs), ['sample', 'unknown_layout']);
  t.match((rs[1] as ParseError).message, /cluster 1 \(P0\) straddles the CPU-number midpoint 13/);
  t.match((rs[1] as ParseError).message, /^die map: model Mac14,14 is a two-die Ultra but the CPU layout is not two equal dies/);
  t.equal((rs[0] as PowermetricsSample).dies, 1);
  // The same layout on an unlisted model is one die, no error (nothing disagrees).
  const other = parsePowermetricsDocument(lopsided.replace('Mac14,14', 'Mac99,1'));
  t.same(kinds(other), ['sample']);
  t.equal((other[0] as PowermetricsSample).dies, 1);
  // Single-die captures are unchanged: M4 Max (Mac16,5), M1 (E-Cluster 0–3 / P-Cluster 4–7 pair up by size).
  for (const f of ['m4-max-mac16-5-macos26-plist-tasks-disk-single.plist', 'm1-macbookpro17-1-macos13-plist-single-2s-reindented.plist']) {
    const s = parseAll(createPowermetricsParser(), readFileSync(DIR + f))[0] as PowermetricsSample;
    t.equal(s.dies, 1, f);
  }
});

t.test('assignDies: model witness, tier ranks without CPU lists, conflicts', async (t) => {
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => ({ cpu: a + i }));
  // A known Ultra with an odd tier and no CPU lists: conflict.
  const odd = [
    { kind: 'M', index: 0, cpus: [] },
    { kind: 'S', index: 0, cpus: [] },
    { kind: 'S', index: 1, cpus: [] },
  ];
  t.match(assignDies(odd, 'Mac15,14').conflict, /tier M has 1 clusters/);
  t.equal(assignDies(odd).conflict, undefined);
  t.equal(assignDies(odd).dies, 1);
  // Two clusters of one tier only, numbered 0–5 and 6–11: one die unless the model says Ultra.
  const twoP = [
    { kind: 'P', index: 0, cpus: range(0, 5) },
    { kind: 'P', index: 1, cpus: range(6, 11) },
  ];
  t.equal(assignDies(twoP).dies, 2, 'equal halves and a balanced tier are two dies by layout');
  // Partial CPU lists: tier ranks, and CPUs take their cluster's die.
  const partial = [
    { kind: 'E', index: 0, cpus: range(0, 3) },
    { kind: 'E', index: 1, cpus: [] },
    { kind: 'P', index: 0, cpus: range(4, 7) },
    { kind: 'P', index: 1, cpus: range(16, 19) },
  ];
  const p = assignDies(partial, 'Mac14,14');
  t.same([p.dies, p.clusterDie, p.cpuDie(17), p.cpuDie(5)], [2, [0, 1, 0, 1], 1, 0]);
  t.same(assignDies([]).dies, 1);
});
