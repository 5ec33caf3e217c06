import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { createLogger, memoryLogger } from '../../../src/log.ts';
import { MAX_TEMPERATURE_SERIES } from '../../../src/modules/smc/metrics.ts';
import type { SmcSample } from '../../../src/modules/smc/sample.ts';
import { createSmcSource } from '../../../src/modules/smc/source.ts';
import { createSources } from '../../../src/registry.ts';
import { defaultConfig } from '../../../src/config.ts';
import type { ParseError, BaseSample as Sample } from '../../../src/samples.ts';
import type { NativeAddon } from '../../../src/sources/native.ts';
import type { SourceStatus } from '../../../src/sources/source.ts';
import { observe } from '../../helpers/catalog.ts';
import { waitFor } from '../../helpers/wait.ts';
import { dumpKeys, FULL_DUMP, SMC_DIR } from './fixtures.ts';

function collect() {
  const results: Array<Sample | ParseError> = [];
  const statuses: SourceStatus[] = [];
  return { results, statuses, sink: { result: (r: Sample | ParseError) => results.push(r), status: (s: SourceStatus) => statuses.push(s) } };
}

/** The SMC replay of one dump file (a one-file replay folder) through the registry, at `intervalMs`. */
function smcReplay(t: { testdir(files: Record<string, string | Buffer>): string }, file: string, intervalMs: number) {
  const dir = t.testdir({ 'smc.txt': readFileSync(SMC_DIR + file) });
  const cfg = defaultConfig();
  const [src] = createSources({
    sources: { smc: { ...cfg.sources.smc, intervalMs } },
    replay: { dir, manifest: { format: 'silicon-agent-replay/1', composite: true, model: 'Mac14,13', sources: {} } },
    logger: memoryLogger(),
  });
  return src!;
}

t.test('replay of the M2 Max dump (through the shared replay path) flows through the catalog metrics', async (t) => {
  const c = collect();
  // 500 ms: the second read's window (≤ 3 intervals after the first) survives a busy machine.
  const src = smcReplay(t, FULL_DUMP, 500);
  src.start(c.sink);
  await waitFor(() => c.results.length > 1, { what: 'two SMC readings' });
  await src.stop();
  const first = c.results[0] as SmcSample;
  const s = c.results[1] as SmcSample;
  t.equal(first.type, 'smc');
  t.equal(first.intervalS, undefined, 'the first read has no window to integrate over');
  t.same(observe('hw.host.energy', { smc: first }), [], 'so it adds no energy');
  t.ok(s.intervalS !== undefined && s.intervalS > 0, `second read: window ${s.intervalS} s since the first`);
  const temps = observe('hw.temperature', { smc: s });
  t.equal(temps.length, Math.min(s.temperatures.length, MAX_TEMPERATURE_SERIES), `${s.temperatures.length} sensors, catalog cap ${MAX_TEMPERATURE_SERIES}`);
  t.same(temps.find((p) => p.attributes['hw.id'] === 'TCMb')?.attributes, {
    'hw.id': 'TCMb',
    'hw.name': 'CPU die average',
    'hw.type': 'temperature',
    'hw.sensor_location': 'cpu_die',
  });
  t.equal(temps.find((p) => p.attributes['hw.id'] === 'TCMb')?.value, Math.fround(36.84825));
  t.same(observe('hw.fan.speed', { smc: s }), [], 'Mac Studio fans at 0 RPM: no points');
  t.same(observe('hw.fan.speed.limit', { smc: s }).map((p) => p.value), [1350, 5349, 1522, 5777]);
  t.same(observe('hw.host.power', { smc: s }).map((p) => p.value), [Math.fround(8.552598)]);
  t.same(observe('hw.host.energy', { smc: s }).map((p) => p.value), [Math.fround(8.552598) * s.intervalS!], 'W × the measured window');
  t.same(c.statuses.map((x) => x.state).slice(0, 2), ['starting', 'running']);
  t.equal(c.statuses.at(-1)?.state, 'stopped');
});

