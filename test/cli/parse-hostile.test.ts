/**
 * `parse` fed what a hostile neighbour would feed it (issue 12 item 6): endless stdin, an error
 * flood, terminal escape sequences inside a real capture, a binary plist and UTF-16 text.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { DEFAULT_MAX_MIB, main, MAX_ERRORS_SHOWN, readAtMost } from '../../src/commands/parse.ts';
import { parseInstallArgs } from '../../src/commands/install.ts';
import { escapeControl, escapeJsonText } from '../../src/escape.ts';
import { CLI, cleanEnv } from '../robustness/agent-process.ts';

const FIX = new URL('../../fixtures/', import.meta.url).pathname;
const VM_STAT = join(FIX, 'vm_stat/apple-silicon-16k-oneshot-aimpugn.txt');
const M2_ULTRA_PLIST = join(FIX, 'powermetrics/m2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist');

async function run(argv: string[], readStdin?: (max: number) => Buffer) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), ...(readStdin ? { readStdin } : {}) });
  return { code, stdout, stderr };
}

const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;

t.test('endless stdin: at most the cap is read, then exit 65', async (t) => {
  let asked = 0;
  const r = await run(['smc', '-'], (max) => {
    asked = max;
    const fd = openSync('/dev/urandom', 'r');
    try {
      return readAtMost(fd, max);
    } finally {
      closeSync(fd);
    }
  });
  t.equal(asked, DEFAULT_MAX_MIB * 1024 * 1024 + 1, 'stdin is read up to one byte past the cap, no further');
  t.equal(r.code, 65);
  t.match(r.stderr, /stdin holds more than 64 MiB, more than any capture: not parsed/);
  t.equal(r.stdout, '');
  // the real CLI on a pipe that never ends (--max-mib 1 keeps the test quick)
  const child = spawn(process.execPath, [CLI, 'parse', 'smc', '-', '--max-mib', '1'], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  const write = (): void => {
    while (!child.stdin!.destroyed && child.stdin!.write(chunk));
  };
  child.stdin!.on('drain', write);
  child.stdin!.on('error', () => undefined);
  write();
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  t.equal(code, 65, err);
  t.match(err, /stdin holds more than 1 MiB/);
});

t.test('a file larger than the cap is refused without reading it', async (t) => {
  const r = await run(['powermetrics', join(FIX, 'powermetrics/m1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist'), '--max-mib', '1']);
  t.equal(r.code, 65);
  t.match(r.stderr, /holds more than 1 MiB/);
  const bad = await run(['smc', VM_STAT, '--max-mib', '0']);
  t.equal(bad.code, 64);
});

t.test('an error flood prints at most 100 errors and counts the rest', async (t) => {
  const lines = Array.from({ length: 20_000 }, (_, i) => `  T${i % 10}xx  [zzzz]  garbage ${i}`).join('\n');
  const r = await run(['smc', '-'], () => Buffer.from(lines));
  t.equal(r.code, 1);
  const printed = r.stdout.split('\n').filter((l) => l.startsWith('#'));
  t.equal(printed.length, MAX_ERRORS_SHOWN);
  const m = /\((\d+) more errors not shown\)\n(\d+) samples, (\d+) errors\n$/.exec(r.stdout);
  t.ok(m, r.stdout.slice(-200));
  t.equal(Number(m![1]) + MAX_ERRORS_SHOWN, Number(m![3]), 'shown + not shown = every error');
  const json = await run(['smc', '-', '--json'], () => Buffer.from(lines));
  const arr = JSON.parse(json.stdout) as Array<{ type: string; errors?: number }>;
  t.equal(arr.filter((x) => x.type === 'error').length, MAX_ERRORS_SHOWN);
  t.same(arr.at(-1), { type: 'omitted', errors: Number(m![1]) });
  t.ok(json.stdout.length < 100_000, `${json.stdout.length} bytes of JSON`);
});

t.test('escape sequences inside a real capture never reach the terminal raw', async (t) => {
  const real = readFileSync(VM_STAT, 'utf8');
  const evil = '\u001b[2J\u001b]0;owned\u0007\u009b31m\u202eevil';
  // the real capture with one more line: an unknown label carrying the sequence, and a bad value
  const input = real.replace(/^(Pages free:.*)$/m, `$1\nPages ${evil}: 12.\nPages wired down: ${evil}.`);
  t.not(input, real);
  for (const json of [false, true]) {
    const r = await run(['vm_stat', '-', ...(json ? ['--json'] : [])], () => Buffer.from(input));
    t.notMatch(r.stdout + r.stderr, RAW_CONTROL, `${json ? 'JSON' : 'text'}: no raw control character`);
    if (json) {
      const arr = JSON.parse(r.stdout) as Array<{ type: string; message?: string }>;
      t.ok(arr.some((x) => x.type === 'vm_stat'), 'the real sample still parses');
      const withEvil = arr.filter((x) => x.message?.includes('\u001b[2J') || x.message?.includes('\u202e'));
      t.ok(withEvil.length === 0 || withEvil.every((x) => x.message!.includes('\u001b')), 'JSON keeps the value, only escaped');
    }
  }
  t.equal(escapeControl('a\u001b[31mb\u009bc\u202ed\te'), 'a\\x1b[31mb\\x9bc\\u202ed\\x09e');
  t.equal(JSON.parse(escapeJsonText(JSON.stringify('x\u009by\u202ez'))), 'x\u009by\u202ez', 'the JSON escapes keep the value');
});

t.test('a binary plist and UTF-16 text are named, not parsed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-parse-'));
  const bin = join(dir, 'm2-ultra.bplist');
  // the real M2 Ultra document converted by libplist's plistutil
  const xml = join(dir, 'one.plist');
  writeFileSync(xml, readFileSync(M2_ULTRA_PLIST).toString('utf8').replace(/\u0000/g, ''));
  await execa('plistutil', ['-i', xml, '-f', 'bin', '-o', bin]);
  t.equal(readFileSync(bin).subarray(0, 8).toString('latin1'), 'bplist00');
  const r = await run(['powermetrics', bin]);
  t.equal(r.code, 1);
  t.match(r.stdout, /the input is a binary plist \(bplist\).*plutil -convert xml1/);
  t.match(r.stdout, /0 samples, 1 errors/);
  const utf16 = join(dir, 'vm_stat-utf16.txt');
  await execa('sh', ['-c', `iconv -f UTF-8 -t UTF-16 '${VM_STAT}' > '${utf16}'`]);
  const u = await run(['vm_stat', utf16]);
  t.equal(u.code, 1);
  t.match(u.stdout, /the input is UTF-16 text.*iconv -f UTF-16 -t UTF-8/);
  // and without a byte-order mark
  const le = await run(['vm_stat', '-'], () => Buffer.from(readFileSync(VM_STAT, 'utf8'), 'utf16le'));
  t.match(le.stdout, /UTF-16 text/);
  // the real capture itself still parses
  t.equal((await run(['vm_stat', VM_STAT])).code, 0);
});

t.test('install refuses control characters in every path and URL it writes', async (t) => {
  const node = parseInstallArgs(['--node', '/usr/local/bin/node\n<key>ProgramArguments</key>']);
  t.equal(node.ok, false);
  t.match(!node.ok && node.error, /--node: the path holds a control character \(shown escaped: \/usr\/local\/bin\/node\\x0a<key>/);
  const entry = parseInstallArgs(['--entry', '/opt/sa/cli.js\u0000']);
  t.match(!entry.ok && entry.error, /--entry: the path holds a control character/);
  const url = parseInstallArgs(['--collector', 'http://u:Pw-s3cret@h:4318/\r\nX: y']);
  t.equal(url.ok, false);
  t.match(!url.ok && url.error, /--collector: the URL holds a control character/);
  t.notMatch(!url.ok && url.error, /s3cret/, 'the URL is never echoed');
  // through the real CLI (a dry run works on any OS): exit 64, nothing written
  const r = await execa(process.execPath, [CLI, 'install', '--dry-run', '--node', '/usr/bin/node\u001b[2J'], { env: cleanEnv(), reject: false });
  t.equal(r.exitCode, 64);
  t.notMatch(r.stderr + r.stdout, RAW_CONTROL);
});
