/**
 * The live filesystems reader and source: getfsstat facts through a fake addon, the slow `mount` poll,
 * the statfs hang guard, the real `mount` and statfs on this Linux machine agreeing with `df -k -P /`,
 * dump → replay through the registry, and doctor.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { defaultConfig } from '../../../src/config.ts';
import { memoryLogger } from '../../../src/log.ts';
import { filesystems, FilesystemsConfig } from '../../../src/modules/filesystems/index.ts';
import { DEFAULT_SELECT, parseFilesystems } from '../../../src/modules/filesystems/parser.ts';
import type { FilesystemsSample } from '../../../src/modules/filesystems/sample.ts';
import type { StatfsCounters } from '../../../src/modules/filesystems/facts.ts';
import { createFilesystemsSource, createFsReader, nodeStatfs } from '../../../src/modules/filesystems/source.ts';
import { createSources } from '../../../src/registry.ts';
import type { ParseError, BaseSample } from '../../../src/samples.ts';
import type { FsstatEntry, NativeLoad } from '../../../src/sources/native.ts';
import { until } from '../../helpers/wait.ts';

const KIB = 1024;
const signal = () => new AbortController().signal;
const noAddon = (): NativeLoad => ({ error: 'no addon in this test' });
const sampleOf = (r: Array<FilesystemsSample | ParseError>): FilesystemsSample => {
  const s = r.find((x): x is FilesystemsSample => x.type === 'filesystems');
  if (!s) throw new Error(JSON.stringify(r).slice(0, 300));
  return s;
};

/** What a Mac's getfsstat would give for the Apple Silicon layout (mountpoints and devices of the real df -Pk capture; flags as <sys/mount.h> defines them). */
const MAC_TABLE: FsstatEntry[] = [
  { from: '/dev/disk3s1s1', on: '/', type: 'apfs', flags: 0x1 | 0x1000 | 0x4000 | 0x00800000 | 0x40000000 },
  { from: 'devfs', on: '/dev', type: 'devfs', flags: 0x1000 | 0x00100000 },
  { from: '/dev/disk3s6', on: '/System/Volumes/VM', type: 'apfs', flags: 0x4 | 0x1000 | 0x00100000 | 0x00800000 | 0x10000000 },
  { from: '/dev/disk3s2', on: '/System/Volumes/Preboot', type: 'apfs', flags: 0x1000 | 0x00100000 | 0x00800000 },
  { from: '/dev/disk3s5', on: '/System/Volumes/Data', type: 'apfs', flags: 0x1000 | 0x00100000 | 0x00800000 },
  { from: 'map auto_home', on: '/System/Volumes/Data/home', type: 'autofs', flags: 0x00400000 | 0x00100000 },
];
/** statfs counters in 1 KiB blocks from the df -Pk capture's rows. */
const DF_PK: Record<string, StatfsCounters> = {
  '/System/Volumes/Data': { bsize: KIB, blocks: 971350180, bfree: 971350180 - 556391796, bavail: 385080668 },
  '/System/Volumes/VM': { bsize: KIB, blocks: 971350180, bfree: 971350180 - 7340052, bavail: 385080668 },
  '/System/Volumes/Preboot': { bsize: KIB, blocks: 971350180, bfree: 971350180 - 8778836, bavail: 385080668 },
  '/': { bsize: KIB, blocks: 971350180, bfree: 971350180 - 12277488, bavail: 385080668 },
};
const fakeAddon = (table: FsstatEntry[] = MAC_TABLE): (() => NativeLoad) => {
  let calls = 0;
  const load = (): NativeLoad => ({
    addon: { decode: () => 0, hasIOKit: true, keyDataLayout: {}, getfsstat: () => (calls++, { ok: true, mounts: table }) },
  });
  return Object.assign(load, { calls: () => calls });
};
const fakeStatfs = (calls: string[] = []) => async (p: string): Promise<StatfsCounters> => {
  calls.push(p);
  const c = DF_PK[p];
  if (!c) throw new Error(`ENOENT: ${p}`);
  return c;
};

