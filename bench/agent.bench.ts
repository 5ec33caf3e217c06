/**
 * Steady-state cost of the agent: `silicon-agent run --replay fixtures/replay/m2-ultra` with every
 * source at 1 Hz, exporting OTLP/HTTP protobuf every 10 s to a local receiver (and serving /metrics),
 * started with the Node flags of the launchd job (read from launchd/io.silicon-agent.plist.json, the
 * one source of truth; `npm start` uses the same). After a warm-up, CPU time of the agent process
 * and its descendants (in replay there are none; they would count) is read from /proc/<pid>/stat (or
 * ps on macOS) at the start and the end of a 60 s window: % of one core = CPU seconds ÷ wall seconds
 * × 100. RSS is sampled every second; reported: mean and max. On Linux the CPU is also split by
 * thread (the JS main thread, V8's worker threads, libuv's pool) from /proc/<pid>/task.
 * Targets (issue 5): ≤ 0.3 % of one core, RSS ≤ 90 MiB.
 *
 * Two builds, one after the other in the same run:
 *  - `compiled`: what production runs — `tsc -p tsconfig.build.json` (the `npm run build` config)
 *    emitted into a temp dir, started as `<dir>/src/cli.js` (the launchd job runs dist/src/cli.js);
 *  - `.ts`: the TypeScript sources through Node's built-in type stripping (`npm start` in a checkout).
 *
 * The agent's own log is read too: any `over budget: degrading` line (the governor stepping down
 * fidelity) is counted and reported, since at steady state it must not happen.
 *
 * Env: AGENT_BENCH_SECONDS (default 60), AGENT_BENCH_WARMUP (default 15), AGENT_BENCH_BUILD=js|ts to
 * run only one build. Run: `npm run bench -- agent`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultChildReader } from '../src/selfmeter.ts';

const WINDOW_S = Number(process.env.AGENT_BENCH_SECONDS ?? 60);
const WARMUP_S = Number(process.env.AGENT_BENCH_WARMUP ?? 15);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPLAY = join(ROOT, 'fixtures/replay/m2-ultra');
const MiB = 1048576;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Node flags between the node binary and the entry point in the launchd job template. */
function productionFlags(): string[] {
  const job = JSON.parse(readFileSync(join(ROOT, 'launchd/io.silicon-agent.plist.json'), 'utf8')) as { ProgramArguments: string[] };
  const args = job.ProgramArguments;
  return args.slice(args.indexOf('{{node}}') + 1, args.indexOf('{{entry}}'));
}

/** `npm run build` (tsconfig.build.json) into a temp dir laid out like the package. */
function compile(): string {
  const out = mkdtempSync(join(tmpdir(), 'silicon-agent-build-'));
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('tsc -p tsconfig.build.json failed');
  copyFileSync(join(ROOT, 'package.json'), join(out, 'package.json'));
  for (const d of ['node_modules', 'fixtures', 'launchd']) symlinkSync(join(ROOT, d), join(out, d));
  return join(out, 'src/cli.js');
}

/** CPU seconds per thread name (Linux only; empty elsewhere). */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return out;
  for (const tid of readdirSync(dir)) {
    try {
      const s = readFileSync(`${dir}/${tid}/stat`, 'utf8');
      const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      out.set(comm, (out.get(comm) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // the thread ended between listing and reading
    }
  }
  return out;
}

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
const FLAGS = productionFlags();

async function measure(label: string, cli: string): Promise<void> {
  const env: Record<string, string | undefined> = { ...process.env, SILICON_AGENT_CONFIG: '', SILICON_AGENT_LOG_LEVEL: 'warn' };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [...FLAGS, cli, 'run', '--replay', REPLAY, '--config', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  let degrades = 0;
  const seen: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    for (const line of text.split('\n')) {
      if (line.includes('over budget: degrading')) {
        degrades++;
        seen.push(line);
      } else if (line.trim() && !line.includes('REPLAY MODE')) process.stderr.write(line + '\n');
    }
  });
  const pid = child.pid!;
  const read = defaultChildReader();
  const usage = async () => {
    const r = (await read([pid])).get(pid);
    if (!r) throw new Error('agent exited');
    return r;
  };

  await sleep(WARMUP_S * 1000);
  const th0 = threadCpu(pid);
  const a = await usage();
  const t0 = performance.now();
  const req0 = requests;
  const bytes0 = bytes;
  const rss: number[] = [];
  for (let i = 0; i < WINDOW_S; i++) {
    await sleep(1000);
    rss.push((await usage()).rssBytes);
  }
  const b = await usage();
  const th1 = threadCpu(pid);
  const wallS = (performance.now() - t0) / 1000;
  const cpuS = b.userS + b.systemS - (a.userS + a.systemS);
  const load = loadavg();
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];

  const pct = (s: number) => ((s / wallS) * 100).toFixed(2);
  const mean = rss.reduce((x, y) => x + y, 0) / rss.length;
  const max = Math.max(...rss);
  const exports = requests - req0;
  console.log(`agent steady state, ${label}: node ${FLAGS.join(' ')} ${cli.replace(ROOT, '')} run --replay fixtures/replay/m2-ultra`);
  console.log(`  all sources at 1 Hz, OTLP every 10 s; ${WARMUP_S} s warm-up, ${wallS.toFixed(1)} s window; load average ${load.map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`  CPU: ${cpuS.toFixed(2)} s over ${wallS.toFixed(1)} s = ${pct(cpuS)} % of one core (target ≤ 0.3 %)`);
  if (th1.size > 0) {
    const byKind = new Map<string, number>();
    for (const [name, s] of th1) byKind.set(name, (byKind.get(name) ?? 0) + s - (th0.get(name) ?? 0));
    console.log(`  CPU by thread: ${[...byKind].filter(([, s]) => s > 0).map(([n, s]) => `${n} ${pct(s)} %`).join(', ')}`);
  }
  console.log(`  RSS: mean ${(mean / MiB).toFixed(1)} MiB, max ${(max / MiB).toFixed(1)} MiB (target ≤ 90 MiB)`);
  console.log(`  exports received in the window: ${exports} (${Math.round((bytes - bytes0) / Math.max(1, exports))} bytes each); exit code ${code}`);
  console.log(`  governor: ${degrades} "over budget: degrading" line(s)${degrades ? `: ${seen.join(' | ')}` : ''}`);
}

const only = process.env.AGENT_BENCH_BUILD;
if (only !== 'ts') await measure('compiled (production: npm run build, as the launchd job runs it)', compile());
if (only !== 'js') await measure('.ts sources (npm start in a checkout: Node type stripping)', join(ROOT, 'src/cli.ts'));
server.close();
