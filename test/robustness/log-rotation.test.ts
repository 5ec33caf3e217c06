/**
 * Log rotation under launchd, with the real CLI and a real file: stderr is opened on agent.log (as
 * launchd does with StandardErrorPath) and SILICON_AGENT_LOG_FILE names it (as the job's environment
 * does). Renaming the file the way newsyslog does (agent.log → agent.log.0, fresh agent.log) makes
 * the agent stop cleanly and exit 75, so launchd starts it again on the fresh file.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { waitFor } from '../helpers/wait.ts';
import { jobDict } from '../../src/launchd/job.ts';
import { EX_LOG_ROTATED } from '../../src/launchd/log-rotation.ts';
import { freePort } from '../helpers/prometheus.ts';
import { cleanEnv, CLI, M2_ULTRA, NODE_FLAGS, writeConfig } from './agent-process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** The CLI with stderr opened on a fresh agent.log (as launchd does); SILICON_AGENT_LOG_FILE = logFileEnv(path). */
async function agentLoggingToFile(t: { teardown(fn: () => void): void }, logFileEnv: (log: string) => string) {
  const log = join(mkdtempSync(join(tmpdir(), 'sa-logrot-')), 'agent.log');
  const fd = openSync(log, 'a');
  const configFile = writeConfig({ exporters: { otlp: { enabled: false }, prometheus: { port: await freePort() } } });
  const child = spawn(process.execPath, [...NODE_FLAGS, CLI, 'run', '--replay', M2_ULTRA, '--config', configFile], {
    stdio: ['ignore', 'ignore', fd],
    env: { ...cleanEnv(), SILICON_AGENT_CONFIG: '', SILICON_AGENT_LOG_FILE: logFileEnv(log), SILICON_AGENT_LOG_CHECK_MS: '100' },
  });
  closeSync(fd);
  const exited = once(child, 'exit');
  t.teardown(() => child.kill('SIGKILL'));
  return { log, child, exited };
}

t.test('the job sets SILICON_AGENT_LOG_FILE to the file launchd opens as stderr', async (t) => {
  const d = jobDict({ node: '/usr/local/bin/node', entry: '/opt/sa/dist/src/cli.js', privilege: 'user', user: '_siliconagent', group: '_siliconagent' });
  t.equal((d.EnvironmentVariables as Record<string, string>).SILICON_AGENT_LOG_FILE, d.StandardErrorPath);
});

t.test('newsyslog-style rename of agent.log: clean stop, exit 75', async (t) => {
  const { log, child, exited } = await agentLoggingToFile(t, (log) => log);

  await waitFor(() => lines(log).some((l) => l.msg === 'started'), { what: 'the agent to log `started` into agent.log' });
  t.ok(lines(log).some((l) => l.msg === 'started'), 'the agent logs into agent.log');
  await sleep(500); // several checks with the file in place: no false alarm
  t.equal(child.exitCode, null, 'still running while the file is its stderr');

  // newsyslog: rename, then create the fresh file.
  renameSync(log, `${log}.0`);
  writeFileSync(log, '', { mode: 0o640 });
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  t.equal(signal, null);
  t.equal(code, EX_LOG_ROTATED, 'exit 75 (EX_TEMPFAIL): launchd restarts it (KeepAlive SuccessfulExit=false)');

  const old = lines(`${log}.0`);
  const msgs = old.map((l) => l.msg);
  const rotated = old.find((l) => String(l.msg).startsWith('log file rotated'));
  t.match(rotated, { level: 'warn', path: log, why: 'renamed', exitCode: 75 }, 'says why, in the renamed file (its stderr)');
  t.ok(msgs.indexOf('stopping') > msgs.indexOf(rotated?.msg), 'then stops cleanly');
  t.equal(old.find((l) => l.msg === 'stopping')?.signal, 'log-rotated');
  t.ok(msgs.includes('stopped'));
  t.equal(readFileSync(log, 'utf8'), '', 'nothing written to the fresh file: the next agent process opens it');
});

t.test('without SILICON_AGENT_LOG_FILE (not under launchd) nothing watches', async (t) => {
  const { log, child, exited } = await agentLoggingToFile(t, () => '');
  await waitFor(() => lines(log).some((l) => l.msg === 'started'), { what: 'the agent to log `started` into agent.log' });
  renameSync(log, `${log}.0`);
  await sleep(600);
  t.equal(child.exitCode, null, 'keeps running');
  child.kill('SIGTERM');
  t.equal((await exited)[0], 0);
});
