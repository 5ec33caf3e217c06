// The sensor catalog applied to every real T-key dump. Expected counts were taken from the
// dumps independently (grep by key prefix, Python struct.unpack for the 10–130 °C range), and the
// TCMb/TCMz values are read here with Buffer.readFloatLE, not with our decoder.
import t from 'tap';
import { interpretSmc } from '../../../src/modules/smc/interpret.ts';
import { classifySmcKey } from '../../../src/modules/smc/sensors.ts';
import { dumpKeys } from './fixtures.ts';

interface Expect {
  file: string;
  /** Tp keys (TpD* excluded) in range, Te, Tg in range. */
  p: number;
  e: number;
  g: number;
  m: number;
  tcmb: number;
  tcmz: number;
}
const CHIPS: Expect[] = [
  { file: 'm1-ultra-ismc-raw-T-keys-only.txt', p: 60, e: 5, g: 16, m: 12, tcmb: 47.2243, tcmz: 52.7448 },
  { file: 'm1-max-ismc-raw-T-keys-only.txt', p: 30, e: 3, g: 8, m: 12, tcmb: 53.8598, tcmz: 61.6856 },
  { file: 'm2-ismc-raw-T-keys-only.txt', p: 27, e: 3, g: 6, m: 0, tcmb: 37.9215, tcmz: 40.4156 },
  { file: 'm2-max-ismc-raw-full-dump.txt', p: 0, e: 3, g: 16, m: 0, tcmb: 36.8483, tcmz: 38.3219 },
  { file: 'm3-pro-ismc-raw-T-keys-only.txt', p: 48, e: 13, g: 18, m: 0, tcmb: 48.3913, tcmz: 69.7188 },
  { file: 'm3-max-ismc-raw-T-keys-only.txt', p: 96, e: 10, g: 32, m: 0, tcmb: 53.4669, tcmz: 72.7812 },
  { file: 'm3-max-2-ismc-raw-T-keys-only.txt', p: 96, e: 10, g: 0, m: 0, tcmb: 40, tcmz: 40 },
  { file: 'm4-ismc-raw-T-keys-only.txt', p: 39, e: 16, g: 18, m: 0, tcmb: 38.8401, tcmz: 55.8281 },
  { file: 'm4-pro-ismc-raw-T-keys-only.txt', p: 51, e: 10, g: 22, m: 0, tcmb: 65.3219, tcmz: 80.3906 },
  { file: 'm4-max-ismc-raw-T-keys-only.txt', p: 51, e: 10, g: 44, m: 0, tcmb: 40, tcmz: 40 },
];

const floatLE = (bytes: number[]) => Buffer.from(bytes).readFloatLE(0);

for (const c of CHIPS) {
  t.test(c.file, async (t) => {
    const keys = dumpKeys(c.file);
    const s = interpretSmc(keys);
    const count = (g: string) => s.temperatures.filter((x) => x.group === g).length;
    t.equal(count('cpu_p'), c.p, 'P-core sensors (Tp, in range)');
    t.equal(count('cpu_e'), c.e, 'E-core sensors (Te)');
    t.equal(count('gpu'), c.g, 'GPU sensors (Tg, in range)');
    t.equal(count('memory'), c.m, 'memory sensors (Tm)');
    const avg = s.temperatures.find((x) => x.id === 'TCMb');
    const max = s.temperatures.find((x) => x.id === 'TCMz');
    t.equal(avg?.name, 'CPU die average');
    t.equal(max?.name, 'CPU die maximum');
    t.ok(Math.abs(avg!.celsius - c.tcmb) < 1e-4, `TCMb ${avg?.celsius}`);
    t.ok(Math.abs(max!.celsius - c.tcmz) < 1e-4, `TCMz ${max?.celsius}`);
    t.equal(avg?.celsius, floatLE(keys.find((k) => k.key === 'TCMb')!.bytes), 'TCMb is the LE float of its bytes');
    t.notOk(s.temperatures.some((x) => x.id === 'TR0Z'), 'TR0Z calibration excluded');
    t.ok(s.temperatures.every((x) => x.celsius >= 10 && x.celsius <= 130), 'all exported readings plausible');
    const unknown = s.temperatures.filter((x) => x.name === 'Unidentified sensor').length;
    t.ok(unknown <= 64, `unknown keys bounded (${unknown})`);
    t.equal(new Set(s.temperatures.map((x) => x.id)).size, s.temperatures.length, 'ids unique');
    // single-die chips carry no die attribute; only the M1 Ultra does
    const withDie = s.temperatures.filter((x) => x.die !== undefined).length;
    if (c.file.startsWith('m1-ultra')) t.ok(withDie > 0, 'per-die grouping present');
    else t.equal(withDie, 0, 'no die attribute on a single-die chip');
  });
}

