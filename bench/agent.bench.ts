/**
 * Steady-state cost of the agent: `silicon-agent run --replay fixtures/replay/m2-ultra` with every
 * source at 1 Hz, exporting OTLP/HTTP protobuf every 10 s to a local receiver (and serving /metrics),
 * started exactly like `npm start` (node --max-old-space-size=96). After a warm-up, CPU time of the
 * agent process and its descendants (in replay there are none; they would count) is read from
 * /proc/<pid>/stat (or ps on macOS) at the start and the end of a 60 s window: % of one core =
 * CPU seconds ÷ wall seconds × 100. RSS is sampled every second; reported: mean and max.
 * Targets (issue 5): ≤ 0.3 % of one core, RSS ≤ 90 MiB.
 *
 * Env: AGENT_BENCH_SECONDS (default 60), AGENT_BENCH_WARMUP (default 15), AGENT_BENCH_BUILD=js to run
 * a tsc-compiled copy (tsc emit into a temp dir, imports rewritten to .js) instead of the .ts sources:
 * the difference is what Node's built-in type stripping (a WebAssembly module) costs at run time.
 * Run: `npm run bench -- agent`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultChildReader } from '../src/selfmeter.ts';

const WINDOW_S = Number(process.env.AGENT_BENCH_SECONDS ?? 60);
const WARMUP_S = Number(process.env.AGENT_BENCH_WARMUP ?? 15);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILD = process.env.AGENT_BENCH_BUILD === 'js' ? 'js' : 'ts';
let CLI = join(ROOT, 'src/cli.ts');
if (BUILD === 'js') {
  const out = mkdtempSync(join(tmpdir(), 'silicon-agent-js-'));
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', ROOT, '--noEmit', 'false', '--outDir', out, '--rootDir', ROOT], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('tsc emit failed');
  copyFileSync(join(ROOT, 'package.json'), join(out, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'));
  symlinkSync(join(ROOT, 'fixtures'), join(out, 'fixtures'));
  CLI = join(out, 'src/cli.js');
}
const REPLAY = fileURLToPath(new URL('../fixtures/replay/m2-ultra', import.meta.url));
const MiB = 1048576;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A local OTLP receiver: counts requests and bytes, answers 200 with an empty protobuf response.
let requests = 0;
let bytes = 0;
const server = http.createServer((req, res) => {
  req.on('data', (c: Buffer) => (bytes += c.length));
  req.on('end', () => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const port = (server.address() as { port: number }).port;

const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-bench-'));
const configFile = join(dir, 'config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    sources: Object.fromEntries(['powermetrics', 'iostat', 'vm_stat', 'sysctl', 'smc'].map((n) => [n, { intervalMs: 1000 }])),
    exporters: { otlp: { endpoint: `http://127.0.0.1:${port}`, intervalMs: 10_000 }, prometheus: { port: 0 } },
  }),
);
const env: Record<string, string | undefined> = { ...process.env, SILICON_AGENT_CONFIG: '', SILICON_AGENT_LOG_LEVEL: 'warn' };
delete env.NODE_OPTIONS;
const child = spawn(process.execPath, ['--max-old-space-size=96', CLI, 'run', '--replay', REPLAY, '--config', configFile], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env,
});
const pid = child.pid!;
const read = defaultChildReader();
async function usage() {
  const r = (await read([pid])).get(pid);
  if (!r) throw new Error('agent exited');
  return r;
}

await sleep(WARMUP_S * 1000);
const a = await usage();
const t0 = performance.now();
const req0 = requests;
const rss: number[] = [];
for (let i = 0; i < WINDOW_S; i++) {
  await sleep(1000);
  rss.push((await usage()).rssBytes);
}
const b = await usage();
const wallS = (performance.now() - t0) / 1000;
const cpuS = b.userS + b.systemS - (a.userS + a.systemS);
child.kill('SIGTERM');
const [code] = (await once(child, 'exit')) as [number | null];
server.close();

const pct = (cpuS / wallS) * 100;
const mean = rss.reduce((x, y) => x + y, 0) / rss.length;
const max = Math.max(...rss);
console.log(`agent steady state (${BUILD === 'js' ? 'tsc-compiled .js' : '.ts sources, as shipped'}): replay m2-ultra, all sources at 1 Hz, OTLP every 10 s; ${WARMUP_S} s warm-up, ${wallS.toFixed(1)} s window`);
console.log(`  CPU: ${cpuS.toFixed(2)} s over ${wallS.toFixed(1)} s = ${pct.toFixed(2)} % of one core (target ≤ 0.3 %)`);
console.log(`  RSS: mean ${(mean / MiB).toFixed(1)} MiB, max ${(max / MiB).toFixed(1)} MiB (target ≤ 90 MiB)`);
console.log(`  exports received in the window: ${requests - req0} (${Math.round(bytes / Math.max(1, requests))} bytes each on average); exit code ${code}`);
