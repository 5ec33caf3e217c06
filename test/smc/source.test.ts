import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { CATALOG, isAccumulated, MAX_TEMPERATURE_SERIES } from '../../src/catalog/catalog.ts';
import type { CatalogState } from '../../src/catalog/catalog.ts';
import { emptySelfStats } from '../../src/catalog/catalog.ts';
import { createLogger } from '../../src/log.ts';
import type { ParseError, Sample, SmcSample } from '../../src/samples.ts';
import type { SmcAddon } from '../../src/smc/addon.ts';
import { createSmcSource } from '../../src/sources/smc.ts';
import type { SourceStatus } from '../../src/sources/source.ts';
import { dumpKeys, FULL_DUMP, SMC_DIR } from './fixtures.ts';

function collect() {
  const results: Array<Sample | ParseError> = [];
  const statuses: SourceStatus[] = [];
  return { results, statuses, sink: { result: (r: Sample | ParseError) => results.push(r), status: (s: SourceStatus) => statuses.push(s) } };
}
const until = async (f: () => boolean) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
};

t.test('replay of the M2 Max dump flows through the catalog metrics', async (t) => {
  const c = collect();
  const src = createSmcSource({ intervalMs: 50, replayFile: SMC_DIR + FULL_DUMP, maxSamples: 2, hwModel: 'Mac14,13' });
  src.start(c.sink);
  await until(() => c.results.length > 1);
  await src.stop();
  const first = c.results[0] as SmcSample;
  const s = c.results[1] as SmcSample;
  t.equal(first.type, 'smc');
  t.equal(first.intervalS, undefined, 'the first read has no window to integrate over');
  const hostEnergy = CATALOG.find((m) => m.name === 'hw.host.energy')!;
  t.same(isAccumulated(hostEnergy) ? [...hostEnergy.accumulate(first)] : null, [], 'so it adds no energy');
  // The second read is on the 50 ms wall-clock grid (src/sources/aligned.ts): 0.5–1.5 intervals later.
  t.ok(s.intervalS !== undefined && s.intervalS >= 0.02 && s.intervalS < 0.15, `second read: window ${s.intervalS} s since the first`);
  const state: CatalogState = { latest: { smc: s }, self: emptySelfStats() };
  const metric = (name: string) => CATALOG.find((m) => m.name === name)!;
  const observe = (name: string) => {
    const m = metric(name);
    return isAccumulated(m) ? [...m.accumulate(s)] : [...m.observe(state)];
  };
  const temps = observe('hw.temperature');
  t.equal(temps.length, Math.min(s.temperatures.length, MAX_TEMPERATURE_SERIES), `${s.temperatures.length} sensors, catalog cap ${MAX_TEMPERATURE_SERIES}`);
  t.same(temps.find((p) => p.attributes['hw.id'] === 'TCMb')?.attributes, {
    'hw.id': 'TCMb',
    'hw.name': 'CPU die average',
    'hw.type': 'temperature',
    'macos.sensor.group': 'cpu_die',
  });
  t.equal(temps.find((p) => p.attributes['hw.id'] === 'TCMb')?.value, Math.fround(36.84825));
  t.same(observe('hw.fan.speed'), [], 'Mac Studio fans at 0 RPM: no points');
  t.same(observe('hw.fan.speed.limit').map((p) => p.value), [1350, 5349, 1522, 5777]);
  t.same(observe('hw.host.power').map((p) => p.value), [Math.fround(8.552598)]);
  t.same(observe('hw.host.energy').map((p) => p.value), [Math.fround(8.552598) * s.intervalS!], 'W × the measured window');
  t.same(c.statuses.map((x) => x.state), ['starting', 'running', 'stopped']);
});

t.test('replay of a missing file is unavailable, not a crash', async (t) => {
  const c = collect();
  const src = createSmcSource({ intervalMs: 1000, replayFile: SMC_DIR + 'nope.txt' });
  src.start(c.sink);
  await until(() => c.statuses.some((s) => s.state === 'unavailable'));
  await src.stop();
  t.equal(c.results.length, 0);
  t.match(c.statuses.at(-1)?.reason, /cannot read SMC replay file/);
});

