// src/log.ts (gap G5): the human format a terminal gets and the JSON lines everything else gets,
// level filtering, once/clearOnce, child fields, and redaction of secret-looking fields at any depth.
import t from 'tap';
import { execFile } from 'node:child_process';
import { createLogger, memoryLogger, redact, type Level, type LoggerOptions } from '../src/log.ts';

const NOW = new Date('2025-03-04T05:06:07.089Z');

function capture(opts: LoggerOptions = {}) {
  const lines: string[] = [];
  const log = createLogger({ now: () => NOW, write: (l) => lines.push(l), ...opts });
  return { log, lines };
}

t.test('human format: time, padded level, message, then key=value fields', async (t) => {
  const { log, lines } = capture({ json: false, level: 'debug' });
  log.debug('polling', { source: 'vm_stat' });
  log.info('started', { port: 9464, replay: true });
  log.warn('source restarting', { source: 'iostat', reason: 'exit code 1', delayMs: 2000 });
  log.error('export failed', { err: new Error('connect ECONNREFUSED 127.0.0.1:4318'), attempt: { n: 3, of: 5 } });
  log.info('no fields');
  t.same(lines, [
    '05:06:07 DEBUG polling  source=vm_stat',
    '05:06:07 INFO  started  port=9464 replay=true',
    // a string with whitespace is quoted, one without is bare
    '05:06:07 WARN  source restarting  source=iostat reason="exit code 1" delayMs=2000',
    // an Error shows its message; an object is JSON
    '05:06:07 ERROR export failed  err="connect ECONNREFUSED 127.0.0.1:4318" attempt={"n":3,"of":5}',
    '05:06:07 INFO  no fields',
  ]);
});

t.test('JSON format: one object per line, time in ISO, fields at the top level', async (t) => {
  const { log, lines } = capture({ json: true });
  log.warn('source restarting', { source: 'iostat', reason: 'exit code 1', err: new Error('boom'), at: new Date('2025-01-01T00:00:00Z') });
  t.equal(lines.length, 1);
  t.same(JSON.parse(lines[0]!), {
    time: '2025-03-04T05:06:07.089Z',
    level: 'warn',
    msg: 'source restarting',
    source: 'iostat',
    reason: 'exit code 1',
    err: 'boom',
    at: '2025-01-01T00:00:00.000Z',
  });
});

t.test('format follows the terminal: human on a TTY, JSON otherwise, `json` wins', async (t) => {
  const tty = capture({ isTTY: true });
  tty.log.info('hello', { a: 1 });
  t.equal(tty.lines[0], '05:06:07 INFO  hello  a=1');
  const pipe = capture({ isTTY: false });
  pipe.log.info('hello', { a: 1 });
  t.same(JSON.parse(pipe.lines[0]!), { time: NOW.toISOString(), level: 'info', msg: 'hello', a: 1 });
  const forced = capture({ isTTY: true, json: true });
  forced.log.info('hello');
  t.same(JSON.parse(forced.lines[0]!).msg, 'hello');
});

t.test('the default writer: human lines on a real terminal (a pty from `script`), JSON lines on a pipe', async (t) => {
  const logTs = new URL('../src/log.ts', import.meta.url).pathname;
  const program = `import { createLogger } from ${JSON.stringify(logTs)};
const log = createLogger({ now: () => new Date('2025-03-04T05:06:07.089Z') });
log.info('on stderr', { headers: { authorization: 'Bearer s3cret' }, n: 1 });`;
  const run = (file: string, args: string[]) =>
    new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(file, args, { timeout: 30_000, env: { ...process.env, SILICON_AGENT_LOG_LEVEL: 'info' } }, (err, stdout, stderr) =>
        err ? reject(err) : resolve({ stdout, stderr }),
      ),
    );
  // script(1) runs the command on a pseudo-terminal: stderr is a TTY there, as in an interactive shell.
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const onPty = await run('script', ['-qec', [process.execPath, '--input-type=module', '-e', program].map(quote).join(' '), '/dev/null']);
  t.equal(onPty.stdout.replaceAll('\r', ''), '05:06:07 INFO  on stderr  headers=[redacted] n=1\n', 'human line on the terminal');
  const onPipe = await run(process.execPath, ['--input-type=module', '-e', program]);
  t.equal(onPipe.stdout, '', 'nothing on stdout');
  t.same(JSON.parse(onPipe.stderr), { time: '2025-03-04T05:06:07.089Z', level: 'info', msg: 'on stderr', headers: '[redacted]', n: 1 }, 'JSON line on stderr');
});

