/**
 * docs/collector.md stays true to what the tests use: it quotes the differences table the comparison test
 * reads (test/collector/differences.ts) verbatim, and names every module test-support/collector/go.mod
 * requires directly, at the version it pins.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ROOT } from '../helpers/collector.ts';
import { differencesMarkdown, MOVING_METRICS } from './differences.ts';

const doc = readFileSync(join(ROOT, 'docs', 'collector.md'), 'utf8');

t.test('docs/collector.md quotes the differences table the test uses', async (t) => {
  const m = /<!-- differences:begin[^>]*-->\n([\s\S]*?)\n<!-- differences:end -->/.exec(doc);
  t.ok(m, 'the quoted block is there');
  t.equal(m?.[1], differencesMarkdown(), 'and equals `node test/collector/differences.ts` (paste its output there)');
  for (const name of Object.keys(MOVING_METRICS)) t.match(m?.[1] ?? '', name, `${name} is listed`);
});

t.test('docs/collector.md names every directly required module at its pinned version', async (t) => {
  const gomod = readFileSync(join(ROOT, 'test-support', 'collector', 'go.mod'), 'utf8');
  const block = /require \(\n([\s\S]*?)\n\)/.exec(gomod)?.[1] ?? '';
  const direct = block
    .split('\n')
    .filter((l) => l.trim() && !l.includes('// indirect'))
    .map((l) => l.trim().split(/\s+/) as [string, string]);
  t.ok(direct.length >= 10, `${direct.length} direct requirements`);
  for (const [mod, version] of direct) t.ok(doc.includes(`\`${mod}\` ${version}`), `${mod} ${version}`);
});
