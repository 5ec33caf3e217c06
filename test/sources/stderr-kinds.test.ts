import t from 'tap';
import { createStderrKinds } from '../../src/sources/stderr-kinds.ts';

t.test('one log line per kind of stderr line, digits folded, bounded', async (t) => {
  const kind = createStderrKinds(2);
  t.equal(kind("sysctl: unknown oid 'hw.perflevel1'"), 'new');
  t.equal(kind("sysctl: unknown oid 'hw.perflevel2'"), 'seen', 'differs only in a number: same kind');
  t.equal(kind('powermetrics: sampler gpu_power failed'), 'new');
  t.equal(kind('a third kind'), 'full', 'over the bound: not logged');
  t.equal(kind("sysctl: unknown oid 'hw.perflevel9'"), 'seen', 'known kinds stay known');
  t.equal(kind(`${'x'.repeat(120)}tail one`), 'full');
  const long = createStderrKinds();
  t.equal(long(`${'x'.repeat(120)}tail one`), 'new');
  t.equal(long(`${'x'.repeat(120)}tail two`), 'seen', 'only the first 120 characters make the kind');
});
