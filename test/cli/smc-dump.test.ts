import t from 'tap';
import { main } from '../../src/commands/smc-dump.ts';
import { parseSmcDump } from '../../src/modules/smc/dump-format.ts';
import { decodeSmcValue } from '../../src/modules/smc/decode.ts';
import { DUMPS, dumpKeys, dumpText, SMC_DIR } from '../modules/smc/fixtures.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function run(argv: string[], native?: () => { error: string }) {
  let out = '';
  let err = '';
  const rc = await main(argv, { out: (s) => (out += s), err: (s) => (err += s), ...(native ? { native } : {}) });
  return { rc, out, err };
}
const strip = (k: { key: string; type: string; size: number; bytes: number[] }) => ({ key: k.key, type: k.type, size: k.size, bytes: k.bytes });

t.test('text output replays: every dump round-trips key for key', async (t) => {
  for (const f of DUMPS) {
    const r = await run(['dump', '--replay', SMC_DIR + f]);
    t.equal(r.rc, 0);
    const back = parseSmcDump(r.out);
    t.same(back.errors, [], `${f}: re-parses cleanly`);
    t.same(back.keys.map(strip), dumpKeys(f).map(strip), `${f}: same keys, types, bytes`);
  }
  const full = await run(['dump', '--replay', SMC_DIR + 'm2-max-ismc-raw-full-dump.txt']);
  t.equal(full.out, dumpText('m2-max-ismc-raw-full-dump.txt'), 'the M2 Max output is byte-identical to the iSMC dump');
});

t.test('--json output replays too, with decoded values', async (t) => {
  const r = await run(['dump', '--json', '--replay', SMC_DIR + 'm2-max-ismc-raw-full-dump.txt']);
  const rows = JSON.parse(r.out) as Array<{ key: string; value: unknown }>;
  t.equal(rows.length, 2279);
  t.equal(rows.find((x) => x.key === 'FNum')?.value, 2);
  t.equal(rows.find((x) => x.key === 'AOPb')?.value, String(decodeSmcValue('ui64', [0x00, 0xa1, 0xe6, 0xa3, 0x02, 0, 0, 0])), 'bigint as string');
  const dir = mkdtempSync(join(tmpdir(), 'sa-smcjson-'));
  try {
    writeFileSync(join(dir, 'd.json'), r.out);
    const again = await run(['dump', '--replay', join(dir, 'd.json')]);
    t.equal(again.out, dumpText('m2-max-ismc-raw-full-dump.txt'), 'JSON → text gives the iSMC dump back');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.test('live dump without the addon fails clearly', async (t) => {
  const r = await run(['dump'], () => ({ error: 'disabled by SILICON_AGENT_NO_NATIVE=1' }));
  t.equal(r.rc, 1);
  t.match(r.err, /cannot read the SMC here: disabled by SILICON_AGENT_NO_NATIVE=1/);
  t.equal((await run(['dump', '--bogus'])).rc, 64);
});

t.test('parser: a bad line is an error and its neighbours are kept', async (t) => {
  const text = '  TCMb  [flt ]  (bytes 14 de 55 42)\ngarbage here\n  TCMz  [flt ]  73 (bytes 00 90 91 42)\n  TCMz  [flt ]  (bytes 00 00 00 00)\n  TAOL  [flt ]  (bytes 00 80';
  const r = parseSmcDump(text);
  t.same(r.keys.map((k) => k.key), ['TCMb', 'TCMz']);
  t.same(r.errors.map((e) => [e.kind, e.line]), [['malformed', 2], ['invalid_value', 4], ['truncated', 5]]);
  t.same(parseSmcDump('').errors.map((e) => e.kind), ['empty']);
  t.same(parseSmcDump(`  Xbig  [hex_]  (bytes${' 00'.repeat(33)})`).errors.map((e) => e.kind), ['invalid_value']);
  t.same(parseSmcDump('{"keys": 3}').errors.map((e) => e.kind), ['missing_field']);
  t.same(parseSmcDump('[{"key":"TCMb","type":"flt ","size":2.5,"bytes":[0,0,32,66]}]').errors.map((e) => e.kind), ['invalid_value'], 'size must be a whole number');
});
