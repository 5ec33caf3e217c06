import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../src/config.ts';
import { memoryLogger } from '../../src/log.ts';
import type { BaseSourceConfig } from '../../src/modules/module.ts';
import type { IostatSample } from '../../src/modules/iostat/sample.ts';
import { rowUnits } from '../../src/modules/iostat/replay-units.ts';
import type { PowermetricsSample } from '../../src/modules/powermetrics/sample.ts';
import { plistUnits } from '../../src/modules/powermetrics/replay-units.ts';
import type { SmcSample } from '../../src/modules/smc/sample.ts';
import { parseSysctl, sysctlAsAsked } from '../../src/modules/sysctl/parser.ts';
import type { SysctlSample } from '../../src/modules/sysctl/sample.ts';
import { SYSCTL_NAMES } from '../../src/modules/sysctl/source.ts';
import type { VmStatSample } from '../../src/modules/vm_stat/sample.ts';
import { createSources, MODULES, replaySourcesIn, SOURCE_NAMES } from '../../src/registry.ts';
import type { BaseSample as Sample } from '../../src/samples.ts';
import { defaultReplayDir, readManifest } from '../../src/sources/replay.ts';
import { takeSnapshot } from '../../src/sources/snapshot.ts';
import type { Source } from '../../src/sources/source.ts';
import { waitFor } from '../helpers/wait.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const REPLAY = join(ROOT, 'fixtures/replay');

/** Every source on at `ms`, or only `only`. */
function sourcesConfig(ms: number, only?: readonly string[]): Record<string, BaseSourceConfig> {
  const out: Record<string, BaseSourceConfig> = {};
  for (const [name, c] of Object.entries(defaultConfig().sources) as [string, BaseSourceConfig][])
    out[name] = { ...c, intervalMs: ms, enabled: only === undefined || only.includes(name) };
  return out;
}

/** Replay sources for a bundled folder: every source on (or `only`), 1 s intervals, a memory logger. */
const bundled = (folder: string, o: { speed?: number; loop?: boolean; only?: readonly string[] } = {}) => {
  const dir = join(REPLAY, folder);
  return createSources({
    sources: sourcesConfig(1000, o.only),
    replay: { dir, manifest: readManifest(dir), speed: o.speed ?? 1, loop: o.loop ?? false },
    logger: memoryLogger(),
  });
};

interface Collected {
  got: Partial<Record<string, Sample[]>>;
  errors: unknown[];
  states: Array<[string, string]>;
}

/** Run sources until `done(collected)` holds (polled, with a generous ceiling), then stop them. */
async function collect(sources: Source[], done: (c: Collected) => boolean): Promise<Collected> {
  const c: Collected = { got: {}, errors: [], states: [] };
  for (const s of sources)
    s.start({
      result: (r) => (r.type === 'error' ? c.errors.push(r) : (c.got[s.name] ??= []).push(r)),
      status: (st) => c.states.push([s.name, st.state]),
    });
  try {
    await waitFor(() => done(c), { what: 'the replay to deliver what the test waits for' });
  } finally {
    await Promise.all(sources.map((s) => s.stop()));
  }
  return c;
}
const n = (c: Collected, name: string) => c.got[name]?.length ?? 0;

t.test('defaultReplayDir is the bundled m2-ultra folder', async (t) => {
  t.equal(defaultReplayDir(), join(REPLAY, 'm2-ultra'));
  // gpu and disks: no real capture from these machines; host: no real capture exists (docs/replay.md).
  t.same(replaySourcesIn(defaultReplayDir()), SOURCE_NAMES.filter((s) => s !== 'gpu' && s !== 'disks' && s !== 'host'));
});

