import { readFileSync, readdirSync } from 'node:fs';
import t from 'tap';
import { flagWords, FACTS_FORMAT } from '../../../src/modules/filesystems/facts.ts';
import { FILESYSTEMS_METRICS } from '../../../src/modules/filesystems/metrics.ts';
import { attrValue, createFilesystemsParser, DEFAULT_SELECT, parseFilesystems } from '../../../src/modules/filesystems/parser.ts';
import type { FilesystemsSample, Volume } from '../../../src/modules/filesystems/sample.ts';
import { FilesystemsSample as Schema } from '../../../src/modules/filesystems/sample.ts';
import { parseAll } from '../../../src/parsers/parser.ts';
import type { ParseError } from '../../../src/samples.ts';
import { kinds, pushChunked, samplesOf } from '../../helpers/chunks.ts';

const DF = new URL('../../../fixtures/df/', import.meta.url);
const MOUNT = new URL('../../../fixtures/mount/', import.meta.url);
const KIB = 1024;
const GIB = 2 ** 30;
const read = (dir: URL, name: string): string => readFileSync(new URL(name, dir), 'utf8');
const only = (r: Array<FilesystemsSample | ParseError>): FilesystemsSample => {
  const s = samplesOf(r);
  if (s.length !== 1) throw new Error(`expected one sample, got ${JSON.stringify(r).slice(0, 300)}`);
  return s[0]!;
};
const vol = (s: FilesystemsSample, mp: string): Volume => {
  const v = s.volumes.find((x) => x.mountpoint === mp);
  if (!v) throw new Error(`no volume at ${mp}: ${s.volumes.map((x) => x.mountpoint).join(', ')}`);
  return v;
};
/** df's Capacity: used ÷ (used + avail), rounded up to a whole percent (macOS df). */
const capacity = (v: Volume): number => Math.ceil((100 * v.usedBytes) / (v.usedBytes + v.freeBytes));

t.test('every real capture parses to one schema-valid sample without error', async (t) => {
  const files = [...readdirSync(DF).map((f) => [DF, f] as const), ...readdirSync(MOUNT).map((f) => [MOUNT, f] as const)];
  t.equal(files.length, 7);
  for (const [dir, f] of files) {
    const r = parseFilesystems(read(dir, f));
    t.same(kinds(r), ['sample'], f);
    t.ok(Schema.safeParse(r[0]).success, `${f}: matches the schema`);
  }
});

t.test('df -Pk (Apple Silicon, 971 GB): the Data volume’s exact sizes', async (t) => {
  const s = only(parseFilesystems(read(DF, 'applesilicon-16GB-971G-xcode-df-Pk.txt')));
  // `/dev/disk3s5     971350180 556391796 385080668    60%    /System/Volumes/Data`
  const data = vol(s, '/System/Volumes/Data');
  t.equal(data.device, '/dev/disk3s5');
  t.equal(data.role, 'data');
  t.equal(data.totalBytes, 971350180 * KIB);
  t.equal(data.usedBytes, 556391796 * KIB);
  t.equal(data.freeBytes, 385080668 * KIB);
  t.equal(data.reservedBytes, (971350180 - 556391796 - 385080668) * KIB, 'the other volumes of the container');
  t.equal(capacity(data), 60, 'df’s Capacity column');
  // `/dev/disk3s6     971350180   7340052 385080668     2%    /System/Volumes/VM`
  const vm = vol(s, '/System/Volumes/VM');
  t.equal(vm.usedBytes, 7340052 * KIB);
  t.equal(capacity(vm), 2);
  t.same(s.volumes.slice(0, 2).map((v) => v.role), ['data', 'vm'], 'Data first, then VM');
  t.same(
    s.volumes.map((v) => v.mountpoint),
    [
      '/System/Volumes/Data',
      '/System/Volumes/VM',
      '/Library/Developer/CoreSimulator/Volumes/iOS_23E244',
      '/Library/Developer/CoreSimulator/Volumes/iOS_23F77',
    ],
    'a df capture has no mode: the simulator images (read-only in life) are shown',
  );
  t.equal(s.mounts, 12);
  t.equal(s.skipped, 8, '/, devfs, Preboot, Update, xarts, iSCPreboot, Hardware, map auto_home');
  t.notOk(data.fsType, 'df prints no type');
  t.notOk(data.mode, 'df prints no mode');
});

