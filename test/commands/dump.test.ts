/**
 * `dump` on a fake node whose tools replay real captures (test/fakes/tools/, the same fakes the
 * source supervision tests use; sudo from test/fakes/system/ records its arguments), then the folder
 * it wrote goes through `run --replay` and `sample --replay`: a capture from a real Mac becomes a
 * fixture with one command.
 */
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { dump, extraFileOk, parseDumpArgs } from '../../src/commands/dump.ts';
import { parseCapture } from '../../src/commands/parse.ts';
import { parseSmcDump } from '../../src/modules/smc/dump-format.ts';
import type { NativeLoad } from '../../src/sources/native.ts';
import { readManifest } from '../../src/sources/replay.ts';
import { startReplayAgent, waitFor } from '../helpers/prometheus.ts';
import { fakeNode, FAKES } from './harness.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOOLS = join(ROOT, 'test/fakes/tools');
const FX = {
  powermetrics: join(ROOT, 'fixtures/powermetrics/m1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist'),
  iostat: join(ROOT, 'fixtures/iostat/apple-silicon-24gb-iostat-d-w2-c5-disk0-disk4-inno-pr114.txt'),
  vm_stat: join(ROOT, 'fixtures/vm_stat/apple-silicon-24gb-oneshot-inno-pr50.txt'),
  // Synthetic (fixtures/synthetic/README.md): the exact names the agent asks for; no real capture has them.
  sysctl: join(ROOT, 'fixtures/synthetic/sysctl/agent-query-m3-ultra-pressure-normal.txt'),
  smc: join(ROOT, 'fixtures/smc/m2-max-ismc-raw-full-dump.txt'),
  netstat: join(ROOT, 'fixtures/netstat/applesilicon-inferred-anpi-shovans-mac-netstat-ib.fixture.txt'),
  gpu: join(ROOT, 'fixtures/gpu/m4-t8132-gpu10c-macosUNKNOWN-ioreg-r-d1-c-IOAccelerator.no-IOReportLegend.txt'),
  disks: join(ROOT, 'fixtures/disks/applesilicon-AP1024Z-ioreg-c-IOBlockStorageDriver-r-l-w0.truncated.PARTIAL.txt'),
};
const IOREG_ENV = { FAKE_IOREG_IOACCELERATOR_FILE: FX.gpu, FAKE_IOREG_IOBLOCKSTORAGEDRIVER_FILE: FX.disks };

/** An SMC addon that serves the keys of a real iSMC dump, so `smc dump` runs its own formatting code. */
function dumpAddon(file: string): () => NativeLoad {
  const keys = parseSmcDump(readFileSync(file, 'utf8')).keys.map(({ key, type, size, bytes }) => ({ key, type, size, bytes }));
  return () => ({
    addon: {
      decode: () => 0,
      hasIOKit: true,
      keyDataLayout: {},
      readAllKeys: () => ({ opened: true, keys, errors: [] }),
    },
  });
}

async function dumpFromFixtures(t: Test, uid: number) {
  const n = fakeNode({ uid });
  t.teardown(n.cleanup);
  n.ctx.now = () => new Date(); // real time: the manifest records how long the streams ran
  Object.assign(n.env, {
    PATH: `${FAKES}:${TOOLS}:${process.env.PATH}`,
    FAKE_POWERMETRICS_FILE: FX.powermetrics,
    FAKE_IOSTAT_FILE: FX.iostat,
    FAKE_VM_STAT_FILE: FX.vm_stat,
    FAKE_SYSCTL_FILE: FX.sysctl,
    FAKE_NETSTAT_FILE: FX.netstat,
    ...IOREG_ENV,
    FAKE_INTERVAL_MS: '100',
  });
  const out = join(n.root, 'capture');
  const p = parseDumpArgs(['--seconds', '1.5', '--out', out]);
  if (!p.ok) throw new Error(p.error);
  const rc = await dump(p.opts, n.ctx, { native: dumpAddon(FX.smc) });
  return { n, out, rc };
}