t.test('getfsstat facts through a fake addon: statfs only on the shown volumes; the df -Pk sizes come out', async (t) => {
  const calls: string[] = [];
  const native = fakeAddon();
  const reader = createFsReader({ select: DEFAULT_SELECT, mountListIntervalMs: 60_000, mountCommand: '/nonexistent/mount', native, statfs: fakeStatfs(calls) });
  const r = await reader.read('shown', signal());
  if (!('facts' in r)) throw new Error(JSON.stringify(r));
  t.equal(r.facts.from, 'getfsstat');
  t.same(calls.sort(), ['/System/Volumes/Data', '/System/Volumes/VM'], 'Preboot, /, devfs, autofs never statfs’d');
  t.equal(reader.mountRuns, 0, 'mount never runs with the addon');
  const s = sampleOf(parseFilesystems(JSON.stringify(r.facts)));
  t.same(s.volumes.map((v) => [v.mountpoint, v.usedBytes, v.freeBytes, v.mode, v.fsType]), [
    ['/System/Volumes/Data', 556391796 * KIB, 385080668 * KIB, 'rw', 'apfs'],
    ['/System/Volumes/VM', 7340052 * KIB, 385080668 * KIB, 'rw', 'apfs'],
  ]);
  // dump reads every local non-pseudo mount, so a replay may select differently.
  const all = await reader.read('all', signal());
  if (!('facts' in all)) throw new Error('no facts');
  t.same(all.facts.mounts.filter((m) => m.statfs).map((m) => m.mountpoint).sort(), ['/', '/System/Volumes/Data', '/System/Volumes/Preboot', '/System/Volumes/VM']);
  t.same(sampleOf(parseFilesystems(JSON.stringify(all.facts))), s, 'the dump’s facts give exactly the live sample');
});

t.test('without the addon, mount runs at most every mountListIntervalMs', async (t) => {
  const dir = t.testdir({ 'mount.txt': readFileSync(new URL('../../../fixtures/mount/applesilicon-afp-shares-ruby-comment-mount.txt', import.meta.url)) });
  const script = join(dir, 'fake-mount');
  execFileSync('sh', ['-c', `printf '#!/bin/sh\\ncat "%s"\\n' "${join(dir, 'mount.txt')}" > "${script}" && chmod +x "${script}"`]);
  let clock = 1_000_000;
  const reader = createFsReader({ select: DEFAULT_SELECT, mountListIntervalMs: 10_000, mountCommand: script, native: noAddon, statfs: fakeStatfs(), now: () => clock });
  for (let i = 0; i < 5; i++) {
    const r = await reader.read('shown', signal());
    t.ok('facts' in r);
    clock += 1000;
  }
  t.equal(reader.mountRuns, 1, 'five reads inside one mountListIntervalMs on the injected clock: one mount');
  clock += 10_000;
  const r = await reader.read('shown', signal());
  t.equal(reader.mountRuns, 2, 'after 10 s: mount again');
  if (!('facts' in r)) throw new Error('no facts');
  t.equal(r.facts.from, 'mount');
  t.equal(sampleOf(parseFilesystems(JSON.stringify(r.facts))).volumes.find((v) => v.role === 'data')?.usedBytes, 556391796 * KIB);
  const missing = createFsReader({ select: DEFAULT_SELECT, mountListIntervalMs: 10_000, mountCommand: join(dir, 'absent'), native: noAddon });
  t.match(await missing.read('shown', signal()), { unavailable: /not found/ });
});

t.test('the configuration refuses a mount poll under 10 s and more than 32 volumes', async (t) => {
  t.notOk(FilesystemsConfig.safeParse({ mountListIntervalMs: 9999 }).success);
  t.notOk(FilesystemsConfig.safeParse({ maxVolumes: 33 }).success);
  t.same(FilesystemsConfig.parse({}).maxVolumes, 4, 'default 4: Data, VM and two more (the series budget)');
  t.same(FilesystemsConfig.parse({}).mountListIntervalMs, 60_000);
});

t.test('a statfs that hangs is abandoned and not repeated while pending', async (t) => {
  const calls: string[] = [];
  let release: ((c: StatfsCounters) => void) | undefined;
  let hang = true;
  const statfs = (p: string): Promise<StatfsCounters> => {
    calls.push(p);
    if (p === '/System/Volumes/VM' && hang) return new Promise((res) => (release = res));
    return fakeStatfs()(p);
  };
  const logger = memoryLogger();
  const reader = createFsReader({ select: DEFAULT_SELECT, mountListIntervalMs: 60_000, mountCommand: '/x', native: fakeAddon(), statfs, statfsTimeoutMs: 50, logger });
  const first = await reader.read('shown', signal());
  if (!('facts' in first)) throw new Error('no facts');
  const s1 = sampleOf(parseFilesystems(JSON.stringify(first.facts)));
  t.same(s1.volumes.map((v) => v.mountpoint), ['/System/Volumes/Data'], 'the hung volume is left out');
  t.equal(s1.unsized, 1);
  t.equal(reader.pending, 1);
  await reader.read('shown', signal());
  await reader.read('shown', signal());
  t.equal(calls.filter((c) => c === '/System/Volumes/VM').length, 1, 'not asked again while pending');
  t.equal(calls.filter((c) => c === '/System/Volumes/Data').length, 3);
  t.ok(logger.lines.some((r) => /abandoned/.test(JSON.stringify(r))), 'logged');
  hang = false;
  release!(DF_PK['/System/Volumes/VM']!);
  await until(() => reader.pending === 0, { what: 'the hung statfs to settle' });
  const after = await reader.read('shown', signal());
  if (!('facts' in after)) throw new Error('no facts');
  t.equal(sampleOf(parseFilesystems(JSON.stringify(after.facts))).volumes.length, 2, 'asked again once it answered');
});