t.test('level filtering: below the minimum is dropped; the default comes from SILICON_AGENT_LOG_LEVEL', async (t) => {
  const levels: Level[] = ['debug', 'info', 'warn', 'error'];
  const kept = (min: Level | undefined) => {
    const { log, lines } = capture({ json: true, ...(min ? { level: min } : {}) });
    for (const l of levels) log[l](l);
    return lines.map((l) => JSON.parse(l).level);
  };
  t.same(kept('debug'), ['debug', 'info', 'warn', 'error']);
  t.same(kept('info'), ['info', 'warn', 'error']);
  t.same(kept('warn'), ['warn', 'error']);
  t.same(kept('error'), ['error']);

  const saved = process.env.SILICON_AGENT_LOG_LEVEL;
  t.teardown(() => {
    if (saved === undefined) delete process.env.SILICON_AGENT_LOG_LEVEL;
    else process.env.SILICON_AGENT_LOG_LEVEL = saved;
  });
  process.env.SILICON_AGENT_LOG_LEVEL = 'error';
  t.same(kept(undefined), ['error'], 'SILICON_AGENT_LOG_LEVEL=error');
  t.same(kept('debug'), ['debug', 'info', 'warn', 'error'], 'an explicit level wins over the variable');
  process.env.SILICON_AGENT_LOG_LEVEL = 'loud';
  t.same(kept(undefined), ['info', 'warn', 'error'], 'an unknown level falls back to info');
  delete process.env.SILICON_AGENT_LOG_LEVEL;
  t.same(kept(undefined), ['info', 'warn', 'error'], 'unset: info');
});

t.test('once: the first event of a kind only, with its kind; clearOnce re-arms it', async (t) => {
  const log = memoryLogger();
  t.equal(log.once('collector-down', 'warn', 'OTLP export failing', { url: 'http://c:4318' }), true);
  t.equal(log.once('collector-down', 'warn', 'OTLP export failing', { url: 'http://c:4318' }), false);
  t.equal(log.once('bad-row', 'debug', 'bad iostat row'), true, 'another kind is independent');
  t.equal(log.once('collector-down', 'error', 'still failing'), false);
  log.clearOnce('collector-down');
  t.equal(log.once('collector-down', 'warn', 'OTLP export failing again'), true, 'logged again after clearOnce');
  log.clearOnce('never-seen'); // harmless
  t.same(
    log.lines.map(({ time: _t, ...l }) => l),
    [
      { level: 'warn', msg: 'OTLP export failing', url: 'http://c:4318', kind: 'collector-down' },
      { level: 'debug', msg: 'bad iostat row', kind: 'bad-row' },
      { level: 'warn', msg: 'OTLP export failing again', kind: 'collector-down' },
    ],
  );
});

t.test('once in the human format; a logger and its children share one memory of kinds', async (t) => {
  const { log, lines } = capture({ json: false });
  const child = log.child({ source: 'iostat' });
  t.equal(child.once('restart', 'warn', 'restarting'), true);
  t.equal(child.once('restart', 'warn', 'restarting'), false);
  t.equal(log.once('restart', 'warn', 'restarting'), false, 'the parent saw that kind through its child');
  t.equal(log.child({ source: 'smc' }).once('restart', 'warn', 'restarting'), false, 'so did a sibling');
  log.clearOnce('restart');
  t.equal(child.once('restart', 'warn', 'restarting again'), true, "the parent's clearOnce re-arms the child");
  t.same(lines, ['05:06:07 WARN  restarting  source=iostat kind=restart', '05:06:07 WARN  restarting again  source=iostat kind=restart']);
});

