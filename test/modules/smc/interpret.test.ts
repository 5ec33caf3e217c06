import t from 'tap';
import type { HidSensor } from '../../../src/modules/smc/sample.ts';
import { SmcSample } from '../../../src/modules/smc/sample.ts';
import { interpretSmc } from '../../../src/modules/smc/interpret.ts';
import { DUMPS, dumpKeys, FULL_DUMP } from './fixtures.ts';

t.test('fans from the M2 Max full dump (FNum 2, both fans reading 0 RPM)', async (t) => {
  const keys = dumpKeys(FULL_DUMP);
  const laptop = interpretSmc(keys, [], { hwModel: 'Mac14,6' });
  t.same(laptop.fans, [
    { index: 0, rpm: 0, minRpm: 1350, maxRpm: 5349, targetRpm: 0 },
    { index: 1, rpm: 0, minRpm: 1522, maxRpm: 5777, targetRpm: 0 },
  ], 'values as the dump prints them (F0Mn 1350, F0Mx 5349, F1Mn 1522, F1Mx 5777)');
  const studio = interpretSmc(keys, [], { hwModel: 'Mac14,13' });
  t.same(studio.fans.map((f) => f.rpm), [null, null], 'a Mac Studio fan reading 0 RPM is unavailable, not 0');
  t.equal(studio.fans[0]?.maxRpm, 5349, 'limits are still reported');
  t.same(interpretSmc(keys, [], { fansNeverStop: true }).fans.map((f) => f.rpm), [null, null], 'explicit option');
  t.ok(SmcSample.safeParse(studio).success, 'sample matches the schema');
});

t.test('system power: PSTR and the related keys', async (t) => {
  const s = interpretSmc(dumpKeys(FULL_DUMP));
  t.equal(s.systemPowerW, Math.fround(8.552598), 'PSTR 8.552598 W as printed');
  t.same(
    s.powerRails?.map((r) => r.id).sort(),
    ['PDTR', 'PHPC', 'PHPS', 'PMVC', 'PPBR', 'PPSC', 'PSTR', 'PSVR', 'PZC0', 'PZC1'],
    'every reference power key present in the dump',
  );
  t.equal(s.powerRails?.find((r) => r.id === 'PDTR')?.powerW, Math.fround(10.682102));
});

t.test('plausibility filters count what they drop', async (t) => {
  const f = (c: number) => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(c);
    return [...b];
  };
  const keys = [
    { key: 'TCMb', type: 'flt ', size: 4, bytes: f(45) },
    { key: 'Tp01', type: 'flt ', size: 4, bytes: f(0) },
    { key: 'Tp02', type: 'flt ', size: 4, bytes: f(-0.0225) },
    { key: 'Tg01', type: 'flt ', size: 4, bytes: f(131) },
    { key: 'Te01', type: 'flt ', size: 4, bytes: f(130) },
    { key: 'PSTR', type: 'flt ', size: 4, bytes: f(-3) },
  ];
  const s = interpretSmc(keys);
  t.same(s.temperatures.map((x) => x.id), ['TCMb', 'Te01']);
  t.same(s.dropped, { implausible_temperature: 3, negative: 1 });
  t.equal(s.systemPowerW, undefined, 'negative system power not exported');
});

t.test('unknown keys are exported under their key, bounded', async (t) => {
  const keys = Array.from({ length: 10 }, (_, i) => ({ key: `TZ0${i}`, type: 'flt ', size: 4, bytes: [0, 0, 0x20, 0x42] }));
  const s = interpretSmc(keys, [], { maxUnknown: 4 });
  t.same(s.temperatures.map((x) => x.id), ['TZ00', 'TZ01', 'TZ02', 'TZ03']);
  t.ok(s.temperatures.every((x) => x.group === 'other' && x.name === 'Unidentified sensor' && x.celsius === 40));
  t.equal(s.dropped.unknown_over_limit, 6);
  t.equal(interpretSmc(keys).temperatures.length, 10, 'default bound 64');
});

t.test('HID sensors: names repeat, calibration excluded, junk dropped (names from reference §4.2)', async (t) => {
  const hid: HidSensor[] = [
    { sensorName: 'PMU tdie1', celsius: 41.5 },
    { sensorName: 'PMU tdie1', celsius: 43 },
    { sensorName: 'PMU tcal', celsius: 51.9 },
    { sensorName: 'pACC MTR Temp Sensor2', celsius: 55 },
    { sensorName: 'NAND CH0 temp', celsius: 33 },
    { sensorName: 'PMU tdev1', celsius: -9200 },
    { sensorName: 'noname', celsius: 30 },
  ];
  const s = interpretSmc([], hid);
  t.same(
    s.temperatures.map((x) => [x.id, x.group]),
    [
      ['hid:PMU tdie1#0', 'soc'],
      ['hid:PMU tdie1#1', 'soc'],
      ['hid:pACC MTR Temp Sensor2#0', 'cpu_p'],
      ['hid:NAND CH0 temp#0', 'storage'],
      ['hid:noname#0', 'other'],
    ],
  );
  t.same(s.dropped, { implausible_temperature: 1 });
});

t.test('interval is carried for hw.host.energy', async (t) => {
  t.equal(interpretSmc([], [], { intervalS: 5 }).intervalS, 5);
  t.equal(interpretSmc([], []).intervalS, undefined);
});

t.test('the per-key-list plan is reused only for the same names and types; values are always read fresh', async (t) => {
  // The live source reads the same poll list every interval (new objects, new bytes); interpretSmc
  // caches what depends on the key list alone. Interleave two real dumps and a changed reading.
  const a = dumpKeys(FULL_DUMP);
  const other = DUMPS.find((f) => f !== FULL_DUMP)!;
  const b = dumpKeys(other);
  const fresh = (keys: typeof a) => keys.map((k) => ({ ...k, bytes: [...k.bytes] }));
  const first = interpretSmc(a);
  const firstB = interpretSmc(b);
  t.same(interpretSmc(fresh(a)), first, `${FULL_DUMP} again (fresh objects) after another list: same sample`);
  t.same(interpretSmc(fresh(b)), firstB, `${other} again: same sample`);
  // Change one temperature reading in a copy with the same key list: the new value comes through.
  const changed = fresh(a);
  const tcmb = changed.find((k) => k.key === 'TCMb')!;
  const buf = Buffer.alloc(4);
  buf.writeFloatLE(61.5);
  tcmb.bytes = [...buf];
  t.equal(interpretSmc(changed).temperatures.find((r) => r.id === 'TCMb')?.celsius, 61.5, 'a changed value with an unchanged key list');
  // Same names, one type changed: not the same plan (the key is no longer a temperature).
  const retyped = fresh(a).map((k) => (k.key === 'TCMb' ? { ...k, type: 'ui32' } : k));
  t.equal(interpretSmc(retyped).temperatures.find((r) => r.id === 'TCMb'), undefined, 'a changed type re-plans');
  t.ok(first.temperatures.some((r) => r.id === 'TCMb'), 'TCMb is a temperature in the dump itself');
});