t.test('df -h (Mac mini, 460 GiB container): Data 460Gi / 407Gi / 24Gi', async (t) => {
  const s = only(parseFilesystems(read(DF, 'applesilicon-macmini-32GB-460G-2026-05-25-df-h.txt')));
  const data = vol(s, '/System/Volumes/Data');
  t.equal(data.totalBytes, 460 * GIB);
  t.equal(data.usedBytes, 407 * GIB);
  t.equal(data.freeBytes, 24 * GIB);
  t.equal(data.reservedBytes, (460 - 407 - 24) * GIB);
  t.equal(capacity(data), 95, 'df’s Capacity column: 95%');
  t.equal(vol(s, '/System/Volumes/VM').usedBytes, 24 * KIB, 'VM: 24Ki');
  t.same(s.volumes.map((v) => v.mountpoint), ['/System/Volumes/Data', '/System/Volumes/VM'], 'Update/mnt1 and SFR/mnt1 skipped');
});

t.test('df -h (Parallels VM): a mountpoint with a space, and 8.1Gi', async (t) => {
  const s = only(parseFilesystems(read(DF, 'applesilicon-parallels-macosVM-59G-df-h.txt')));
  t.equal(vol(s, '/System/Volumes/Data').usedBytes, Math.round(8.1 * GIB));
  const tools = vol(s, '/Volumes/Parallels Tools');
  t.equal(tools.device, '/dev/disk6s2');
  t.equal(tools.totalBytes, Math.round(1.1 * 2 ** 20));
  t.equal(capacity(tools), 100);
});

t.test('df 512-blocks (Intel 10.14): sizes ×512; network share, autofs and Time Machine snapshot skipped', async (t) => {
  const s = only(parseFilesystems(read(DF, 'intel-osx-10.14.6-jc-fixture-df.txt')));
  // `/dev/disk1s1  976490576  302197928  660310352    32%  ... /`
  const root = vol(s, '/');
  t.equal(root.totalBytes, 976490576 * 512);
  t.equal(root.usedBytes, 302197928 * 512);
  t.equal(root.freeBytes, 660310352 * 512);
  t.equal(capacity(root), 32);
  t.equal(vol(s, '/private/var/vm').role, 'vm');
  t.equal(s.volumes[0]!.mountpoint, '/private/var/vm', 'the VM volume before the others');
  t.notOk(s.volumes.some((v) => v.mountpoint === '/Volumes/brazil'), 'AFP share skipped');
  t.notOk(s.volumes.some((v) => v.mountpoint.includes('TimeMachine')), 'local snapshot skipped');
});

t.test('mount alone: types and modes, no sizes; AFP shares and system volumes skipped', async (t) => {
  const s = only(parseFilesystems(read(MOUNT, 'applesilicon-afp-shares-ruby-comment-mount.txt')));
  t.equal(s.mounts, 11);
  t.equal(s.volumes.length, 0, 'no sizes in a mount capture');
  t.equal(s.unsized, 2, 'Data and VM are shown, without sizes');
  t.equal(s.skipped, 9);
});

t.test('mount then df in one text: joined by mountpoint (type and mode from mount, sizes from df)', async (t) => {
  const mount = read(MOUNT, 'intel-osx-10.14.6-jc-fixture-mount.txt');
  const df = read(DF, 'intel-osx-10.14.6-jc-fixture-df.txt');
  const s = only(parseFilesystems(mount + df));
  const root = vol(s, '/');
  t.equal(root.fsType, 'apfs');
  t.equal(root.mode, 'rw');
  t.equal(root.usedBytes, 302197928 * 512);
  t.notOk(s.volumes.some((v) => v.mountpoint === '/Volumes/Recovery'));
});

t.test('the JSON facts: getfsstat flags interpreted, sizes from statfs counters', async (t) => {
  const facts = {
    format: FACTS_FORMAT,
    from: 'getfsstat',
    mounts: [
      // The Data row of the df -Pk capture as statfs counters in 4096-byte blocks: 971350180 KiB = 242837545 blocks.
      { device: '/dev/disk3s1s1', mountpoint: '/', type: 'apfs', flags: 0x1 | 0x1000 | 0x4000 | 0x00800000 | 0x40000000 },
      { device: '/dev/disk3s5', mountpoint: '/System/Volumes/Data', type: 'apfs', flags: 0x1000 | 0x00100000 | 0x00800000, statfs: { bsize: 4096, blocks: 242837545, bfree: 242837545 - 139097949, bavail: 96270167 } },
      { device: 'map auto_home', mountpoint: '/System/Volumes/Data/home', type: 'autofs', flags: 0x00400000 | 0x00100000 },
      { device: '//u@nas/share', mountpoint: '/Volumes/share', type: 'smbfs', flags: 0x10 | 0x8 },
    ],
  };
  const s = only(parseFilesystems(JSON.stringify(facts)));
  t.same(s.volumes.map((v) => v.mountpoint), ['/System/Volumes/Data']);
  const data = s.volumes[0]!;
  t.equal(data.usedBytes, 139097949 * 4096);
  t.equal(data.usedBytes, 556391796 * KIB, 'the same bytes as df -Pk printed');
  t.equal(data.freeBytes, 385080668 * KIB);
  t.equal(data.mode, 'rw');
  t.equal(data.fsType, 'apfs');
  t.same(flagWords(0x1 | 0x1000 | 0x40000000), ['read-only', 'local', 'snapshot']);
});