t.test('addon absent: unavailable once, one log line, nothing else', async (t) => {
  const lines: string[] = [];
  const c = collect();
  const src = createSmcSource({
    intervalMs: 10,
    logger: createLogger({ json: true, write: (l) => lines.push(l) }),
    loadAddon: () => ({ error: 'SMC addon not available: No native build was found' }),
  });
  src.start(c.sink);
  await new Promise((r) => setTimeout(r, 60));
  await src.stop();
  t.same(c.statuses.map((s) => s.state), ['starting', 'unavailable']);
  t.equal(c.results.length, 0);
  t.equal(lines.length, 1, 'exactly one log line');
  t.match(JSON.parse(lines[0]!).msg, /SMC source unavailable, continuing without temperatures, fans and system power: SMC addon not available/);
});

t.test('SILICON_AGENT_NO_NATIVE=1 makes the real loader report absence', async (t) => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const out = execFileSync(
    process.execPath,
    ['-e', "import('./src/smc/addon.ts').then(m => console.log(JSON.stringify(m.loadSmcAddon())))"],
    { cwd: root, env: { ...process.env, SILICON_AGENT_NO_NATIVE: '1' }, encoding: 'utf8' },
  );
  t.same(JSON.parse(out), { error: 'disabled by SILICON_AGENT_NO_NATIVE=1' });
});

t.test('live path over a fake SMC serving the M2 Max dump', async (t) => {
  const all = dumpKeys(FULL_DUMP).map(({ key, type, size, bytes }) => ({ key, type, size, bytes }));
  const asked: string[][] = [];
  const fake: SmcAddon = {
    decode: () => null,
    hasIOKit: true,
    keyDataLayout: {},
    readAllKeys: () => ({ opened: true, keys: all, errors: [] }),
    readKeys: (keys) => {
      asked.push(keys);
      return { opened: true, keys: all.filter((k) => keys.includes(k.key)), errors: [] };
    },
    readHidTemperatures: () => ({ ok: true, sensors: [{ sensorName: 'PMU tdie1', celsius: 40 }] }),
  };
  const c = collect();
  const src = createSmcSource({ intervalMs: 20, loadAddon: () => ({ addon: fake }), logger: createLogger({ write: () => {} }) });
  src.start(c.sink);
  await until(() => c.results.length >= 2);
  await src.stop();
  const s = c.results[1] as SmcSample;
  t.equal(s.systemPowerW, Math.fround(8.552598));
  t.ok(s.temperatures.some((x) => x.id === 'hid:PMU tdie1#0'), 'HID sensors included');
  t.ok(s.intervalS! > 0 && s.intervalS! < 1, `measured interval ${s.intervalS}`);
  const polled = asked[0]!;
  t.ok(polled.includes('PSTR') && polled.includes('FNum') && polled.includes('F0Ac') && polled.includes('TCMb'));
  t.ok(polled.length < 400, `only meaningful keys polled (${polled.length} of ${all.length})`);
});

t.test('live path: AppleSMC cannot be opened', async (t) => {
  const c = collect();
  const fake: SmcAddon = {
    decode: () => null,
    hasIOKit: true,
    keyDataLayout: {},
    readAllKeys: () => ({ opened: false, keys: [], errors: [{ ioReturn: 0xe00002c1, smcResult: 0, code: 'kIOReturnNotPrivileged', message: 'IOServiceOpen(AppleSMC) failed: kIOReturnNotPrivileged' }] }),
    readKeys: () => ({ opened: false, keys: [], errors: [] }),
  };
  const src = createSmcSource({ intervalMs: 20, retryMs: 10_000, loadAddon: () => ({ addon: fake }), logger: createLogger({ write: () => {} }) });
  src.start(c.sink);
  await until(() => c.statuses.some((s) => s.state === 'unavailable'));
  await src.stop();
  t.match(c.statuses.at(-1)?.reason, /kIOReturnNotPrivileged/);
});
