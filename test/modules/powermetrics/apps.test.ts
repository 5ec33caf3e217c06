/**
 * Per-app usage from the tasks sampler (issue 15): values read from the two real captures, `other`
 * = total − top N in every sample, top-N membership over the 29-sample stream, hysteresis.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppTracker, ABSENT_LIMIT } from '../../../src/modules/powermetrics/apps.ts';
import { createPowermetricsParser } from '../../../src/modules/powermetrics/parser.ts';
import { parsePowermetricsDocument } from '../../../src/modules/powermetrics/document.ts';
import type { AppSeries, AppUsage, PowermetricsSample } from '../../../src/modules/powermetrics/sample.ts';
import { PowermetricsSample as Schema } from '../../../src/modules/powermetrics/sample.ts';
import { parseAll } from '../../../src/parsers/parser.ts';
import { parsePlist } from '../../../src/parsers/plist.ts';
import type { PlistDict } from '../../../src/parsers/plist-model.ts';
import type { AppWindow } from '../../../src/modules/powermetrics/tasks.ts';

const DIR = fileURLToPath(new URL('../../../fixtures/powermetrics/', import.meta.url));
const M1PRO = 'm1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist';
const M4MAX = 'm4-max-mac16-5-macos26-plist-tasks-disk-single.plist';
const samplesOf = (f: string, top?: number) =>
  parseAll(createPowermetricsParser(top === undefined ? {} : { topApps: top }), readFileSync(DIR + f)).filter(
    (r): r is PowermetricsSample => r.type === 'powermetrics',
  );
const app = (s: PowermetricsSample, name: string): AppSeries => {
  const x = s.apps!.series.find((a) => a.name === name && !a.other);
  if (!x) throw new Error(`${name} is not a top-N member here`);
  return x;
};
const other = (s: PowermetricsSample) => s.apps!.series.find((a) => a.other)!;
/** Equal up to float summation order (sums of up to 34 values). */
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/** Independent reading: every coalition of every document, from a full (unprojected) plist parse. */
function coalitionsOf(f: string): Array<Array<PlistDict>> {
  const docs = readFileSync(DIR + f, 'latin1').split('\0').filter((d) => d.includes('</plist>'));
  return docs.map((d) => {
    const r = parsePlist(Buffer.from(d, 'latin1').toString('utf8'));
    if (!r.ok) throw new Error(r.message);
    return (r.value as PlistDict).coalitions as PlistDict[];
  });
}

t.test('M1 Pro stream (coalitions): chosen apps in chosen samples, as printed in the capture', async (t) => {
  const s = samplesOf(M1PRO);
  t.equal(s.length, 29);
  for (const x of s) if (!Schema.safeParse(x).success) t.fail('sample fails the schema');
  t.same([s[0]!.apps!.by, s[0]!.apps!.ranking, s[0]!.apps!.count], ['coalition', 'energy_impact', 20]);
  // Sample 0: com.docker.docker cputime_ns 132502999, energy_impact 228.407, no disk I/O.
  const docker = app(s[0]!, 'com.docker.docker').window;
  t.same([docker.cpuTimeS, docker.energyImpact, docker.diskReadBytes, docker.diskWriteBytes], [0.132502999, 228.407, 0, 0]);
  t.equal(docker.gpuTimeS, 0, 'no gputime_ns on this coalition while others print it: 0');
  // Sample 2: com.sublimetext.4 cputime_ns 56462125, gputime_ns 39641909, energy_impact 25.4546;
  // com.apple.WindowServer cputime_ns 35624458, gputime_ns 8062037, energy_impact 30.6461.
  const subl = app(s[2]!, 'com.sublimetext.4').window;
  t.same([subl.cpuTimeS, subl.gpuTimeS, subl.energyImpact], [0.056462125, 0.039641909, 25.4546]);
  const ws = app(s[2]!, 'com.apple.WindowServer').window;
  t.same([ws.cpuTimeS, ws.gpuTimeS, ws.energyImpact], [0.035624458, 0.008062037, 30.6461]);
  // CPU ms/s as printed: cputime_ms_per_s 988.97 for docker in sample 0 over its interval (133.977 ms).
  // Sample 5: network bytes are on the coalitions' tasks: kernel_task 800 in / 512 out
  // (kernel_coalition), go-nfsv4-1.0.44 512 in / 800 out (org.cryptomator).
  const k = app(s[5]!, 'kernel_coalition').window;
  t.same([k.netRxBytes, k.netTxBytes, k.cpuTimeS, k.energyImpact], [800, 512, 0.01757275, 1.43994]);
  const crypt = app(s[5]!, 'org.cryptomator').window;
  t.same([crypt.netRxBytes, crypt.netTxBytes], [512, 800]);
  // Sample 21: disk writes: com.brave.Browser 122880 bytes, kernel_coalition 638976 bytes.
  t.equal(app(s[21]!, 'com.brave.Browser').window.diskWriteBytes, 122880);
  t.equal(app(s[21]!, 'kernel_coalition').window.diskWriteBytes, 638976);
  t.equal(app(s[21]!, 'com.apple.WindowServer').window.gpuTimeS, 0.006782038);
});