t.test('configuration: include, exclude, maxVolumes (over_limit), read-only', async (t) => {
  const text = read(DF, 'applesilicon-16GB-971G-xcode-df-Pk.txt');
  const capped = only(parseFilesystems(text, { ...DEFAULT_SELECT, maxVolumes: 2 }));
  t.same(capped.volumes.map((v) => v.role), ['data', 'vm']);
  t.equal(capped.overLimit, 2);
  t.same(capped.dropped, { over_limit: 2 });
  const ex = only(parseFilesystems(text, { ...DEFAULT_SELECT, exclude: ['/Library/Developer/CoreSimulator/Volumes/*'] }));
  t.equal(ex.volumes.length, 2);
  const inc = only(parseFilesystems(text, { ...DEFAULT_SELECT, include: ['/System/Volumes/Preboot'] }));
  t.equal(vol(inc, '/System/Volumes/Preboot').usedBytes, 8778836 * KIB);
  const ro = only(parseFilesystems(text, { ...DEFAULT_SELECT, includeReadOnly: true }));
  t.equal(vol(ro, '/').usedBytes, 12277488 * KIB, 'the sealed snapshot, when read-only volumes are asked for');
});

t.test('stacked mounts: only the top mount of a mountpoint is shown', async (t) => {
  const facts = {
    format: FACTS_FORMAT,
    from: 'mount',
    mounts: [
      { device: '/dev/disk4s1', mountpoint: '/Volumes/X', type: 'apfs', options: ['local'], statfs: { bsize: 1, blocks: 100, bfree: 50, bavail: 50 } },
      { device: '/dev/disk5s1', mountpoint: '/Volumes/X', type: 'hfs', options: ['local'], statfs: { bsize: 1, blocks: 200, bfree: 20, bavail: 10 } },
    ],
  };
  const s = only(parseFilesystems(JSON.stringify(facts)));
  t.same(s.volumes.map((v) => [v.device, v.usedBytes, v.reservedBytes]), [['/dev/disk5s1', 180, 10]]);
  t.equal(s.skipped, 1);
});

t.test('GNU df and Linux mount (the forms the Linux live test reads)', async (t) => {
  const text = readFileSync(new URL('../../../fixtures/synthetic/filesystems/linux-vm-mount-then-gnu-df-k.txt', import.meta.url), 'utf8');
  // `/dev/vda       264212084 19324856  76176408  21% /`
  const s = only(parseFilesystems(text));
  t.same(s.volumes.map((v) => [v.mountpoint, v.fsType, v.mode, v.totalBytes, v.usedBytes, v.freeBytes]), [['/', 'ext4', 'rw', 264212084 * KIB, 19324856 * KIB, 76176408 * KIB]]);
  t.equal(s.volumes[0]!.reservedBytes, (264212084 - 19324856 - 76176408) * KIB, 'ext4’s blocks kept for root');
  t.equal(Math.ceil((100 * s.volumes[0]!.usedBytes) / (s.volumes[0]!.usedBytes + s.volumes[0]!.freeBytes)), 21, 'GNU df’s Use%');
});

t.test('attribute values: control and format characters escaped, long ones cut with a hash', async (t) => {
  t.equal(attrValue('/Volumes/a\u0007b\u202e'), '/Volumes/a\\u{7}b\\u{202e}');
  const long = '/Volumes/' + 'x'.repeat(300);
  const a = attrValue(long);
  t.equal(a.length, 160);
  t.match(a, /~[0-9a-f]{8}$/);
  t.not(attrValue(long + 'y'), a, 'two long names stay apart');
});

