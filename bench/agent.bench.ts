/**
 * Steady-state cost of the agent: `silicon-agent run --replay fixtures/replay/m2-ultra` with every
 * source at 1 Hz, exporting OTLP/HTTP protobuf every 10 s to a local receiver (and serving /metrics),
 * started with the Node flags of the launchd job (read from launchd/io.silicon-agent.plist.json, the
 * one source of truth; `npm start` uses the same). After a 15 s start-up, CPU is measured in
 * consecutive 60 s windows: % of one core = CPU seconds ÷ wall seconds × 100. On Linux from every
 * thread's /proc/<pid>/task/<tid>/schedstat (nanoseconds; split into the JS main thread, V8's workers
 * and libuv's pool), elsewhere from `ps` (agent and descendants; in replay there are none).
 *
 * Warm-up, then steady state. V8 optimizes a function (Maglev; TurboFan is off) after about 400
 * calls, so code that runs once a second is optimized only ~7 minutes in; until then V8 is still
 * compiling and the agent runs partly unoptimized code (docs/benchmarks.md, "Agent steady state").
 * The first 7 windows (15–435 s) are reported one by one as the warm-up; the 5 windows after them
 * are the steady state, reported as mean and max. RSS is sampled every second over all windows.
 * Targets (issue 5): steady state ≤ 0.3 % of one core, RSS ≤ 90 MiB.
 *
 * Two builds, one after the other in the same run:
 *  - `compiled`: what production runs — `tsc -p tsconfig.build.json` (the `npm run build` config)
 *    emitted into a temp dir, started as `<dir>/src/cli.js` (the launchd job runs dist/src/cli.js);
 *  - `.ts`: the TypeScript sources through Node's built-in type stripping (`npm start` in a checkout),
 *    one window after the start-up (its RSS is the point: Node's TypeScript stripper).
 *
 * The agent's own log is read too: any `over budget: degrading` line (the governor stepping down
 * fidelity) is counted and reported, since at steady state it must not happen.
 *
 * Env: AGENT_BENCH_SECONDS (window, default 60), AGENT_BENCH_STARTUP (default 15),
 * AGENT_BENCH_WARMUP_WINDOWS (default 7), AGENT_BENCH_WINDOWS (steady-state windows, default 5),
 * AGENT_BENCH_BUILD=js|ts to run only one build, AGENT_BENCH_ALL_SOURCES=1 for every source (below),
 * AGENT_BENCH_EXTRA_FLAGS for more Node flags (a CPU profile: `--cpu-prof --cpu-prof-dir=DIR`),
 * AGENT_BENCH_REPLAY=m1-pro for the bundled M1 Pro folder instead of m2-ultra (its powermetrics stream
 * carries the tasks sampler's per-app rows: the agent with tasks on, issue 15). Run:
 * `npm run bench -- agent` (about 14 minutes).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultChildReader } from '../src/selfmeter.ts';

const WINDOW_S = Number(process.env.AGENT_BENCH_SECONDS ?? 60);
const STARTUP_S = Number(process.env.AGENT_BENCH_STARTUP ?? 15);
const WARMUP_WINDOWS = Number(process.env.AGENT_BENCH_WARMUP_WINDOWS ?? 7);
const WINDOWS = Number(process.env.AGENT_BENCH_WINDOWS ?? 5);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * AGENT_BENCH_ALL_SOURCES=1: every source on (issue 14): the five above at 1 Hz as always, the others at
 * their default intervals (host, gpu and disks 5 s, network 10 s, filesystems 30 s). The bundled m2-ultra folder has no host, gpu
 * or disks file (no real capture of them from that machine exists), so a temporary folder adds the
 * SYNTHETIC folder fixtures/synthetic/replay/fans-and-pressure's host.jsonl, gpu.txt and disks.txt
 * (synthetic host readings; real M4 IOAccelerator and AP1024Z block-storage captures) to m2-ultra's.
 */