t.test('M1 Pro stream: `other` = total − top N in each sample, and the total is every coalition summed', async (t) => {
  const s = samplesOf(M1PRO);
  const docs = coalitionsOf(M1PRO);
  t.equal(docs.length, 29);
  const fields: Array<[keyof AppUsage, (c: PlistDict) => number]> = [
    ['cpuTimeS', (c) => Number(c.cputime_ns) / 1e9],
    ['gpuTimeS', (c) => Number(c.gputime_ns ?? 0) / 1e9],
    ['energyImpact', (c) => Number(c.energy_impact)],
    ['diskReadBytes', (c) => Number(c.diskio_bytesread)],
    ['diskWriteBytes', (c) => Number(c.diskio_byteswritten)],
    ['netRxBytes', (c) => ((c.tasks as PlistDict[]) ?? []).reduce((a, x) => a + Number(x.bytes_received), 0)],
  ];
  let bad = 0;
  for (let i = 0; i < 29; i++) {
    const a = s[i]!.apps!;
    const members = a.series.filter((x) => !x.other);
    t.ok(members.length <= 10, `sample ${i}: at most 10 members`);
    for (const [f, get] of fields) {
      const total = docs[i]!.reduce((acc, c) => acc + get(c), 0);
      const top = members.reduce((acc, x) => acc + (x.window[f] ?? 0), 0);
      // A figure no coalition of the window prints (gputime_ns in sample 16) is absent: read as 0.
      if (!close(a.windowTotal[f] ?? 0, total)) bad++;
      if (!close(other(s[i]!).window[f] ?? 0, total - top)) bad++;
      // Each member's window is its coalitions' own figures (a name can appear twice: Spotlight in samples 5, 6).
      for (const m of members) {
        const own = docs[i]!.filter((x) => x.name === m.name).reduce((acc, c) => acc + get(c), 0);
        if (!close(m.window[f] ?? 0, own)) bad++;
      }
    }
  }
  t.equal(bad, 0, 'every sample: totals, other and members match the independent reading');
  // Running totals: docker is a member from the first sample on, so its counter is its cputime_ns summed.
  const dockerCpu = docs.reduce((acc, d) => acc + Number(d.find((c) => c.name === 'com.docker.docker')!.cputime_ns) / 1e9, 0);
  t.ok(close(app(s[28]!, 'com.docker.docker').total.cpuTimeS, dockerCpu));
  const otherCpu = s.reduce((acc, x) => acc + other(x).window.cpuTimeS, 0);
  t.ok(close(other(s[28]!).total.cpuTimeS, otherCpu), 'other accumulates its windows');
});

t.test('top-N membership over the 29 samples: changes reported, hysteresis bounds them', async (t) => {
  const docs = coalitionsOf(M1PRO);
  // Independent plain top 10 by energy impact, recomputed each window, for comparison.
  let naive = 0;
  let prev: Set<string> | undefined;
  for (const d of docs) {
    const set = new Set([...d].sort((a, b) => Number(b.energy_impact) - Number(a.energy_impact)).slice(0, 10).map((c) => String(c.name)));
    if (prev) for (const n of new Set([...prev, ...set])) if (prev.has(n) !== set.has(n)) naive++;
    prev = set;
  }
  const s = samplesOf(M1PRO);
  const changes = s[28]!.apps!.membershipChanges;
  t.comment(`membership changes over 29 samples, top 10: ${changes} with hysteresis, ${naive} for a plain per-window top 10`);
  t.ok(changes < naive, 'fewer changes than a plain top 10');
  // The heaviest apps never leave: docker, iTerm2, WindowServer are members in every sample.
  for (const name of ['com.docker.docker', 'com.googlecode.iterm2', 'com.apple.WindowServer'])
    t.ok(s.every((x) => x.apps!.series.some((a) => a.name === name && !a.other)), `${name} always a member`);
});

/** A synthetic window (labelled: built here, not from a capture). */
function win(apps: Record<string, number>): AppWindow {
  const rows = new Map<string, AppUsage>();
  for (const [n, e] of Object.entries(apps)) rows.set(n, { cpuTimeS: e / 100, diskReadBytes: 0, diskWriteBytes: 0, energyImpact: e });
  return { by: 'coalition', rows, bad: 0 };
}