t.test('typed errors: empty, bad JSON, unknown df header, impossible counters, oversized', async (t) => {
  t.same(kinds(parseFilesystems('')), ['empty']);
  t.same(kinds(parseFilesystems('{"format": "x"}')), ['unknown_layout']);
  t.same(kinds(parseFilesystems('{"format": "silicon-agent-filesystems/1", "mounts": [')), ['malformed']);
  t.same(kinds(parseFilesystems('Filesystem Frobs Mounted on\n/dev/x 1 /\n')).slice(0, 1), ['unknown_layout@1']);
  const bad = { format: FACTS_FORMAT, mounts: [{ device: '/dev/d', mountpoint: '/x', options: ['local'], statfs: { bsize: 1, blocks: 10, bfree: 11, bavail: 1 } }, { device: 3 }] };
  const r = parseFilesystems(JSON.stringify(bad));
  t.same(kinds(r), ['invalid_value', 'invalid_value', 'sample']);
  t.equal(only(r).unsized, 1);
  t.same(kinds(parseFilesystems('x'.repeat(5 * 1024 * 1024))), ['too_large']);
  t.same(kinds(parseFilesystems('garbage line\n')), ['malformed@1']);
});

t.test('chunked feeding gives the same result as one push', async (t) => {
  const bytes = readFileSync(new URL('applesilicon-16GB-971G-xcode-df-Pk.txt', DF));
  const whole = parseAll(createFilesystemsParser(), bytes);
  for (let seed = 1; seed <= 20; seed++) t.same(pushChunked(createFilesystemsParser(), bytes, seed, 40), whole);
});

t.test('metrics: usage per state adds up to the size; utilization is used ÷ (used + free)', async (t) => {
  const s = only(parseFilesystems(read(DF, 'applesilicon-16GB-971G-xcode-df-Pk.txt')));
  const points: Array<{ name: string; v: number; a: Record<string, string | number> }> = [];
  for (const m of FILESYSTEMS_METRICS) if ('observe' in m) m.observe(s, (v, a) => points.push({ name: m.name, v, a }), { latest: () => undefined });
  const data = points.filter((p) => p.a['system.filesystem.mountpoint'] === '/System/Volumes/Data');
  const usage = data.filter((p) => p.name === 'system.filesystem.usage');
  t.same(usage.map((p) => p.a['system.filesystem.state']), ['used', 'free', 'reserved']);
  t.equal(usage.reduce((a, p) => a + p.v, 0), 971350180 * KIB);
  const util = data.find((p) => p.name === 'system.filesystem.utilization')!;
  t.equal(util.v, 556391796 / (556391796 + 385080668));
  t.notOk('system.filesystem.state' in util.a);
  t.equal(util.a['system.device'], '/dev/disk3s5');
});

t.test('mount, macOS 11+ (real): the sealed read-only `/` skipped, Data and VM first, then the three external disks', async (t) => {
  const text = read(MOUNT, 'macos11plus-disk1-sealed-root-3-external-apfs-mount.txt');
  const eight = { ...DEFAULT_SELECT, maxVolumes: 8 };
  const s = only(parseFilesystems(text, eight));
  t.equal(s.mounts, 10);
  t.equal(s.skipped, 5, '/, devfs, Preboot, Update, map auto_home');
  t.equal(s.unsized, 5, 'Data, VM, DeVonDaTa, 2T-Xx, bakUp: shown, but a mount capture has no sizes');
  const capped = only(parseFilesystems(text, { ...DEFAULT_SELECT, maxVolumes: 3 }));
  t.equal(capped.overLimit, 2);
  // With sizes (each mountpoint's statfs from a fake reading), the order and attributes show.
  const lines = text.split('\n').filter((l) => l.length > 0);
  const df = ['Filesystem 1024-blocks Used Available Capacity Mounted on'];
  for (const l of lines) {
    const m = /^(.+?) on (\/.*) \(/.exec(l)!;
    df.push(`${m[1]} 1000 100 800 12% ${m[2]}`);
  }
  const sized = only(parseFilesystems(text + df.join('\n') + '\n', eight));
  t.same(sized.volumes.map((v) => [v.mountpoint, v.role, v.mode, v.fsType]), [
    ['/System/Volumes/Data', 'data', 'rw', 'apfs'],
    ['/System/Volumes/VM', 'vm', 'rw', 'apfs'],
    ['/Volumes/DeVonDaTa', 'other', 'rw', 'apfs'],
    ['/Volumes/2T-Xx', 'other', 'rw', 'apfs'],
    ['/Volumes/bakUp', 'other', 'rw', 'apfs'],
  ]);
  t.equal(sized.volumes[0]!.device, '/dev/disk1s1');
});
