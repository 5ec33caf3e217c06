/**
 * The status file end to end: the real CLI (`run --replay`) with SILICON_AGENT_STATUS_FILE pointing
 * into a fake node's root writes the file (rate-limited, atomically); `silicon-agent status` on that
 * node (fake launchctl on PATH) then shows the last successful OTLP export, the last scrape and each
 * source's state and last sample.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { Health } from '../../src/health.ts';
import { waitFor } from '../helpers/wait.ts';
import { install, parseInstallArgs } from '../../src/commands/install.ts';
import { status } from '../../src/commands/status.ts';
import { PATHS } from '../../src/launchd/job.ts';
import { createStatusWriter, readStatusFile, type AgentStatus } from '../../src/status-file.ts';
import { freePort } from '../helpers/prometheus.ts';
import { cleanEnv, CLI, M2_ULTRA, NODE_FLAGS, switchableReceiver, writeConfig } from '../robustness/agent-process.ts';
import { fakeNode } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('run writes the status file; status shows the last export and every source', async (t) => {
  const n = fakeNode();
  t.teardown(n.cleanup);
  const p = parseInstallArgs(['--node', n.node, '--entry', n.entry]);
  t.ok(p.ok && (await install(p.opts, n.ctx)) === 0, 'installed on the fake node');
  n.out.length = 0;

  const receiver = switchableReceiver(await freePort());
  await receiver.up();
  const promPort = await freePort();
  const statusFile = `${n.root}${PATHS.statusFile}`;
  const configFile = writeConfig({ exporters: { otlp: { endpoint: receiver.url, intervalMs: 1000 }, prometheus: { port: promPort } } });
  const child = spawn(process.execPath, [...NODE_FLAGS, CLI, 'run', '--replay', M2_ULTRA, '--config', configFile], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...cleanEnv(), SILICON_AGENT_CONFIG: '', SILICON_AGENT_STATUS_FILE: statusFile },
  });
  const exited = once(child, 'exit');
  t.teardown(async () => {
    child.kill('SIGKILL');
    await receiver.down();
  });

  // One scrape, and wait for an export; the file follows within its 5 s flush interval.
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`http://127.0.0.1:${promPort}/metrics`).catch(() => undefined);
    if (r?.ok) break;
    await sleep(50);
  }
  await receiver.next(10_000);
  let doc: AgentStatus | undefined;
  const want = ['filesystems', 'iostat', 'network', 'powermetrics', 'smc', 'sysctl', 'vm_stat'];
  for (let i = 0; i < 300; i++) {
    const r = readStatusFile(statusFile);
    if (r.ok && r.status.export.lastSuccessAt && r.status.prometheus.lastScrapeAt && want.every((s) => r.status.sources[s]?.lastSampleAt)) {
      doc = r.status;
      break;
    }
    await sleep(50);
  }
  t.ok(doc, 'the agent wrote the status file with an export, a scrape and a sample of every source');
  if (!doc) return;
  t.equal(doc.pid, child.pid);
  t.equal(doc.replay, true, 'marked as replaying');
  t.same(Object.keys(doc.sources).sort(), want);
  for (const s of want) t.equal(doc.sources[s]!.state, 'running', `${s} running`);
  t.same(readdirSync(dirname(statusFile)).filter((f) => f.endsWith('.tmp')), [], 'written through a temp file and renamed');

  // `status` reads it with the node's clock: give it the real one.
  const ctx = { ...n.ctx, now: () => new Date() };
  t.equal(await status([], ctx), 0);
  const out = n.out.join('\n');
  t.match(out, `agent        pid ${child.pid}, started `);
  t.match(out, 'REPLAYING captures');
  t.match(out, new RegExp(`last export  ${doc.export.lastSuccessAt!.replace(/\./g, '\\.')} \\(\\d+ s ago\\)`));
  t.match(out, /last scrape  \d{4}-\d\d-\d\dT\S+ \(\d+ s ago\)/);
  for (const s of want) t.match(out, new RegExp(`\\n  ${s} +running +last sample \\d{4}-\\d\\d-\\d\\dT\\S+ \\(\\d+ s ago\\)`), `${s} line`);

  // SIGTERM: the final state is written on the way out.
  child.kill('SIGTERM');
  const [code] = await exited;
  t.equal(code, 0);
  const final = readStatusFile(statusFile);
  t.ok(final.ok && Object.values(final.status.sources).every((s) => s.state === 'stopped'), 'every source stopped');
  t.ok(final.ok && final.status.export.lastSuccessAt! >= doc.export.lastSuccessAt!, 'the last export kept (the final flush is one)');
});

t.test('the writer: events never write; one write per flush interval, through a rename', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'sa-status-')), 'status.json');
  const health = new Health();
  const w = createStatusWriter(file, health, { flushMs: 300 });
  t.teardown(() => w.close());
  const first = statSync(file).ino;
  const startedAt = readStatusFile(file);
  for (let i = 0; i < 10_000; i++) health.sample('powermetrics');
  health.sourceStatus('smc', { state: 'unavailable', reason: 'SMC addon not built' });
  health.exported('success');
  t.equal(statSync(file).ino, first, '10,000 samples, a state change and an export: no write yet');
  await waitFor(() => statSync(file).ino !== first, { what: 'the status file to be rewritten' });
  const r = readStatusFile(file);
  t.not(statSync(file).ino, first, 'written once the interval passed (a new file renamed over the old)');
  t.ok(r.ok && r.status.sources.powermetrics?.lastSampleAt && r.status.sources.smc?.state === 'unavailable' && r.status.export.lastSuccessAt);
  t.ok(startedAt.ok && r.ok && r.status.updatedAt > startedAt.status.updatedAt);
  const second = statSync(file).ino;
  await sleep(450);
  t.equal(statSync(file).ino, second, 'nothing changed: no further write');
  health.scraped();
  w.close();
  t.not(statSync(file).ino, second, 'close() writes at once');
  t.same(readdirSync(dirname(file)), ['status.json'], 'no temp file left');
});
