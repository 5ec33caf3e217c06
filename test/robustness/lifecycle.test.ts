/**
 * Lifecycle (issue 12 item 2): a start-up failure after /metrics is listening closes everything and
 * exits by itself with the documented code, naming the file or address at fault; a Prometheus
 * endpoint that cannot listen is fatal at start (69 port in use, 78 an address this host lacks),
 * while on SIGHUP the old endpoint is kept; and a SIGTERM to the real `npx … run` or `npm start`
 * leaves no agent running.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/prometheus.ts';
import { until } from '../helpers/wait.ts';
import { CLI, cleanEnv, M2_ULTRA, NODE_FLAGS, writeConfig } from './agent-process.ts';

const REPO = new URL('../..', import.meta.url).pathname;

interface Run {
  child: ChildProcess;
  stderr(): string;
  exit: Promise<[number | null, NodeJS.Signals | null]>;
}

function run(args: string[], env: Record<string, string | undefined> = {}, command: string[] = [process.execPath, ...NODE_FLAGS, CLI]): Run {
  const [file, ...pre] = command;
  const child = spawn(file!, [...pre, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...cleanEnv(), SILICON_AGENT_CONFIG: '', SILICON_AGENT_LOG_LEVEL: 'info', ...env },
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, stderr: () => err, exit };
}

async function canListen(port: number): Promise<boolean> {
  const srv = createServer();
  return new Promise((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function scrape(port: number): Promise<string | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    return r.ok ? await r.text() : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

t.test('a broken manifest.json after /metrics listens: the process exits by itself with 65, naming the file, port released', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-broken-'));
  cpSync(M2_ULTRA, dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), '{"format": "silicon-agent-replay/1", "sources": {');
  const port = await freePort();
  const config = writeConfig({ exporters: { otlp: { enabled: false }, prometheus: { port } } });
  const r = run(['run', '--replay', dir, '--config', config]);
  const [code, signal] = await r.exit;
  t.equal(code, 65, r.stderr());
  t.equal(signal, null, 'no signal was needed');
  t.match(r.stderr(), /Prometheus endpoint listening/, 'it failed after listening');
  t.match(r.stderr(), new RegExp(`"file":"${join(dir, 'manifest.json')}"`));
  t.match(r.stderr(), /manifest\.json: not valid JSON/);
  t.ok(await canListen(port), 'the port is free again');
});

t.test('a Prometheus port in use is fatal at start: 69, naming host:port', async (t) => {
  const holder = createServer();
  holder.listen(0, '127.0.0.1');
  await once(holder, 'listening');
  t.teardown(() => holder.close());
  const port = (holder.address() as { port: number }).port;
  const r = run(['run', '--replay', M2_ULTRA, '--config', writeConfig({ exporters: { otlp: { enabled: false }, prometheus: { port } } })]);
  const [code] = await r.exit;
  t.equal(code, 69, r.stderr());
  t.match(r.stderr(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
  t.notMatch(r.stderr(), /"msg":"started"/);
});

t.test('a Prometheus host this machine does not have is a configuration error: 78', async (t) => {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address
  const r = run(['run', '--replay', M2_ULTRA, '--config', writeConfig({ exporters: { otlp: { enabled: false }, prometheus: { host: '192.0.2.1', port: 0 } } })]);
  const [code] = await r.exit;
  t.equal(code, 78, r.stderr());
  t.match(r.stderr(), /cannot listen on 192\.0\.2\.1:0: EADDRNOTAVAIL/);
});

t.test('SIGHUP to a port in use keeps the endpoint the agent had', async (t) => {
  const [a, holderPort] = [await freePort(), await freePort()];
  const holder = createServer();
  holder.listen(holderPort, '127.0.0.1');
  await once(holder, 'listening');
  t.teardown(() => holder.close());
  const config = writeConfig({ exporters: { otlp: { enabled: false }, prometheus: { port: a } } });
  const r = run(['run', '--replay', M2_ULTRA, '--config', config]);
  t.teardown(() => void (r.child.exitCode === null && r.child.kill('SIGKILL')));
  await until(() => r.stderr().includes('"msg":"started"'), { what: 'the agent started' });
  writeFileSync(config, JSON.stringify({ exporters: { otlp: { enabled: false }, prometheus: { port: holderPort } } }));
  r.child.kill('SIGHUP');
  await until(() => r.stderr().includes('SIGHUP: reload failed; keeping the current configuration'), { what: 'the reload is refused' });
  t.match(r.stderr(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${holderPort}: EADDRINUSE`));
  const page = await until(() => scrape(a), { what: 'the old endpoint answers' });
  t.match(page, /system_memory_limit_bytes\{[^}]*\} 137438953472\n/, "still serving the capture's hw.memsize (sysctl.txt: 137438953472)");
  r.child.kill('SIGTERM');
  const [code] = await r.exit;
  t.equal(code, 0);
});

for (const [name, command] of [
  ['npx --no-install silicon-agent run', ['npx', '--no-install', 'silicon-agent']],
  ['npm start', ['npm', 'start', '--']],
] as const) {
  t.test(`SIGTERM to ${name} leaves no agent running`, async (t) => {
    const port = await freePort();
    const statusFile = join(mkdtempSync(join(tmpdir(), 'silicon-agent-npx-')), 'status.json');
    const config = writeConfig({ exporters: { otlp: { enabled: false }, prometheus: { port } } });
    const args = name === 'npm start' ? ['--replay', M2_ULTRA, '--config', config] : ['run', '--replay', M2_ULTRA, '--config', config];
    // npm's own environment: not the one `npm test` gave this test (npm sets npm_command itself)
    const env: Record<string, string | undefined> = { SILICON_AGENT_STATUS_FILE: statusFile, SILICON_AGENT_PARENT_CHECK_MS: '200', npm_config_update_notifier: 'false' };
    for (const k of Object.keys(process.env)) if (k.startsWith('npm_')) env[k] = undefined;
    const r = run(args, env, [...command]);
    t.teardown(() => void (r.child.exitCode === null && r.child.kill('SIGKILL')));
    await until(() => existsSync(statusFile) && (JSON.parse(readFileSync(statusFile, 'utf8')) as { pid?: number }).pid, { what: 'the agent wrote its status file' });
    const agentPid = (JSON.parse(readFileSync(statusFile, 'utf8')) as { pid: number }).pid;
    t.not(agentPid, r.child.pid, `npm (${r.child.pid}) started the agent (${agentPid}) as a child`);
    await until(() => scrape(port), { what: '/metrics answers' });
    r.child.kill('SIGTERM');
    await r.exit;
    await until(() => !alive(agentPid), { what: 'the agent is gone' });
    t.notOk(alive(agentPid), 'no agent process is left');
    t.ok(await canListen(port), 'its port is free');
  });
}