t.test('live on Linux: the real mount and statfs agree with `df -k -P /`', async (t) => {
  const reader = createFsReader({ select: DEFAULT_SELECT, mountListIntervalMs: 60_000, mountCommand: 'mount', native: noAddon, statfs: nodeStatfs });
  const r = await reader.read('shown', signal());
  const df = execFileSync('df', ['-k', '-P', '/'], { encoding: 'utf8' });
  if (!('facts' in r)) throw new Error(JSON.stringify(r));
  const root = sampleOf(parseFilesystems(JSON.stringify(r.facts))).volumes.find((v) => v.mountpoint === '/');
  const dfRoot = sampleOf(parseFilesystems(df, { ...DEFAULT_SELECT, include: ['/'] })).volumes[0]!;
  t.ok(root, 'the root volume is shown');
  t.equal(root!.totalBytes, dfRoot.totalBytes, 'size: exactly df’s 1024-blocks');
  // The filesystem is live (other processes write): used and free agree within 256 MiB between the two reads.
  t.ok(Math.abs(root!.usedBytes - dfRoot.usedBytes) < 256 * 2 ** 20, `used ${root!.usedBytes} vs df ${dfRoot.usedBytes}`);
  t.ok(Math.abs(root!.freeBytes - dfRoot.freeBytes) < 256 * 2 ** 20, `free ${root!.freeBytes} vs df ${dfRoot.freeBytes}`);
  t.equal(root!.reservedBytes, dfRoot.reservedBytes, 'reserved (root’s share) does not move');
  t.equal(root!.mode, 'rw');
});

t.test('the poll source delivers samples from the fake addon', async (t) => {
  const src = createFilesystemsSource({ intervalMs: 200, select: DEFAULT_SELECT, mountListIntervalMs: 60_000, mountCommand: '/x', native: fakeAddon(), statfs: fakeStatfs(), logger: memoryLogger() });
  const got: BaseSample[] = [];
  src.start({ result: (r) => got.push(r), status: () => {} });
  t.teardown(() => src.stop());
  const s = (await until(() => got.find((x) => x.type === 'filesystems'), { what: 'a filesystems sample' })) as FilesystemsSample;
  t.equal(s.volumes[0]!.usedBytes, 556391796 * KIB);
});

t.test('dump → replay through the registry (real mount and statfs on this machine)', async (t) => {
  const cfg = defaultConfig();
  const env = { ...process.env, SILICON_AGENT_BIN_FROM_PATH: '1' };
  if (filesystems.dump.kind !== 'inprocess') throw new Error('filesystems dump is in-process');
  const cap = await filesystems.dump.capture({ config: cfg.sources.filesystems, env, root: false, native: noAddon });
  if (!('text' in cap)) throw new Error(cap.error);
  const doc = JSON.parse(cap.text) as { mounts: Array<{ mountpoint: string; statfs?: unknown }> };
  t.ok(doc.mounts.find((m) => m.mountpoint === '/')?.statfs, 'the dump holds statfs for /');
  const dir = t.testdir({ 'filesystems.txt': cap.text });
  const [src] = createSources({
    sources: { filesystems: { ...cfg.sources.filesystems, intervalMs: 200 } },
    replay: { dir, manifest: { format: 'silicon-agent-replay/1', composite: false, sources: {} } },
    logger: memoryLogger(),
  });
  const got: BaseSample[] = [];
  src!.start({ result: (r) => got.push(r), status: () => {} });
  t.teardown(() => src!.stop());
  const replayed = (await until(() => got.find((x) => x.type === 'filesystems'), { what: 'a replayed sample' })) as FilesystemsSample;
  t.same(replayed, sampleOf(parseFilesystems(cap.text)), 'the replay gives the dump’s sample');
  t.ok(replayed.volumes.some((v) => v.mountpoint === '/'));
  // The replay selects with its own configuration (ParseContext.sourceConfig).
  const [src2] = createSources({
    sources: { filesystems: { ...cfg.sources.filesystems, intervalMs: 200, exclude: ['/'] } as typeof cfg.sources.filesystems },
    replay: { dir, manifest: { format: 'silicon-agent-replay/1', composite: false, sources: {} } },
    logger: memoryLogger(),
  });
  const got2: BaseSample[] = [];
  src2!.start({ result: (r) => got2.push(r), status: () => {} });
  t.teardown(() => src2!.stop());
  const excluded = (await until(() => got2.find((x) => x.type === 'filesystems'), { what: 'a replayed sample' })) as FilesystemsSample;
  t.notOk(excluded.volumes.some((v) => v.mountpoint === '/'), 'excluded by the replay’s configuration');
});

