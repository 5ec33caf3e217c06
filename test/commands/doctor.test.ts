import t from 'tap';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLayout } from '../../src/commands/doctor-layout.ts';
import { doctor, type DoctorDeps } from '../../src/commands/doctor.ts';
import { install, parseInstallArgs } from '../../src/commands/install.ts';
import { parseNetwork } from '../../src/modules/network/parser.ts';
import type { NetworkSample } from '../../src/modules/network/sample.ts';
import type { NativeLoad } from '../../src/sources/native.ts';
import { installedTree } from '../helpers/installed-tree.ts';
import { freePort } from '../helpers/prometheus.ts';
import { fakeNode, FAKES } from './harness.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOOLS = join(ROOT, 'test/fakes/tools');

/** The installed layout of a complete package (its own rows are test/commands/doctor-layout.test.ts). */
const layoutTree = installedTree(t.testdir());
const withLayout = (deps: DoctorDeps = {}): DoctorDeps => ({ layout: () => checkLayout(layoutTree), ...deps });
const LAYOUT_ROWS = ['compiled build', 'SMC addon build', 'launchd templates'];

const NETSTAT = join(ROOT, 'fixtures/netstat/applesilicon-inferred-anpi-shovans-mac-netstat-ib.fixture.txt');
/** The addon's network reader serving the counters of the capture the fake netstat prints (a Mac where both agree). */
const netFacts = () =>
  (parseNetwork(readFileSync(NETSTAT, 'utf8'), { include: ['*'], exclude: [], maxInterfaces: 16, activeOnly: false })[0] as NetworkSample).interfaces.map((i) => ({
    name: i.name, index: i.index, flags: i.up ? 1 : 0, sndDrops: 0, type: 6, mtu: i.mtu ?? 1500, ipackets: String(i.rxPackets), ierrors: String(i.rxErrors),
    opackets: String(i.txPackets), oerrors: String(i.txErrors), ibytes: String(i.rxBytes), obytes: String(i.txBytes), iqdrops: '0',
  }));
const smcOk = (): NativeLoad => ({
  addon: {
    decode: () => 0, hasIOKit: true, keyDataLayout: {}, readKeys: () => ({ opened: true, keys: [], errors: [] }),
    readNetworkInterfaces: () => ({ ok: true, interfaces: netFacts() }),
  },
});

async function listen(handler: (res: import('node:http').ServerResponse) => void): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server };
}