t.test('child: its fields on every line, nested children add up, a call field wins', async (t) => {
  const { log, lines } = capture({ json: true });
  const src = log.child({ source: 'powermetrics', pid: 41 });
  const deeper = src.child({ attempt: 2 });
  src.info('started');
  deeper.warn('restarting', { pid: 42 });
  log.info('parent untouched');
  const parsed = lines.map((l) => {
    const { time: _t, ...rest } = JSON.parse(l);
    return rest;
  });
  t.same(parsed, [
    { level: 'info', msg: 'started', source: 'powermetrics', pid: 41 },
    { level: 'warn', msg: 'restarting', source: 'powermetrics', pid: 42, attempt: 2 },
    { level: 'info', msg: 'parent untouched' },
  ]);
  const human = capture({ json: false });
  human.log.child({ source: 'smc' }).error('read failed', { key: 'TC0P' });
  t.same(human.lines, ['05:06:07 ERROR read failed  source=smc key=TC0P']);
});

t.test('redaction: header, authorization, token (and the other secret names) at any depth, both formats', async (t) => {
  const secrets = {
    headers: { authorization: 'Bearer s3cret' },
    authorization: 'Basic czNjcmV0',
    token: 's3cret',
    otlp: { url: 'https://c:4318', headers: 'api-key=s3cret', auth: { bearerToken: 's3cret', user: 'ops' } },
    attempts: [{ status: 401, Authorization: 'Bearer s3cret' }, 'plain'],
    password: 'x',
    'api_key': 'x',
    cookie: 'x',
    clientSecret: 'x',
    'x-honeycomb-team': 'not a secret name: kept',
  };
  const json = capture({ json: true });
  json.log.warn('export failed', secrets);
  json.log.child({ token: 's3cret', nested: { authorization: 's3cret' } }).info('child');
  const human = capture({ json: false });
  human.log.warn('export failed', secrets);
  human.log.child({ token: 's3cret' }).info('child');
  for (const l of [...json.lines, ...human.lines]) t.notMatch(l, /s3cret|czNjcmV0/, `no secret in ${l.slice(0, 60)}…`);

  const { time: _t, ...line } = JSON.parse(json.lines[0]!);
  t.same(line, {
    level: 'warn',
    msg: 'export failed',
    headers: '[redacted]',
    authorization: '[redacted]',
    token: '[redacted]',
    otlp: { url: 'https://c:4318', headers: '[redacted]', auth: { bearerToken: '[redacted]', user: 'ops' } },
    attempts: [{ status: 401, Authorization: '[redacted]' }, 'plain'],
    password: '[redacted]',
    api_key: '[redacted]',
    cookie: '[redacted]',
    clientSecret: '[redacted]',
    'x-honeycomb-team': 'not a secret name: kept',
  });
  t.same(JSON.parse(json.lines[1]!), { time: NOW.toISOString(), level: 'info', msg: 'child', token: '[redacted]', nested: { authorization: '[redacted]' } });
  t.match(human.lines[0], / headers=\[redacted\] authorization=\[redacted\] token=\[redacted\] otlp=\{"url":"https:\/\/c:4318","headers":"\[redacted\]","auth":\{"bearerToken":"\[redacted\]","user":"ops"\}\} /);
  t.equal(human.lines[1], '05:06:07 INFO  child  token=[redacted]');

  t.same(secrets.headers, { authorization: 'Bearer s3cret' }, 'the caller’s object is not modified');
  const cyclic: Record<string, unknown> = { name: 'loop', token: 's3cret' };
  cyclic.self = cyclic;
  t.same(redact({ cyclic }), { cyclic: { name: 'loop', token: '[redacted]', self: '[circular]' } }, 'a cycle ends, it does not overflow');
  const shared = { a: 1 };
  t.same(redact({ x: shared, y: [shared, shared] }), { x: { a: 1 }, y: [{ a: 1 }, { a: 1 }] }, 'a repeated (not cyclic) object is kept');
});