t.test('doctor: the mount table and the shown volumes', async (t) => {
  const cfg = FilesystemsConfig.parse({});
  const env = { ...process.env, SILICON_AGENT_BIN_FROM_PATH: '1' };
  const run = async () => ({ exitCode: 0, stdout: '', stderr: '' });
  const checks = await filesystems.doctor!({ config: cfg, env, uid: 1000, native: noAddon, run } as never);
  t.same(checks.map((c) => c.status), ['pass', 'pass']);
  t.match(checks[0]!.detail, /`mount` every 60 s/);
  t.match(checks[1]!.detail, /volumes shown \(.*\/.*\)/);
  const withAddon = await filesystems.doctor!({ config: cfg, env, uid: 1000, native: fakeAddon(), run } as never);
  t.equal(withAddon[0]!.status, 'pass');
});

t.test('getfsstat failing falls back to mount; a failing mount keeps the previous table', async (t) => {
  const dir = t.testdir({ 'mount.txt': readFileSync(new URL('../../../fixtures/mount/applesilicon-afp-shares-ruby-comment-mount.txt', import.meta.url)), fail: '' });
  const script = join(dir, 'fake-mount');
  // Prints the capture, or fails once the file `fail` holds "1".
  execFileSync('sh', ['-c', `printf '#!/bin/sh\\n[ "$(cat "%s")" = 1 ] && exit 1\\ncat "%s"\\n' "${join(dir, 'fail')}" "${join(dir, 'mount.txt')}" > "${script}" && chmod +x "${script}"`]);
  const broken = (): NativeLoad => ({ addon: { decode: () => 0, hasIOKit: true, keyDataLayout: {}, getfsstat: () => ({ ok: false, error: 'getfsstat: Operation not permitted', mounts: [] }) } });
  let clock = 0;
  const logger = memoryLogger();
  const reader = createFsReader({ select: DEFAULT_SELECT, mountListIntervalMs: 10_000, mountCommand: script, native: broken, statfs: fakeStatfs(), now: () => clock, logger });
  const first = await reader.read('shown', signal());
  if (!('facts' in first)) throw new Error(JSON.stringify(first));
  t.equal(first.facts.from, 'mount', 'read with mount instead');
  t.equal(first.facts.mounts.length, 11);
  t.ok(logger.lines.some((l) => /getfsstat failed/.test(JSON.stringify(l))));
  execFileSync('sh', ['-c', `echo 1 > "${join(dir, 'fail')}"`]);
  clock += 20_000;
  const second = await reader.read('shown', signal());
  t.equal(reader.mountRuns, 2);
  if (!('facts' in second)) throw new Error(JSON.stringify(second));
  t.equal(second.facts.mounts.length, 11, 'the previous table, kept');
  t.ok(logger.lines.some((l) => /previous mount table is kept/.test(JSON.stringify(l))));
});

t.test('hostile getfsstat entries: escaped and bounded attributes, never a crash', async (t) => {
  const long = '/Volumes/' + 'n'.repeat(2000);
  const table: FsstatEntry[] = [
    { from: '/dev/disk4s1\u0000\u001b[31m', on: '/Volumes/evil\u202e\u0007', type: 'apfs', flags: 0x1000 },
    { from: '/dev/disk5s1', on: long, type: 'apfs\n', flags: 0x1000 },
    { from: '', on: '/Volumes/empty', type: 'apfs', flags: 0x1000 },
  ];
  const statfs = async () => ({ bsize: 4096, blocks: 100, bfree: 50, bavail: 40 });
  const reader = createFsReader({ select: DEFAULT_SELECT, mountListIntervalMs: 60_000, mountCommand: '/x', native: fakeAddon(table), statfs });
  const r = await reader.read('shown', signal());
  if (!('facts' in r)) throw new Error('no facts');
  const out = parseFilesystems(JSON.stringify(r.facts));
  t.same(out.map((x) => (x.type === 'error' ? (x as ParseError).kind : x.type)), ['invalid_value', 'filesystems'], 'the entry without a device is a typed error');
  const s = sampleOf(out);
  t.same(s.volumes[0]!.mountpoint, '/Volumes/evil\\u{202e}\\u{7}');
  t.same(s.volumes[0]!.device, '/dev/disk4s1\\u{0}\\u{1b}[31m');
  t.equal(s.volumes[1]!.mountpoint.length, 160);
  t.equal(s.volumes[1]!.fsType, 'apfs\\u{a}');
  t.equal(s.volumes[1]!.usedBytes, 50 * 4096);
});
