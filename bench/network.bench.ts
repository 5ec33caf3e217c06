/**
 * network: what one reading costs in-process against spawning a subprocess, in one run.
 *
 * Cases (median per reading, over interleaved iterations):
 *   addon facts → sample   interpretFacts over the synthetic Mac Studio facts (19 interfaces): the
 *                          TypeScript half of the in-process read (the sysctl itself cannot run here)
 *   netstat text → sample  parseNetwork over the same table as netstat prints it
 *   spawn + read           execFile of `cat <that table>`: a stand-in for spawning /usr/sbin/netstat
 *                          (the cost of fork/exec and a pipe, without netstat's own work), then the parse
 * The ratio column is case ÷ (addon facts → sample) in the same run.
 *
 * Run: `npm run bench -- network` (quick: about 10 s).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { interpretFacts, parseNetwork } from '../src/modules/network/parser.ts';

const SYN = fileURLToPath(new URL('../fixtures/synthetic/netstat/', import.meta.url));
const TABLE = `${SYN}mac-studio-like-netstat-ibdn.txt`;
const text = readFileSync(TABLE, 'utf8');
const facts = JSON.parse(readFileSync(`${SYN}mac-studio-like-ifmib-facts.json`, 'utf8')) as unknown;

let sink = 0;
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

function timeSync(fn: () => unknown, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    if (fn()) sink++;
    out.push(performance.now() - s);
  }
  return out;
}

function spawnRead(): Promise<number> {
  const s = performance.now();
  return new Promise((resolve, reject) =>
    execFile('cat', [TABLE], (err, stdout) => {
      if (err) return reject(err);
      sink += parseNetwork(stdout).length;
      resolve(performance.now() - s);
    }),
  );
}

async function main(): Promise<void> {
  timeSync(() => interpretFacts(facts), 500);
  timeSync(() => parseNetwork(text), 500);
  const inproc: number[] = [];
  const parse: number[] = [];
  const spawn: number[] = [];
  for (let round = 0; round < 100; round++) {
    inproc.push(...timeSync(() => interpretFacts(facts), 20));
    parse.push(...timeSync(() => parseNetwork(text), 20));
    spawn.push(await spawnRead());
  }
  const base = med(inproc);
  const rows: Array<[string, number]> = [
    ['addon facts → sample', base],
    ['netstat text → sample', med(parse)],
    ['spawn + read (cat stand-in)', med(spawn)],
  ];
  console.log('network: one reading of a 19-interface Mac Studio-like table (synthetic), median');
  console.log('case                           ms/reading   × addon facts');
  for (const [name, ms] of rows) console.log(`${name.padEnd(30)} ${ms.toFixed(4).padStart(10)}   ${(ms / base).toFixed(1).padStart(8)}`);
  if (sink < 0) console.log(sink);
}

await main();