t.test('dump as a non-root user: same command lines as the sources, powermetrics via sudo -n, bytes unchanged, manifest', async (t) => {
  const { n, out, rc } = await dumpFromFixtures(t, 501);
  t.equal(rc, 0, n.err.join('\n'));
  t.same(n.out, [out]);
  t.same(n.callsOf('sudo'), [['-n', 'powermetrics', '-f', 'plist', '-b', '0', '-i', '5000', '--samplers', 'cpu_power,gpu_power,ane_power,thermal']],
    'the exact line the sudoers rule allows (configured interval and samplers)');

  // One-shots: byte for byte.
  t.equal(readFileSync(join(out, 'vm_stat.txt'), 'latin1'), readFileSync(FX.vm_stat, 'latin1'));
  t.equal(readFileSync(join(out, 'sysctl.txt'), 'latin1'), readFileSync(FX.sysctl, 'latin1'));
  t.equal(readFileSync(join(out, 'network.txt'), 'latin1'), readFileSync(FX.netstat, 'latin1'), 'network: netstat output unchanged (no network addon)');
  t.equal(readFileSync(join(out, 'gpu.txt'), 'latin1'), readFileSync(FX.gpu, 'latin1'));
  t.equal(readFileSync(join(out, 'disks.txt'), 'latin1'), readFileSync(FX.disks, 'latin1'));
  // Streams: what the tool wrote, NUL before each document after the first.
  const pm = readFileSync(join(out, 'powermetrics.plist'), 'latin1');
  const docs = pm.split('\0');
  t.ok(docs.length >= 3, `several documents in 1.5 s at 100 ms (${docs.length})`);
  const fixtureDocs = readFileSync(FX.powermetrics, 'latin1').split('\0');
  for (let i = 0; i < docs.length - 1; i++) t.equal(docs[i], fixtureDocs[i % fixtureDocs.length], `document ${i} unchanged`);
  const io = readFileSync(join(out, 'iostat.txt'), 'latin1');
  t.ok(readFileSync(FX.iostat, 'latin1').startsWith(io.slice(0, 200)), 'iostat: the capture, from the top');
  // SMC: `smc dump` text, re-read as the same keys.
  const again = parseSmcDump(readFileSync(join(out, 'smc.txt'), 'utf8'));
  const orig = parseSmcDump(readFileSync(FX.smc, 'utf8'));
  t.same(again.keys.map((k) => [k.key, k.type, k.bytes]), orig.keys.map((k) => [k.key, k.type, k.bytes]));
  t.ok(orig.keys.length > 100);

  const m = readManifest(out);
  t.equal(m.composite, false);
  t.equal(m.model, 'Mac15,14');
  t.equal(m.chip, 'Apple M3 Ultra');
  t.same(m.macos, { productVersion: '15.5', build: '24F74' });
  t.match(m.createdBy, /^silicon-agent dump \d+\.\d+\.\d+$/);
  t.same(Object.keys(m.sources).sort(), ['disks', 'filesystems', 'gpu', 'host', 'iostat', 'network', 'powermetrics', 'smc', 'sysctl', 'vm_stat']);
  t.equal(m.sources.powermetrics!.command, 'sudo -n powermetrics -f plist -b 0 -i 5000 --samplers cpu_power,gpu_power,ane_power,thermal');
  t.equal(m.sources.powermetrics!.intervalMs, 5000);
  t.equal(m.sources.iostat!.command, 'iostat -d -n 16 -w 5');
  t.equal(m.sources.iostat!.intervalMs, 5000);
  t.match(m.sources.sysctl!.command, /^sysctl vm\.swapusage kern\.memorystatus_vm_pressure_level hw\.model/);
  const took = Date.parse(m.sources.powermetrics!.endedAt!) - Date.parse(m.sources.powermetrics!.startedAt!);
  t.ok(took >= 1400, `stream recorded for at least --seconds (${took} ms); how much longer is a bench figure, not a test`);

  // host: two readings beside iostat -w 1 -c 4, what iostat printed, and the check in the manifest.
  const readings = readFileSync(join(out, 'host.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  t.equal(readings.length, 2);
  t.same(readings.map((r) => r.format), ['silicon-agent-host/1', 'silicon-agent-host/1']);
  t.ok(readings[1].uptimeS >= readings[0].uptimeS, 'taken in order');
  t.ok(readFileSync(FX.iostat, 'latin1').startsWith(readFileSync(join(out, 'host-check-iostat.txt'), 'latin1')), "host-check-iostat.txt: iostat's bytes");
  const check = m.sources.host!.check as { logicalCpus: number; wallRatio: number; note?: string };
  t.equal(check.logicalCpus, readings[1].cpus.length);
  t.ok(check.wallRatio > 0, `wall-time ratio recorded (${check.wallRatio})`);
  t.match(check.note, /no CPU columns/, 'this iostat capture has no cpu columns: the ratio only');
  t.match(m.sources.host!.command, /iostat -w 1 -c 4/);
  t.same(parseCapture('host', readFileSync(join(out, 'host.jsonl'))).map((r) => r.type), ['host', 'host'], '`parse host` reads the dump');

  // The folder is a replay folder: `sample --replay` reads every source from it.
  const s = await execa(process.execPath, [join(ROOT, 'src/cli.ts'), 'sample', '--replay', out, '--json', '--speed', '20'], { reject: false, cwd: ROOT });
  t.equal(s.exitCode, 0, s.stderr);
  const snap = JSON.parse(s.stdout);
  t.match(JSON.stringify(snap), /"powermetrics"/);
  t.match(JSON.stringify(snap), /Mac15,14/);
  t.equal(snap.sources.host?.sample?.type, 'host', 'sample --replay reads host.jsonl');
});

t.test('the dump round-trips through `run --replay`: every source reaches /metrics', async (t) => {
  const { out, rc, n } = await dumpFromFixtures(t, 0);
  t.equal(rc, 0, n.err.join('\n'));
  t.same(n.callsOf('sudo'), [], 'root runs powermetrics directly');
  t.equal(readManifest(out).sources.powermetrics!.command, 'powermetrics -f plist -b 0 -i 5000 --samplers cpu_power,gpu_power,ane_power,thermal');
  const agent = await startReplayAgent(ROOT, out, { speed: 20 });
  t.teardown(agent.stop);
  // Wait for every source's series (the disks source's since-boot counters come at once; power, clusters
  // and temperatures with their sources' first readings).
  const text = await waitFor('every source on /metrics', async () => {
    const body = await (await fetch(`http://${agent.address}/metrics`)).text();
    return ['hw_power_watts', 'silicon_agent_cpu_cluster_frequency', 'system_disk_io', 'hw_temperature', 'system_paging_usage', 'hw_gpu_memory_usage'].every((n) =>
      new RegExp(`^${n}\\w*\\{`, 'm').test(body),
    )
      ? body
      : undefined;
  });
  // Page counts from the vm_stat capture itself, read here independently of the parser.
  const raw = readFileSync(FX.vm_stat, 'utf8');
  const page = Number(/page size of (\d+) bytes/.exec(raw)![1]);
  const free = Number(/Pages free:\s+(\d+)\./.exec(raw)![1]);
  const value = (re: RegExp) => text.split('\n').filter((l) => re.test(l)).map((l) => Number(l.split(' ').pop()));
  t.same(value(/^silicon_agent_memory_pages_bytes\{silicon_agent_memory_page_state="free"/), [free * page], `free memory from vm_stat.txt (${free} pages of ${page} B)`);
  const memsize = Number(/^hw\.memsize: (\d+)$/m.exec(readFileSync(FX.sysctl, 'utf8'))![1]);
  t.same(value(/^system_memory_limit_bytes\{/), [memsize], 'hw.memsize from sysctl.txt');
  t.same(value(/^hw_gpu_memory_usage_bytes\{/), [430_571_520], 'GPU in use from gpu.txt');
  t.same(value(/^system_disk_io_bytes_total\{disk_io_direction="read"/), [368_261_685_248], 'disk0 read bytes from disks.txt');
  for (const series of ['hw_power_watts', 'silicon_agent_cpu_cluster_frequency', 'system_disk_io', 'hw_temperature', 'system_paging_usage'])
    t.match(text, new RegExp(`^${series}\\w*\\{`, 'm'), `${series} present`);
  t.match(text, /^target_info\{.*host_type="Mac15,14".*os_version="15\.5".*silicon_agent_replay="true"/m, 'the manifest\'s facts reach the resource, marked as replay');

  // host: /metrics gives one of the file's readings, read here from the file itself.
  const readings = readFileSync(join(out, 'host.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { cpus: Array<Record<string, number>>; loadavg: number[]; uptimeS: number });
  const hostText = await waitFor('host on /metrics', async () => {
    const body = await (await fetch(`http://${agent.address}/metrics`)).text();
    return /^system_uptime_seconds\{/m.test(body) ? body : undefined;
  });
  const hv = (re: RegExp) => hostText.split('\n').filter((l) => re.test(l)).map((l) => Number(l.split(' ').pop()));
  const [uptime] = hv(/^system_uptime_seconds\{/);
  const r = readings.find((x) => x.uptimeS === uptime);
  t.ok(r, `system.uptime ${uptime} is one of the file's readings`);
  const sum = (k: string) => r!.cpus.reduce((a, c) => a + c[k]!, 0) / 1000;
  t.same(hv(/^system_cpu_time_seconds_total\{.*cpu_mode="user"/), [sum('user')], "user seconds: the file's ms summed over its CPUs");
  t.same(hv(/^system_cpu_time_seconds_total\{.*cpu_mode="idle"/), [sum('idle')]);
  t.same(hv(/^system_cpu_logical_count\{/), [r!.cpus.length]);
  t.same(hv(/^silicon_agent_cpu_load_average_1m\{/), [r!.loadavg[0]]);
  t.same(hv(/^silicon_agent_cpu_load_average_15m\{/), [r!.loadavg[2]]);
});

t.test('a source that cannot run: folder still written, manifest says why, exit 2; bad arguments', async (t) => {
  const n = fakeNode({ uid: 501 });
  t.teardown(n.cleanup);
  Object.assign(n.env, {
    PATH: `${FAKES}:${TOOLS}:${process.env.PATH}`,
    FAKE_POWERMETRICS_MODE: 'superuser',
    FAKE_IOSTAT_FILE: FX.iostat,
    FAKE_VM_STAT_FILE: FX.vm_stat,
    FAKE_SYSCTL_FILE: FX.sysctl,
    FAKE_NETSTAT_FILE: FX.netstat,
    ...IOREG_ENV,
    FAKE_INTERVAL_MS: '100',
  });
  const out = join(n.root, 'partial');
  const rc = await dump({ seconds: 3, out }, n.ctx, { native: () => ({ error: 'addon not built' }) }); // long enough for a loaded machine to start the fake
  t.equal(rc, 2);
  const m = readManifest(out);
  t.match(m.sources.powermetrics!.note, /not captured: powermetrics must be invoked as the superuser/);
  t.match(m.sources.smc!.note, /not captured: cannot read the SMC here: addon not built/);
  t.ok(readFileSync(join(out, 'vm_stat.txt')).length > 0);
  t.throws(() => readFileSync(join(out, 'powermetrics.plist')));
  t.match(n.err.join('\n'), /wrote 8 of 10 sources/);

  t.equal(await dump({ seconds: 0.2, out }, n.ctx), 1, 'refuses a non-empty folder');
  t.match(n.err.join('\n'), /exists and is not empty/);
  t.match(parseDumpArgs(['--seconds', '0']), { ok: false, error: /--seconds/ });
  t.match(parseDumpArgs(['--bogus']), { ok: false });
});

t.test("an in-process capture's extra files: plain names only, never a replay file or the manifest", async (t) => {
  t.ok(extraFileOk('host-check-iostat.txt'));
  for (const bad of ['manifest.json', 'iostat.txt', 'host.jsonl', 'smc.txt', '../x.txt', 'a/b.txt', '.hidden', '', '/etc/passwd'])
    t.notOk(extraFileOk(bad), JSON.stringify(bad));
});
