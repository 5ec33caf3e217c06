// Every subcommand behaves the same at the edges (verification gap G19): `--help` and `-h` print
// its usage on stdout and exit 0; a bogus flag exits 64 (EX_USAGE) with the reason on stderr; and a
// reader that closes the pipe early (`… | head -1`) ends the command quietly, not with an EPIPE trace.
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/silicon-agent.js');

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number; signal?: NodeJS.Signals | null }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

/** Each subcommand as typed, and the words its usage line starts with. */
const SUBCOMMANDS: ReadonlyArray<{ argv: string[]; usage: string }> = [
  { argv: ['sample'], usage: 'usage: silicon-agent sample' },
  { argv: ['parse'], usage: 'usage: silicon-agent parse' },
  { argv: ['run'], usage: 'usage: silicon-agent run' },
  { argv: ['smc', 'dump'], usage: 'usage: silicon-agent smc dump' },
  { argv: ['install'], usage: 'usage: silicon-agent install' },
  { argv: ['uninstall'], usage: 'usage: silicon-agent uninstall' },
  { argv: ['status'], usage: 'usage: silicon-agent status' },
  { argv: ['doctor'], usage: 'usage: silicon-agent doctor' },
  { argv: ['dump'], usage: 'usage: silicon-agent dump' },
];

for (const { argv, usage } of SUBCOMMANDS) {
  const name = argv.join(' ');
  t.test(`${name}: --help and -h print the usage on stdout, exit 0`, async (t) => {
    for (const flag of ['--help', '-h']) {
      const r = await cli([...argv, flag]);
      t.equal(r.code, 0, `${name} ${flag} exits 0`);
      t.ok(r.stdout.startsWith(usage), `${name} ${flag}: stdout starts with "${usage}" (got ${JSON.stringify(r.stdout.slice(0, 60))})`);
      t.equal(r.stderr, '', `${name} ${flag}: nothing on stderr`);
    }
  });

  t.test(`${name}: a bogus flag exits 64 with the reason on stderr`, async (t) => {
    const r = await cli([...argv, '--no-such-flag']);
    t.equal(r.code, 64, `${name} --no-such-flag exits 64 (EX_USAGE)`);
    t.match(r.stderr, /no-such-flag/, 'stderr names the flag');
    t.match(r.stderr, /usage: silicon-agent /, 'stderr shows the usage');
    t.equal(r.stdout, '', 'nothing on stdout');
  });
}

/**
 * Runs the command with stdout on a pipe and closes the reading end: at once (`closeAfter: 0`, so
 * the command's first write meets a closed pipe, whatever its output size), or after the first
 * `closeAfter` bytes arrived, like `head -c`.
 */
function closedPipe(args: string[], closeAfter: number): Promise<Result & { got: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let got = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (closeAfter === 0) child.stdout.destroy();
    else
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        got += d;
        if (got.length >= closeAfter) child.stdout.destroy();
      });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: '', stderr, got });
    });
  });
}

t.test('a closed stdout pipe ends smc dump and parse quietly (exit 0, no EPIPE trace)', async (t) => {
  const cases: Array<{ args: string[]; closeAfter: number; first?: string }> = [
    // 96 KB of text, more than a pipe holds: the `| head -1` of the issue.
    { args: ['smc', 'dump', '--replay', 'fixtures/smc/m2-max-ismc-raw-full-dump.txt'], closeAfter: 1, first: '  #KEY  [ui32]  2409 (bytes 00 00 09 69)' },
    { args: ['smc', 'dump', '--replay', 'fixtures/smc/m2-max-ismc-raw-full-dump.txt'], closeAfter: 0 },
    { args: ['smc', 'dump', '--json', '--replay', 'fixtures/smc/m2-max-ismc-raw-full-dump.txt'], closeAfter: 1 },
    { args: ['parse', 'powermetrics', 'fixtures/powermetrics/m1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist', '--json'], closeAfter: 0 },
    { args: ['parse', 'powermetrics', 'fixtures/powermetrics/m1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist'], closeAfter: 0 },
  ];
  for (const c of cases) {
    const label = `${c.args.slice(0, 3).join(' ')}… closed ${c.closeAfter === 0 ? 'at once' : 'after the first bytes'}`;
    const r = await closedPipe(c.args, c.closeAfter);
    t.equal(r.signal, null, `${label}: not killed`);
    t.equal(r.code, 0, `${label}: exit 0`);
    t.equal(r.stderr, '', `${label}: nothing on stderr`);
    if (c.first !== undefined) t.equal(r.got.split('\n')[0], c.first, `${label}: the first line arrived`);
  }
});
