import t from 'tap';
import { checkArgs, renderSudoers, sudoersCommand } from '../../src/launchd/sudoers.ts';
import { powermetricsArgsAtEveryLevel as powermetricsCommandLines } from '../../src/modules/powermetrics/source.ts';
import { powermetricsArgs } from '../../src/modules/powermetrics/source.ts';
import { visudoCheck, which } from './tools.ts';

const ALL4 = ['cpu_power', 'gpu_power', 'ane_power', 'thermal'];

/** The command part of each allowed command line (the alias body), unescaped line continuations. */
function commandPart(text: string): string[] {
  const joined = text.replace(/\\\n\s*/g, '');
  const alias = joined.split('\n').find((l) => l.startsWith('Cmnd_Alias '));
  if (!alias) throw new Error('no Cmnd_Alias line');
  return alias.slice(alias.indexOf('=') + 1).split(/(?<!\\),/).map((s) => s.trim());
}

t.test('the drop-in allows exactly the agent\'s powermetrics command lines, budget variants included', async (t) => {
  const text = renderSudoers('_siliconagent', powermetricsCommandLines(1000, ALL4));
  t.same(commandPart(text), [
    '/usr/bin/powermetrics -f plist -b 0 -i 1000 --samplers cpu_power\\,gpu_power\\,ane_power\\,thermal',
    '/usr/bin/powermetrics -f plist -b 0 -i 2000 --samplers cpu_power\\,gpu_power\\,ane_power\\,thermal',
    '/usr/bin/powermetrics -f plist -b 0 -i 2000 --samplers cpu_power\\,thermal',
  ]);
  const rule = text.split('\n').filter((l) => !l.startsWith('#') && !l.startsWith('Cmnd_Alias') && !l.startsWith(' ') && l.trim());
  t.same(rule, ['_siliconagent ALL = (root) NOPASSWD: SILICON_AGENT_POWERMETRICS']);
  // The first line is the very one the source spawns.
  t.equal(commandPart(text)[0]!.replace(/\\,/g, ','), ['/usr/bin/powermetrics', ...powermetricsArgs(1000, ALL4)].join(' '));
});

t.test('with the tasks sampler, the rule follows: the tasks line with its flags, then the lines without tasks', async (t) => {
  const text = renderSudoers('_siliconagent', powermetricsCommandLines(1000, [...ALL4, 'tasks']));
  const flags = '--show-process-coalition --show-process-gpu --show-process-energy --show-process-io --show-process-netstats';
  t.same(commandPart(text), [
    `/usr/bin/powermetrics -f plist -b 0 -i 1000 --samplers cpu_power\\,gpu_power\\,ane_power\\,thermal\\,tasks ${flags}`,
    '/usr/bin/powermetrics -f plist -b 0 -i 2000 --samplers cpu_power\\,gpu_power\\,ane_power\\,thermal',
    '/usr/bin/powermetrics -f plist -b 0 -i 2000 --samplers cpu_power\\,thermal',
  ]);
  t.equal(commandPart(text)[0]!.replace(/\\,/g, ','), ['/usr/bin/powermetrics', ...powermetricsArgs(1000, [...ALL4, 'tasks'])].join(' '));
});

t.test('no command line lets the agent user write files as root or widen the match', async (t) => {
  for (const samplers of [ALL4, ['cpu_power', 'thermal'], ['gpu_power']]) {
    for (const interval of [100, 1000, 5000]) {
      const text = renderSudoers('_siliconagent', powermetricsCommandLines(interval, samplers));
      for (const cmd of commandPart(text)) {
        const words = cmd.split(/\s+/);
        t.equal(words[0], '/usr/bin/powermetrics', 'absolute path');
        t.ok(words.length > 1, 'arguments present (a bare command would allow any arguments)');
        for (const bad of ['-o', '--output-file', '-u']) t.notOk(words.some((w) => w === bad || w.startsWith(bad + '=')), `${bad} not allowed`);
        t.notMatch(cmd, /[*?[\]]/, 'no wildcard');
        t.notMatch(cmd, /\bALL\b/, 'no ALL in the command part');
        t.notMatch(cmd, /sudoedit|\/bin\/sh|bash/);
      }
    }
  }
});

t.test('the builder refuses dangerous argument lists outright', async (t) => {
  t.match(checkArgs([]), /any arguments/);
  t.match(checkArgs(['-o', '/etc/passwd']), /write a file/);
  t.match(checkArgs(['--output-file=/x']), /write a file/);
  t.match(checkArgs(['-u/x']), /write a file/);
  t.match(checkArgs(['-i', '*']), /wildcard/);
  t.match(checkArgs(['ALL']), /ALL/);
  t.match(checkArgs(['-i', '1 2']), /whitespace/);
  t.equal(checkArgs(['-i', '1000']), undefined);
  t.throws(() => sudoersCommand(['-o', 'x']), /refusing/);
  t.throws(() => renderSudoers('root ALL', [['-i', '1']]), /invalid user name/);
  t.throws(() => renderSudoers('_siliconagent', []), /no powermetrics command line/);
});

t.test('a sampler list that budget degradation would empty keeps its samplers (no empty --samplers)', async (t) => {
  const lines = powermetricsCommandLines(1000, ['gpu_power', 'ane_power']);
  t.same(lines.map((a) => a.join(' ')), [
    '-f plist -b 0 -i 1000 --samplers gpu_power,ane_power',
    '-f plist -b 0 -i 2000 --samplers gpu_power,ane_power',
  ]);
});

t.test('real visudo accepts the drop-in, and rejects it if the commas were not escaped', async (t) => {
  t.ok(which('visudo'), 'visudo on PATH (.ci/run installs sudo)');
  const text = renderSudoers('_siliconagent', powermetricsCommandLines(1000, ALL4));
  const ok = visudoCheck(text);
  t.equal(ok.status, 0, ok.output);
  t.match(ok.output, /parsed OK/);
  const broken = visudoCheck(text.replace(/\\,/g, ','));
  t.not(broken.status, 0, 'unescaped commas split the command list: visudo must refuse');
});