t.test('M1 Ultra: per-die grouping from the key bank (0 → die 0, 2 → die 1)', async (t) => {
  const s = interpretSmc(dumpKeys('m1-ultra-ismc-raw-T-keys-only.txt'));
  const n = (g: string, die: number) => s.temperatures.filter((x) => x.group === g && x.die === die).length;
  t.equal(n('cpu_p', 0), 30, 'Tp0* on die 0');
  t.equal(n('cpu_p', 1), 30, 'Tp2* on die 1');
  t.equal(n('cpu_e', 0), 3, 'Te00..Te02 on die 0');
  t.equal(n('cpu_e', 1), 2, 'Te20, Te21 on die 1');
  const heatsinks = s.temperatures.filter((x) => x.name === 'Heatsink');
  t.equal(heatsinks.filter((x) => x.die === 0).length, 15, 'Th0* on die 0');
  t.equal(heatsinks.filter((x) => x.die === 1).length, 15, 'Th2* on die 1');
  t.equal(s.temperatures.find((x) => x.id === 'Tp2A')?.die, 1);
  t.equal(s.temperatures.find((x) => x.id === 'TpD0')?.die, undefined, 'D bank (package die sensors) has no die');
  t.same(
    s.temperatures.filter((x) => x.group === 'ambient').map((x) => x.name).sort(),
    ['Airflow front left', 'Airflow front right', 'Airflow rear left', 'Airflow rear right'],
    'Mac Studio airflow sensors',
  );
  t.equal(s.temperatures.find((x) => x.id === 'TCMb')?.die, undefined, 'die aggregates are chip-wide');
});

t.test('bank = die × 5 layout (M2 Ultra key names; UNVERIFIED on M3 Ultra)', async (t) => {
  const flt = [0, 0, 0x20, 0x42]; // 40 °C
  const keys = ['Te04', 'Te05', 'Te54', 'Te55', 'Tp01', 'Tp61', 'TCMb'].map((key) => ({ key, type: 'flt ', size: 4, bytes: flt }));
  const s = interpretSmc(keys);
  t.same(
    s.temperatures.filter((x) => x.die !== undefined).map((x) => [x.id, x.die]),
    [['Te04', 0], ['Te05', 0], ['Te54', 1], ['Te55', 1], ['Tp01', 0], ['Tp61', 1]],
  );
});

t.test('catalog lookups', async (t) => {
  t.equal(classifySmcKey('TR0Z'), null);
  t.equal(classifySmcKey('TCMz')?.group, 'cpu_die');
  t.equal(classifySmcKey('Tf04')?.group, 'soc', 'Tf** contested: kept as soc');
  t.equal(classifySmcKey('TH0x')?.group, 'storage');
  t.equal(classifySmcKey('TZZZ'), undefined);
});

t.test('M2 Max: power-gated P-core sentinels (4.6–8.4 °C) are dropped, not exported as temperatures', async (t) => {
  const keys = dumpKeys('m2-max-ismc-raw-full-dump.txt');
  const tp02 = keys.find((k) => k.key === 'Tp02')!;
  t.same(tp02.bytes, [0xcd, 0xcc, 0x06, 0x41], 'the dump line: Tp02 [flt ] 8.425 (bytes cd cc 06 41)');
  const s = interpretSmc(keys);
  t.equal(s.temperatures.find((x) => x.id === 'Tp02'), undefined, 'Tp02 = 8.425 °C not exported');
  t.notOk(s.temperatures.some((x) => x.celsius < 10), 'nothing below 10 °C');
  t.ok((s.dropped.implausible_temperature ?? 0) >= 36, `all 36 Tp sentinels counted (${s.dropped.implausible_temperature})`);
});

t.test('the 10 °C floor: 10 is kept, 9.9 is dropped', async (t) => {
  const f = (c: number) => [...new Uint8Array(new Float32Array([c]).buffer)];
  const s = interpretSmc([
    { key: 'Tp01', type: 'flt ', size: 4, bytes: f(10) },
    { key: 'Tp05', type: 'flt ', size: 4, bytes: f(9.9) },
  ]);
  t.same(s.temperatures.map((x) => x.id), ['Tp01']);
  t.same(s.dropped, { implausible_temperature: 1 });
});
