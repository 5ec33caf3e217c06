/**
 * parseSmc keeps the last clean dump read from bytes (a replay polls the same file every interval):
 * the same bytes again give the same sample without a second read of the text, and any other bytes
 * are read afresh. Real dump: fixtures/smc/m4-pro-ismc-raw-T-keys-only.txt.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseSmc } from '../../../src/modules/smc/parser.ts';

const FILE = new URL('../../../fixtures/smc/m4-pro-ismc-raw-T-keys-only.txt', import.meta.url);

t.test('the same bytes twice: equal results; other bytes: read afresh; a dump with errors is never kept', async (t) => {
  const bytes = readFileSync(FILE);
  const first = parseSmc(Buffer.from(bytes), { intervalS: 1 });
  const again = parseSmc(Buffer.from(bytes), { intervalS: 1 });
  t.same(again, first, 'the same dump, the same sample');
  const fresh = parseSmc(bytes.toString('latin1'), { intervalS: 1 });
  t.same(again, fresh, 'as a text read gives it');
  const sample = first.find((r) => r.type === 'smc') as { temperatures: Array<{ id: string; celsius: number }> };
  t.ok(sample.temperatures.length > 10, `${sample.temperatures.length} temperatures`);

  // One byte changed in the first key's value: the new value, not the remembered one.
  const text = bytes.toString('latin1');
  const line = text.split('\n').find((l) => /\(bytes [0-9a-f]{2} /.test(l))!;
  const changed = Buffer.from(text.replace(line, line.replace(/\(bytes ([0-9a-f]{2})/, (_m, h: string) => `(bytes ${h === '00' ? '01' : '00'}`)), 'latin1');
  t.same(parseSmc(changed, { intervalS: 1 }), parseSmc(changed.toString('latin1'), { intervalS: 1 }), 'changed bytes read afresh');
  t.notSame(parseSmc(changed, { intervalS: 1 }), first);

  const bad = Buffer.concat([bytes, Buffer.from('  not a line\n')]);
  const withError = parseSmc(bad, { intervalS: 1 });
  t.equal(withError.filter((r) => r.type === 'error').length, 1, 'the bad line is an error');
  t.same(parseSmc(bad, { intervalS: 1 }), withError, 'and again the next time (not kept, read again)');
});