t.test('manifests say composite and name each file origin', async (t) => {
  for (const name of ['m2-ultra', 'm1-pro']) {
    const m = readManifest(join(REPLAY, name));
    t.equal(m.composite, true, name);
    for (const src of replaySourcesIn(join(REPLAY, name))) t.match(m.sources[src]?.origin, /^fixtures\//, `${name} ${src} origin`);
  }
  t.equal(readManifest(join(REPLAY, 'm2-ultra')).model, 'Mac14,14');
});

t.test('replay files are byte copies of the fixtures they name', async (t) => {
  for (const name of ['m2-ultra', 'm1-pro']) {
    const m = readManifest(join(REPLAY, name));
    for (const src of replaySourcesIn(join(REPLAY, name))) {
      const origins = m.sources[src]!.origin!.split(' + ');
      const joined = Buffer.concat(origins.map((o) => readFileSync(join(ROOT, o))));
      const file = MODULES.find((m) => m.name === src)!.replay.file;
      t.ok(readFileSync(join(REPLAY, name, file)).equals(joined), `${name}/${file}`);
    }
  }
});

t.test('timing units: 29 documents in the M1 Pro stream, one iostat row each', async (t) => {
  const units = plistUnits(readFileSync(join(REPLAY, 'm1-pro/powermetrics.plist')));
  t.equal(units.length, 29);
  t.equal(units[1]![0], 0, 'the NUL travels with the document after it');
  const rows = rowUnits(readFileSync(join(REPLAY, 'm2-ultra/iostat.txt')));
  t.equal(rows.length, 5);
  t.match(rows[0]!.toString(), /disk0\s+disk4[\s\S]*KB\/t[\s\S]*13\.74/);
  t.equal(rows[1]!.toString(), '    4.00    2  0.01     0.00    0  0.00 \n');
});

t.test('sysctl replay: only what `sysctl <SYSCTL_NAMES>` prints, from the `sysctl hw` capture', async (t) => {
  const capture = readFileSync(join(REPLAY, 'm2-ultra/sysctl.txt'));
  const lines = capture.toString('latin1').split('\n');
  t.equal(lines.filter((l) => l.includes(':')).length, 103, 'the capture: sysctl hw (102 lines) + vm.swapusage');
  const asked = sysctlAsAsked(capture, SYSCTL_NAMES).toString('latin1');
  const kept = asked.split('\n').filter((l) => l !== '');
  // hw.memsize, hw.nperflevels, vm.swapusage and the leaves of the two perflevel nodes; hw.model and
  // the kern.* names are not in this capture (manifest note).
  t.equal(kept.length, 21);
  t.ok(kept.includes('hw.memsize: 137438953472'));
  t.ok(kept.includes('hw.perflevel0.name: Performance'));
  t.ok(kept.includes('hw.perflevel1.l2cachesize: 4194304'));
  t.match(kept.at(-1), /^vm\.swapusage: total = 4096\.00M/);
  t.notOk(kept.some((l) => l.startsWith('hw.ncpu:') || l.startsWith('hw.cachelinesize:')), 'names not asked for are left out');
  t.ok(kept.every((l) => lines.includes(l)), 'kept lines are byte copies');
  // Same sample either way: the parser reads nothing else.
  const full = parseSysctl(capture.toString('utf8'));
  const cut = parseSysctl(asked);
  const sample = (r: typeof full) => r.find((x) => x.type === 'sysctl');
  const a = sample(full);
  const b = sample(cut);
  if (a?.type !== 'sysctl' || b?.type !== 'sysctl') throw new Error('no sysctl sample');
  t.same({ ...b, values: undefined }, { ...a, values: undefined });
  t.equal(Object.keys(b.values).length, 21);
  // Junk and prompt lines are not names: they are kept, so a capture's bad lines still reach the parser.
  const junk = Buffer.from('% sysctl hw\nhw.ncpu: 16\nnot a pair\nhw.perflevel0.name: Performance\r\nhw.perflevel01: x\n');
  t.equal(sysctlAsAsked(junk, SYSCTL_NAMES).toString(), '% sysctl hw\nnot a pair\nhw.perflevel0.name: Performance\r\n');
});

t.test('m2-ultra replay: every source yields real values', async (t) => {
  const sources = bundled('m2-ultra', { speed: 20 });
  t.same(sources.map((s) => s.name).sort(), replaySourcesIn(join(REPLAY, 'm2-ultra')).sort());
  const { got, errors } = await collect(sources, (c) => n(c, 'powermetrics') >= 1 && n(c, 'iostat') >= 5 && n(c, 'vm_stat') >= 2 && n(c, 'sysctl') >= 1 && n(c, 'smc') >= 1);
  t.same(errors, [], 'no parse errors');
  const pm = got.powermetrics?.[0] as PowermetricsSample | undefined;
  if (pm?.type !== 'powermetrics') throw new Error('no powermetrics sample');
  t.equal(pm.hwModel, 'Mac14,14');
  t.equal(pm.dies, 2);
  t.same(pm.clusters.map((c) => c.name), ['E0-Cluster', 'P0-Cluster', 'P1-Cluster', 'E1-Cluster', 'P2-Cluster', 'P3-Cluster']);
  // plist: cpu_energy 855 mJ over elapsed_ns 1023721416; cpu_power 835.188 mW; gpu_power 70924.6 mW
  t.equal(pm.cpu?.reportedPowerW, 0.835188);
  t.ok(Math.abs(pm.cpu!.powerW - 0.855 / 1.023721416) < 1e-9);
  t.ok(Math.abs(pm.gpu!.reportedPowerW! - 70.9246) < 1e-9, "gpu_power 70924.6 mW");
  t.equal(pm.thermalPressure?.raw, 'Nominal');

  const io = got.iostat! as IostatSample[];
  t.equal(io.length, 5, 'five rows (iostat -d -w 2 -c 5)');
  const [first, second] = io;
  if (first?.type !== 'iostat' || second?.type !== 'iostat') throw new Error('no iostat');
  t.equal(first.sinceBoot, true);
  t.same(second.disks.map((d) => d.device), ['disk0', 'disk4']);
  t.equal(second.intervalS, 2, 'intervalS from the manifest (-w 2)');
  t.equal(second.disks[0]!.transfersPerS, 2);
  t.equal(second.disks[0]!.bytesPerS, 0.01 * 1048576);

  const vm = got.vm_stat?.[0] as VmStatSample | undefined;
  if (vm?.type !== 'vm_stat') throw new Error('no vm_stat');
  t.equal(vm.pageSizeBytes, 16384);
  t.equal(vm.bytes.free, 39656 * 16384);
  t.ok(got.vm_stat!.length > 1, 'one-shot output replayed at each poll');

  const sc = got.sysctl?.[0] as SysctlSample | undefined;
  if (sc?.type !== 'sysctl') throw new Error('no sysctl');
  t.equal(sc.memsizeBytes, 137438953472);
  t.same(sc.swap, { totalBytes: 4096 * 1048576, usedBytes: 2694.19 * 1048576, freeBytes: 1401.81 * 1048576, encrypted: true });
  t.same(sc.perfLevels?.map((p) => [p.level, p.name, p.physicalCpu]), [
    [0, 'Performance', 12],
    [1, 'Efficiency', 4],
  ]);

  const smc = got.smc?.[0] as SmcSample | undefined;
  if (smc?.type !== 'smc') throw new Error('no smc');
  // TB0p [flt] bytes 68 a1 24 42 (little-endian float)
  t.equal(smc.temperatures.find((x) => x.id === 'TB0p')?.celsius, Buffer.from([0x68, 0xa1, 0x24, 0x42]).readFloatLE(0));
  t.same(smc.fans, [], 'T-keys-only dump: no fans');
});

t.test('m1-pro replay: the 29-sample stream and the other sources', async (t) => {
  const sources = bundled('m1-pro', { speed: 100 });
  const stoppedBy = (c: Collected, name: string) => c.states.some(([x, s]) => x === name && s === 'stopped');
  const { got, errors, states } = await collect(sources, (c) => stoppedBy(c, 'powermetrics') && stoppedBy(c, 'iostat') && n(c, 'smc') >= 1 && n(c, 'sysctl') >= 1);
  t.same(errors, []);
  t.equal(got.powermetrics?.length, 29, 'one pass, 29 documents');
  t.ok(states.some(([x, s]) => x === 'powermetrics' && s === 'stopped'), 'stream replay ends without loop');
  const pm = got.powermetrics![0] as PowermetricsSample | undefined;
  if (pm?.type !== 'powermetrics') throw new Error('no powermetrics');
  t.equal(pm.hwModel, 'MacBookPro18,3');
  t.equal(pm.osBuild, '23H311');
  t.equal(pm.elapsedS, 0.132882041);
  const io = got.iostat![1] as IostatSample | undefined;
  if (io?.type !== 'iostat') throw new Error('no iostat');
  t.same(io.disks.map((d) => [d.device, d.transfersPerS]), [['disk0', 229]]);
  t.equal(io.intervalS, 1);
  t.same(io.cpu, { userRatio: 0.12, systemRatio: 0.06, idleRatio: 0.82 });
  const smc = got.smc![0] as SmcSample | undefined;
  if (smc?.type !== 'smc') throw new Error('no smc');
  // PSTR [flt] 8.552598 (bytes 71 d7 08 41); FNum 2
  t.equal(smc.systemPowerW, Buffer.from([0x71, 0xd7, 0x08, 0x41]).readFloatLE(0));
  t.equal(smc.fans.length, 2);
  const sc = got.sysctl![0] as SysctlSample | undefined;
  if (sc?.type !== 'sysctl') throw new Error('no sysctl');
  t.same(sc.swap?.totalBytes, 7168 * 1048576);
});

t.test('loop: the stream starts again from the top', async (t) => {
  const sources = bundled('m2-ultra', { speed: 50, loop: true, only: ['powermetrics', 'iostat'] });
  const { got, states } = await collect(sources, (c) => n(c, 'powermetrics') >= 5 && n(c, 'iostat') >= 15);
  t.ok(got.powermetrics!.length >= 5, `single document repeated (${got.powermetrics!.length})`);
  const io = got.iostat! as IostatSample[];
  t.ok(io.length > 5, 'iostat rows continue past the end of the file');
  t.equal(io.filter((s) => s.sinceBoot).length, Math.ceil(io.length / 5), 'each pass starts with a since-boot row');
  t.notOk(states.some(([, s]) => s === 'unavailable'));
});

t.test('a folder with some files missing: those sources are absent', async (t) => {
  const dir = t.testdir({ 'vm_stat.txt': readFileSync(join(REPLAY, 'm2-ultra/vm_stat.txt')) });
  const sources = createSources({ sources: sourcesConfig(1000), replay: { dir, manifest: readManifest(dir) }, logger: memoryLogger() });
  t.same(sources.map((s) => s.name), ['vm_stat']);
  t.equal(readManifest(dir).composite, true, 'no manifest: treated as composite');
});

t.test('takeSnapshot waits for an interval iostat row and every source', async (t) => {
  const sources = bundled('m2-ultra', { speed: 20 });
  const usable = (x: Sample) => MODULES.find((m) => m.name === x.type)?.usable?.(x as never) ?? true;
  const snap = await takeSnapshot(sources, { timeoutMs: 120_000, usable });
  t.equal(snap.timedOut, false);
  t.same(snap.missing, []);
  t.equal((snap.latest.iostat as IostatSample | undefined)?.sinceBoot, false);
  t.equal((snap.latest.powermetrics as PowermetricsSample | undefined)?.hwModel, 'Mac14,14');
});
