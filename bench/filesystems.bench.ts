/**
 * filesystems: the cost of one read (mount table + statfs on the shown volumes + the parse), with the
 * mount table from the addon's getfsstat and from spawning `mount`, in one run.
 *
 * There is no Mac here: the getfsstat case serves this machine's own mount table (read once with
 * `mount`, every entry flagged MNT_LOCAL) through a fake addon, so what is timed is the agent's side of
 * the read — selection, real `fs.statfs` on the shown volumes, the facts JSON and its parse. The real
 * getfsstat call (one system call) is not in it. The `mount` case spawns this machine's `mount` at every
 * read (mountListIntervalMs 0; the agent's default spawns it once a minute at most).
 *
 * Run: `npm run bench -- filesystems` (quick: a few seconds).
 */
import { execFileSync } from 'node:child_process';
import { readFacts } from '../src/modules/filesystems/facts.ts';
import { DEFAULT_SELECT, parseFilesystems } from '../src/modules/filesystems/parser.ts';
import { createFsReader } from '../src/modules/filesystems/source.ts';
import type { NativeLoad } from '../src/sources/native.ts';

const table = readFacts(execFileSync('mount', { encoding: 'utf8' }), [])!.mounts;
const entries = table.map((m) => ({ from: m.device, on: m.mountpoint, type: m.type ?? 'unknown', flags: 0x1000 }));
const addon = (): NativeLoad => ({ addon: { decode: () => 0, hasIOKit: true, keyDataLayout: {}, getfsstat: () => ({ ok: true, mounts: entries }) } });
const none = (): NativeLoad => ({ error: 'no addon' });

async function time(label: string, reader: ReturnType<typeof createFsReader>, n: number): Promise<number> {
  const signal = new AbortController().signal;
  for (let i = 0; i < Math.min(10, n); i++) await reader.read('shown', signal);
  const times: number[] = [];
  let volumes = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await reader.read('shown', signal);
    if (!('facts' in r)) throw new Error(`${label}: ${JSON.stringify(r)}`);
    const s = parseFilesystems(JSON.stringify(r.facts));
    times.push(performance.now() - t0);
    volumes = (s.at(-1) as { volumes?: unknown[] }).volumes?.length ?? 0;
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor(n / 2)]!;
  console.log(`${label.padEnd(34)} median ${med.toFixed(3).padStart(7)} ms   p90 ${times[Math.floor(n * 0.9)]!.toFixed(3).padStart(7)} ms   (${n} reads, ${table.length} mounts, ${volumes} shown)`);
  return med;
}

const withAddon = await time('getfsstat (fake addon) + statfs', createFsReader({ select: DEFAULT_SELECT, mountListIntervalMs: 60_000, mountCommand: 'mount', native: addon }), 400);
const spawning = await time('spawn mount + statfs', createFsReader({ select: DEFAULT_SELECT, mountListIntervalMs: 0, mountCommand: 'mount', native: none }), 60);
console.log(`ratio spawn ÷ addon: ${(spawning / withAddon).toFixed(1)}×`);
