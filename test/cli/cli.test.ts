import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/silicon-agent.js');

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

t.test('--help lists every command with one line', async (t) => {
  const r = await cli(['--help']);
  t.equal(r.code, 0);
  for (const c of ['run', 'sample', 'parse', 'dump', 'smc', 'install', 'uninstall', 'status', 'doctor'])
    t.match(r.stdout, new RegExp(`\\n  ${c} +\\S`), c);
});

t.test('--version prints the package version', async (t) => {
  const r = await cli(['--version']);
  t.equal(r.code, 0);
  t.equal(r.stdout, `silicon-agent ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
});

t.test('no command: usage on stderr, exit 64; unknown command: exit 64', async (t) => {
  const r = await cli([]);
  t.equal(r.code, 64);
  t.match(r.stderr, /usage: silicon-agent <command>/);
  const u = await cli(['frobnicate']);
  t.equal(u.code, 64);
  t.match(u.stderr, /unknown command "frobnicate"/);
});

t.test('a subcommand runs its module: parse exit codes pass through', async (t) => {
  const ok = await cli(['parse', 'vm_stat', 'fixtures/vm_stat/apple-silicon-16k-oneshot-aimpugn.txt', '--json']);
  t.equal(ok.code, 0);
  t.equal(JSON.parse(ok.stdout)[0].counters['Pages wired down'], 131951);
  const bad = await cli(['parse', 'powermetrics', 'fixtures/vm_stat/apple-silicon-16k-oneshot-aimpugn.txt', '--json']);
  t.equal(bad.code, 1, 'vm_stat text is not a plist stream');
  t.equal(JSON.parse(bad.stdout)[0].type, 'error');
});

t.test('a command whose module is missing from the build: clear message, exit 1', async (t) => {
  // cli.ts alone in a folder without commands/: every subcommand is "not in this build".
  const dir = t.testdir({ 'cli.ts': readFileSync(join(ROOT, 'src/cli.ts')) });
  const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(process.execPath, [join(dir, 'cli.ts'), 'doctor'], (err, _o, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stderr }),
    ),
  );
  t.equal(r.code, 1);
  t.equal(r.stderr, 'silicon-agent: the `doctor` command is not available in this build\n');
});