function replayFolder(): string {
  const base = join(ROOT, 'fixtures/replay', process.env.AGENT_BENCH_REPLAY ?? 'm2-ultra');
  if (process.env.AGENT_BENCH_ALL_SOURCES !== '1') return base;
  const extra = join(ROOT, 'fixtures/synthetic/replay/fans-and-pressure');
  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-bench-all-sources-'));
  cpSync(base, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8')) as { sources: Record<string, unknown>; note?: string };
  const other = JSON.parse(readFileSync(join(extra, 'manifest.json'), 'utf8')) as { sources: Record<string, unknown> };
  for (const [name, file] of [['host', 'host.jsonl'], ['gpu', 'gpu.txt'], ['disks', 'disks.txt']] as const) {
    cpSync(join(extra, file), join(dir, file));
    manifest.sources[name] = other.sources[name];
  }
  manifest.note = `bench composite: ${process.env.AGENT_BENCH_REPLAY ?? 'm2-ultra'} plus host, gpu and disks from the SYNTHETIC fans-and-pressure folder. ${manifest.note ?? ''}`;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}
const REPLAY = replayFolder();
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

/**
 * CPU seconds of each live thread (Linux only; empty elsewhere), from /proc/<pid>/task/<tid>/schedstat
 * (nanoseconds on the CPU: the 10 ms ticks of /proc/<pid>/stat are ~3 % of a 60 s window at 0.3 %).
 */
function threadCpu(pid: number): Map<number, { name: string; s: number }> {
  const out = new Map<number, { name: string; s: number }>();
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return out;
  for (const tid of readdirSync(dir)) {
    try {
      const name = readFileSync(`${dir}/${tid}/comm`, 'utf8').trim();
      const ns = Number(readFileSync(`${dir}/${tid}/schedstat`, 'utf8').split(' ')[0]);
      out.set(Number(tid), { name, s: ns / 1e9 });
    } catch {
      // the thread ended between listing and reading
    }
  }
  return out;
}

/** CPU seconds per thread kind between two readings (threads that started in between count from 0). */
function byKind(a: Map<number, { name: string; s: number }>, b: Map<number, { name: string; s: number }>, mainTid: number): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const [tid, t] of b) {
    const kind = tid === mainTid ? 'JS main thread' : t.name;
    kinds.set(kind, (kinds.get(kind) ?? 0) + t.s - (a.get(tid)?.s ?? 0));
  }
  return kinds;
}

// A local OTLP receiver: counts requests and bytes, answers 200 with an empty protobuf response.
// It keeps idle connections open for 60 s like the Collector's OTLP/HTTP receiver (confighttp's
// server keepalive idle_timeout defaults to 1 minute), not Node's 5 s: with 5 s, every export 10 s
// apart opened a new TCP connection here although it reuses one against a real Collector.
let requests = 0;
let bytes = 0;
const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  req.on('data', (c: Buffer) => (bytes += c.length));
  req.on('end', () => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const port = (server.address() as { port: number }).port;

/** AGENT_BENCH_EXTRA_FLAGS: more Node flags after the production ones, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a run. */
const EXTRA_FLAGS = (process.env.AGENT_BENCH_EXTRA_FLAGS ?? '').split(/\s+/).filter(Boolean);
const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-bench-'));
const configFile = join(dir, 'config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    sources: Object.fromEntries(['powermetrics', 'iostat', 'vm_stat', 'sysctl', 'smc'].map((n) => [n, { intervalMs: 1000 }])),
    exporters: { otlp: { endpoint: `http://127.0.0.1:${port}`, intervalMs: 10_000 }, prometheus: { port: 0 } },
    // A profiled run: the profiler's own thread costs ~3 % of a core, which would make the governor degrade.
    ...(EXTRA_FLAGS.some((f) => f.startsWith('--cpu-prof')) ? { budget: { cpuPercent: 100 } } : {}),
  }),
);
const FLAGS = productionFlags();