t.test('replay of an unreadable dump is unavailable, not a crash', async (t) => {
  const c = collect();
  const src = smcReplay(t, FULL_DUMP, 1000);
  // Remove the file between creating and starting the source.
  rmSync(`${t.testdirName}/smc.txt`);
  src.start(c.sink);
  await waitFor(() => c.statuses.some((s) => s.state === 'unavailable'), { what: 'unavailable' });
  await src.stop();
  t.equal(c.results.length, 0);
  t.match(c.statuses.find((s) => s.state === 'unavailable')?.reason, /cannot read replay file/);
});

t.test('addon absent: unavailable once, one log line, nothing else', async (t) => {
  const lines: string[] = [];
  const c = collect();
  const src = createSmcSource({
    intervalMs: 10,
    logger: createLogger({ json: true, write: (l) => lines.push(l) }),
    native: () => ({ error: 'native addon not available: No native build was found' }),
  });
  src.start(c.sink);
  await waitFor(() => c.statuses.some((s) => s.state === 'unavailable'), { what: 'unavailable' });
  await new Promise((r) => setTimeout(r, 60)); // several intervals: still one line
  await src.stop();
  t.same(c.statuses.map((s) => s.state), ['starting', 'unavailable', 'stopped']);
  t.equal(c.results.length, 0);
  t.equal(lines.length, 1, 'exactly one log line');
  const line = JSON.parse(lines[0]!) as { msg: string; reason: string };
  t.equal(line.msg, 'source unavailable');
  t.match(line.reason, /^SMC addon unavailable \(no temperatures, fans or system power\): native addon not available/);
});

t.test('SILICON_AGENT_NO_NATIVE=1 makes the real loader report absence', async (t) => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const out = execFileSync(
    process.execPath,
    ['-e', "import('./src/sources/native.ts').then(m => console.log(JSON.stringify(m.loadNative())))"],
    { cwd: root, env: { ...process.env, SILICON_AGENT_NO_NATIVE: '1' }, encoding: 'utf8' },
  );
  t.same(JSON.parse(out), { error: 'disabled by SILICON_AGENT_NO_NATIVE=1' });
});

t.test('live path over a fake SMC serving the M2 Max dump', async (t) => {
  const all = dumpKeys(FULL_DUMP).map(({ key, type, size, bytes }) => ({ key, type, size, bytes }));
  const asked: string[][] = [];
  const fake: NativeAddon = {
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
  // 500 ms: the second read's window (≤ 3 intervals after the first) survives a busy machine.
  const src = createSmcSource({ intervalMs: 500, native: () => ({ addon: fake }), logger: createLogger({ write: () => {} }) });
  src.start(c.sink);
  await waitFor(() => c.results.length >= 2, { what: 'two SMC readings' });
  await src.stop();
  const s = c.results[1] as SmcSample;
  t.equal(s.systemPowerW, Math.fround(8.552598));
  t.ok(s.temperatures.some((x) => x.id === 'hid:PMU tdie1#0'), 'HID sensors included');
  t.ok(s.intervalS! > 0, `measured interval ${s.intervalS}`);
  const polled = asked[0]!;
  t.ok(polled.includes('PSTR') && polled.includes('FNum') && polled.includes('F0Ac') && polled.includes('TCMb'));
  t.ok(polled.length < 400, `only meaningful keys polled (${polled.length} of ${all.length})`);
});

t.test('live path: AppleSMC cannot be opened', async (t) => {
  const c = collect();
  const fake: NativeAddon = {
    decode: () => null,
    hasIOKit: true,
    keyDataLayout: {},
    readAllKeys: () => ({ opened: false, keys: [], errors: [{ ioReturn: 0xe00002c1, smcResult: 0, code: 'kIOReturnNotPrivileged', message: 'IOServiceOpen(AppleSMC) failed: kIOReturnNotPrivileged' }] }),
    readKeys: () => ({ opened: false, keys: [], errors: [] }),
  };
  const src = createSmcSource({ intervalMs: 20, retryMs: 10_000, native: () => ({ addon: fake }), logger: createLogger({ write: () => {} }) });
  src.start(c.sink);
  await waitFor(() => c.statuses.some((s) => s.state === 'unavailable'), { what: 'unavailable' });
  await src.stop();
  t.match(c.statuses.find((s) => s.state === 'unavailable')?.reason, /kIOReturnNotPrivileged/);
});