t.test('synthetic: an app on the edge does not flap; a plain top N flaps at every sample', async (t) => {
  // Two apps trade places at the edge of a top 2 each window (10 vs 9); a plain top N swaps every time.
  const plain = new AppTracker({ top: 2, hysteresis: 1, smoothing: 1 });
  const held = new AppTracker({ top: 2 });
  for (let i = 0; i < 100; i++) {
    const w = i % 2 === 0 ? { big: 100, edgeA: 10, edgeB: 9 } : { big: 100, edgeA: 9, edgeB: 10 };
    plain.apply(win(w));
    held.apply(win(w));
  }
  const p = plain.apply(win({ big: 100, edgeA: 9, edgeB: 10 })).membershipChanges;
  const h = held.apply(win({ big: 100, edgeA: 9, edgeB: 10 })).membershipChanges;
  // Windows 1..99 each swap the edge pair (the first window fills, the last repeats window 99).
  t.equal(p, 198, 'plain: one leave and one enter per window');
  t.equal(h, 0, 'with hysteresis: no change at all');
  // A clearly better newcomer still gets in: 30 vs the weakest member's ~9.5 (> 1.5×).
  const r = held.apply(win({ big: 100, edgeA: 9, edgeB: 10, newcomer: 60 }));
  t.same(r.series.filter((x) => !x.other).map((x) => x.name).sort(), ['big', 'newcomer']);
});

t.test(`synthetic: a member absent for ${ABSENT_LIMIT} windows is no longer exported`, async (t) => {
  const tr = new AppTracker({ top: 3 });
  tr.apply(win({ a: 10, b: 5, gone: 8 }));
  const names = (w: AppWindow) => tr.apply(w).series.filter((x) => !x.other).map((x) => `${x.name}:${x.absent}`);
  t.same(names(win({ a: 10, b: 5 })), ['a:0', 'b:0', 'gone:1'], 'absent once: still exported, zero window');
  t.same(names(win({ a: 10, b: 5 })), ['a:0', 'b:0', 'gone:2']);
  t.same(names(win({ a: 10, b: 5 })), ['a:0', 'b:0'], 'absent 3 windows: gone');
  // Many apps: members bounded by top, the rest summed; memory bounded too (MAX_TRACKED).
  const big: Record<string, number> = {};
  for (let i = 0; i < 5000; i++) big[`app${i}`] = (i % 97) + 1;
  const r = tr.apply(win(big));
  t.equal(r.series.length, 4, '3 members + other');
  t.equal(r.count, 5000);
  const sum = r.series.reduce((a, x) => a + x.window.energyImpact!, 0);
  t.equal(sum, r.windowTotal.energyImpact, 'series add up to the total');
});

t.test('M4 Max macOS 26 (tasks, no coalitions): apps are process names, summed over pids', async (t) => {
  const [s] = samplesOf(M4MAX);
  const a = s!.apps!;
  t.same([a.by, a.ranking, a.count], ['process', 'cpu_time', 98], '105 tasks, 98 distinct names');
  // 2.1.15 (pid 55249): cputime_ns 645636291, diskio_byteswritten 16384.
  const cc = app(s!, '2.1.15').window;
  t.same([cc.cpuTimeS, cc.diskReadBytes, cc.diskWriteBytes], [0.645636291, 0, 16384]);
  t.equal(cc.gpuTimeS, undefined, 'no GPU time printed without --show-process-gpu');
  t.equal(cc.energyImpact, undefined);
  // Wispr Flow: pids 991 (34516166 ns) and 868 (6310458 ns, 16384 bytes written).
  const wf = app(s!, 'Wispr Flow').window;
  t.same([wf.cpuTimeS, wf.diskWriteBytes], [(34516166 + 6310458) / 1e9, 16384]);
  // Wispr Flow Helper (Renderer): pids 994 (56709000) and 997 (33836416).
  t.equal(app(s!, 'Wispr Flow Helper (Renderer)').window.cpuTimeS, (56709000 + 33836416) / 1e9);
  // The only disk reads are BDLDaemon's 36864 bytes (ALL_TASKS: 36864), outside the top 10: in `other`.
  t.equal(other(s!).window.diskReadBytes, 36864);
  t.equal(a.windowTotal.diskWriteBytes, 32768, 'ALL_TASKS diskio_byteswritten 32768');
  t.equal(other(s!).window.diskWriteBytes, 0);
  // The attribute for process-name apps is semconv's process.executable.name as well.
  t.equal(a.series.length, 11);
});

t.test('hostile tasks input: typed errors, bounded names, never a throw', async (t) => {
  const text = readFileSync(DIR + M4MAX, 'utf8');
  const longName = 'x'.repeat(5000);
  const bad = text
    .replace('<key>name</key><string>2.1.15</string>', `<key>name</key><string>${longName}</string>`)
    .replace('<key>cputime_ns</key><integer>645636291</integer>', '<key>cputime_ns</key><integer>-5</integer>')
    .replace('<key>name</key><string>WindowServer</string>', '<key>name</key><integer>7</integer>');
  const rs = parsePowermetricsDocument(bad);
  t.same(rs.map((r) => (r.type === 'error' ? r.kind : 'sample')), ['sample', 'malformed', 'invalid_value']);
  const s = rs[0] as PowermetricsSample;
  t.ok(s.apps!.series.every((x) => x.name.length <= 128), 'names cut to 128 characters');
  t.ok(Schema.safeParse(s).success);
});