/** `production`: the build the targets are about (the other is reported for comparison). */
async function measure(label: string, cli: string, warmupWindows: number, windows: number, production: boolean): Promise<void> {
  const env: Record<string, string | undefined> = { ...process.env, SILICON_AGENT_CONFIG: '', SILICON_AGENT_LOG_LEVEL: 'warn' };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [...FLAGS, ...EXTRA_FLAGS, cli, 'run', '--replay', REPLAY, '--config', configFile], {
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

  await sleep(STARTUP_S * 1000);
  const total = warmupWindows + windows;
  console.log(`agent CPU and RSS, ${label}: node ${FLAGS.join(' ')} ${cli.replace(ROOT, '')} run --replay ${REPLAY.startsWith(ROOT) ? REPLAY.slice(ROOT.length) : `${REPLAY} (every source: ${process.env.AGENT_BENCH_REPLAY ?? 'm2-ultra'} plus the synthetic host, gpu and disks)`}`);
  console.log(
    `  powermetrics, iostat, vm_stat, sysctl and smc at 1 Hz${process.env.AGENT_BENCH_ALL_SOURCES === '1' ? ', host, network, filesystems, gpu and disks at their defaults (5, 10, 30, 5, 5 s)' : ''}, OTLP every 10 s; ${STARTUP_S} s start-up, ${warmupWindows} warm-up and ${windows} steady-state window(s) of ${WINDOW_S} s; load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  );
  const cpuPct: number[] = [];
  const rss: number[] = [];
  const req0 = requests;
  const bytes0 = bytes;
  for (let w = 0; w < total; w++) {
    const th0 = threadCpu(pid);
    const a = await usage();
    const t0 = performance.now();
    for (let i = 0; i < WINDOW_S; i++) {
      await sleep(1000);
      rss.push((await usage()).rssBytes);
    }
    const b = await usage();
    const th1 = threadCpu(pid);
    const wallS = (performance.now() - t0) / 1000;
    const pct = (s: number) => (s / wallS) * 100;
    const from = STARTUP_S + w * WINDOW_S;
    let line: string;
    if (th1.size > 0) {
      // Linux: nanosecond thread times (all threads of the agent; in replay it has no children).
      const kinds = byKind(th0, th1, pid);
      const all = [...kinds.values()].reduce((x, y) => x + y, 0);
      cpuPct.push(pct(all));
      line = `${pct(all).toFixed(3)} % (${[...kinds].filter(([, s]) => s > 0).map(([n, s]) => `${n} ${pct(s).toFixed(3)} %`).join(', ')})`;
    } else {
      const cpuS = b.userS + b.systemS - (a.userS + a.systemS);
      cpuPct.push(pct(cpuS));
      line = `${pct(cpuS).toFixed(2)} % (ps, 10 ms resolution)`;
    }
    console.log(`  CPU ${from}–${from + WINDOW_S} s${w < warmupWindows ? ' (warm-up)' : ''}: ${line}`);
  }
  const load = loadavg();
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];

  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  const warm = cpuPct.slice(0, warmupWindows);
  const steady = cpuPct.slice(warmupWindows);
  const exports = requests - req0;
  const span = (from: number, n: number) => `${STARTUP_S + from * WINDOW_S}–${STARTUP_S + (from + n) * WINDOW_S} s`;
  if (warm.length > 0) console.log(`  CPU warm-up (${span(0, warm.length)}): mean ${mean(warm).toFixed(3)} %, first window ${warm[0]!.toFixed(3)} % of one core`);
  if (steady.length > 0)
    console.log(
      `  CPU ${warm.length > 0 ? 'steady state' : 'one window, V8 still warming up'} (${span(warm.length, steady.length)}): mean ${mean(steady).toFixed(3)} %, max ${Math.max(...steady).toFixed(3)} % of one core${production && warm.length > 0 ? ' (target ≤ 0.3 %)' : ''}`,
    );
  console.log(`  RSS: mean ${(mean(rss) / MiB).toFixed(1)} MiB, max ${(Math.max(...rss) / MiB).toFixed(1)} MiB${production ? ' (target ≤ 90 MiB)' : ' (not the target: Node\'s TypeScript stripper)'}`);
  console.log(`  exports received: ${exports} (${Math.round((bytes - bytes0) / Math.max(1, exports))} bytes each); load average at end ${load.map((x) => x.toFixed(2)).join(' ')}; exit code ${code}`);
  console.log(`  governor: ${degrades} "over budget: degrading" line(s)${degrades ? `: ${seen.join(' | ')}` : ''}`);
}

const only = process.env.AGENT_BENCH_BUILD;
if (only !== 'ts') await measure('compiled (production: npm run build, as the launchd job runs it)', compile(), WARMUP_WINDOWS, WINDOWS, true);
if (only !== 'js') await measure('.ts sources (npm start in a checkout: Node type stripping)', join(ROOT, 'src/cli.ts'), 0, 1, false);
server.close();