/** A node installed in unprivileged mode, tools replaying real captures, a collector and the agent's /metrics. */
async function node(t: import('tap').Test, o: { collectorDate?: string; powermetricsMode?: string; sudoAllows?: boolean } = {}) {
  const n = fakeNode();
  t.teardown(n.cleanup);
  n.ctx.now = () => new Date();
  const collector = await listen((res) => {
    if (o.collectorDate) res.setHeader('Date', o.collectorDate);
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
  t.teardown(() => collector.server.close());
  const metrics = await listen((res) => res.writeHead(200).end('silicon_agent_source_up{source="vm_stat"} 1\n'));
  t.teardown(() => metrics.server.close());
  const p = parseInstallArgs(['--node', n.node, '--entry', n.entry, '--collector', `http://127.0.0.1:${collector.port}`]);
  if (!p.ok || (await install(p.opts, n.ctx)) !== 0) throw new Error(n.err.join('\n'));
  const cfgPath = `${n.root}/usr/local/etc/silicon-agent/config.json`;
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
  cfg.exporters.prometheus = { port: metrics.port };
  cfg.sources.powermetrics.intervalMs = 1000;
  writeFileSync(cfgPath, JSON.stringify(cfg));
  if (o.sudoAllows !== false) writeFileSync(`${n.state}/sudo-allow-all`, '');
  Object.assign(n.env, {
    PATH: `${FAKES}:${TOOLS}:${process.env.PATH}`,
    FAKE_POWERMETRICS_FILE: join(ROOT, 'fixtures/powermetrics/m2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist'),
    FAKE_IOSTAT_FILE: join(ROOT, 'fixtures/iostat/apple-silicon-iostat-d-w2-c5-disk0-inno-pr110.txt'),
    FAKE_VM_STAT_FILE: join(ROOT, 'fixtures/vm_stat/apple-silicon-24gb-oneshot-inno-pr50.txt'),
    FAKE_NETSTAT_FILE: NETSTAT,
    FAKE_IOREG_IOACCELERATOR_FILE: join(ROOT, 'fixtures/gpu/m4-t8132-gpu10c-macosUNKNOWN-ioreg-r-d1-c-IOAccelerator.no-IOReportLegend.txt'),
    FAKE_IOREG_IOBLOCKSTORAGEDRIVER_FILE: join(ROOT, 'fixtures/disks/applesilicon-AP1024Z-ioreg-c-IOBlockStorageDriver-r-l-w0.truncated.PARTIAL.txt'),
    FAKE_INTERVAL_MS: '100',
    ...(o.powermetricsMode ? { FAKE_POWERMETRICS_MODE: o.powermetricsMode } : {}),
  });
  n.clearCalls();
  n.out.length = 0;
  return n;
}

function rows(out: string[]): Record<string, [string, string]> {
  const r: Record<string, [string, string]> = {};
  for (const l of out.slice(1, -1)) {
    const m = /^(.+?)\s{2,}(PASS|FAIL|WARN)\s+(.*)$/.exec(l);
    if (m) r[m[1]!.trim()] = [m[2]!, m[3]!];
  }
  return r;
}

t.test('a healthy node: every check passes, exit 0', async (t) => {
  const n = await node(t);
  const rc = await doctor([], n.ctx, withLayout({ native: smcOk }));
  const r = rows(n.out);
  t.equal(rc, 0, n.out.join('\n'));
  t.same(Object.keys(r), ['macOS', ...LAYOUT_ROWS, 'config', 'sudoers rule', 'powermetrics', 'iostat', 'vm_stat', 'SMC addon', 'host', 'network netstat', 'network addon', 'filesystems mount table', 'filesystems', 'gpu', 'disks', 'OTLP endpoint', 'clock', 'Prometheus port'], 'each source in registry order');
  for (const [k, [status]] of Object.entries(r)) t.equal(status, 'PASS', `${k}: ${r[k]![1]}`);
  t.match(r['sudoers rule']![1], '_siliconagent may run `powermetrics -f plist -b 0 -i 1000 --samplers cpu_power,gpu_power,ane_power,thermal`');
  t.same(n.callsOf('sudo'), [['-n', '-l', '-U', '_siliconagent', 'powermetrics', '-f', 'plist', '-b', '0', '-i', '1000', '--samplers', 'cpu_power,gpu_power,ane_power,thermal']],
    'as root, doctor asks sudo about the agent user and the exact configured line');
  t.match(r['vm_stat']![1], 'page size 16384 B');
  t.match(r['gpu']![1], /in use 0\.40 GiB; ioreg every 15 s/);
  t.match(r['disks']![1], /disk0 read 368\.3 GB/);
  t.match(n.out.at(-1), 'all checks passed');
});

t.test('failures: no sudoers rule, powermetrics refuses, collector clock off, broken SMC — each a FAIL row, exit 1', async (t) => {
  const n = await node(t, { powermetricsMode: 'superuser', sudoAllows: false, collectorDate: new Date(Date.now() - 3600_000).toUTCString() });
  const rc = await doctor([], n.ctx, withLayout({ native: () => ({ error: 'the addon is not built (node-gyp failed)' }) }));
  const r = rows(n.out);
  t.equal(rc, 1);
  t.equal(r['sudoers rule']![0], 'FAIL');
  t.match(r['sudoers rule']![1], /may not run the configured powermetrics line/);
  t.equal(r.powermetrics![0], 'FAIL');
  t.match(r.powermetrics![1], /powermetrics must be invoked as the superuser/);
  t.same(r['SMC addon'], ['FAIL', 'not loaded: the addon is not built (node-gyp failed)']);
  t.equal(r.clock![0], 'FAIL');
  t.match(r.clock![1], /^3\d{3} s ahead of the OTLP endpoint's clock/);
  t.equal(r.iostat![0], 'PASS');
  t.match(n.out.at(-1), /4 check\(s\) failed/);
});

t.test('collector down and an invalid config', async (t) => {
  const n = await node(t);
  const cfgPath = `${n.root}/usr/local/etc/silicon-agent/config.json`;
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
  const closed = await freePort(); // nothing listens there
  cfg.exporters.otlp.endpoint = `http://127.0.0.1:${closed}`;
  writeFileSync(cfgPath, JSON.stringify(cfg));
  t.equal(await doctor([], n.ctx, withLayout({ native: smcOk })), 1);
  const r = rows(n.out);
  t.equal(r['OTLP endpoint']![0], 'FAIL');
  t.match(r['OTLP endpoint']![1], `http://127.0.0.1:${closed}/v1/metrics did not answer: ECONNREFUSED`);
  t.equal(r.clock![0], 'WARN');

  n.out.length = 0;
  writeFileSync(cfgPath, '{"sources": {"powermetrics": {"intervalMs": 5}}}');
  t.equal(await doctor([], n.ctx, withLayout()), 1);
  const r2 = rows(n.out);
  t.equal(r2.config![0], 'FAIL');
  t.match(r2.config![1], /sources\.powermetrics\.intervalMs/);
  t.same(Object.keys(r2), ['macOS', ...LAYOUT_ROWS, 'config'], 'nothing but the layout can be checked without a config');
});

t.test('not macOS, not root with a root install: clear FAIL rows', async (t) => {
  const n = fakeNode({ platform: 'linux', uid: 1000 });
  t.teardown(n.cleanup);
  t.equal(await doctor([], n.ctx, withLayout({ native: smcOk, fetch: (async () => { throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }); }) as typeof fetch })), 1);
  const r = rows(n.out);
  t.match(r.macOS, ['FAIL', /this is linux/]);
  t.match(r.powermetrics, ['FAIL', /doctor is not root: run `sudo silicon-agent doctor`/]);
  t.match(r['OTLP endpoint'], ['FAIL', /did not answer: ENOTFOUND/]);
});
