/**
 * Scrape burst (issue 12): 2,000 scrapes of /metrics, 50 at a time, against the compiled agent
 * (`npm run build`'s tsc config, as the launchd job runs it) replaying fixtures/replay/m2-ultra at its
 * recorded 1 Hz. Before the fix, 1,000 scrapes in 6 s pushed RSS from 77 to 130 MiB (over the 128 MiB
 * budget), the governor shed powermetrics samplers for minutes, and p50 was 0.4–0.6 s.
 *
 * Reports: scrape latency p50/p99/max, RSS before, peak (polled every 100 ms from /proc) and 30 s
 * after, the governor level (silicon_agent_budget_level) during and 60 s after the burst, the run-queue
 * wait of the agent's threads during the burst (/proc/<pid>/schedstat, Linux).
 *
 * Targets (docs/benchmarks.md): peak RSS under the 128 MiB default budget, governor level 0 throughout,
 * p99 ≤ 100 ms on the 2-core machine. Run: `npm run bench -- scrape-burst` (about 4 minutes).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// BURST_ROOT: measure another checkout (e.g. main, for a before/after pair in one session).
const ROOT = process.env.BURST_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const MiB = 1048576;
const SCRAPES = Number(process.env.BURST_SCRAPES ?? 2000);
const CONCURRENCY = Number(process.env.BURST_CONCURRENCY ?? 50);
const BUDGET_MIB = 128;

function compile(): string {
  const out = mkdtempSync(join(tmpdir(), 'silicon-agent-burst-'));
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/lib/tsc.js'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('tsc -p tsconfig.build.json failed');
  copyFileSync(join(ROOT, 'package.json'), join(out, 'package.json'));
  for (const d of ['node_modules', 'fixtures', 'launchd']) symlinkSync(join(ROOT, d), join(out, d));
  return join(out, 'src/cli.js');
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Nanoseconds the agent's threads spent waiting on a run queue (sum over threads). */
function runQueueWaitNs(pid: number): number {
  let sum = 0;
  try {
    for (const tid of spawnSync('ls', [`/proc/${pid}/task`], { encoding: 'utf8' }).stdout.trim().split('\n')) {
      const f = `/proc/${pid}/task/${tid}/schedstat`;
      if (existsSync(f)) sum += Number(readFileSync(f, 'utf8').split(' ')[1]);
    }
  } catch {
    /* a thread vanished mid-read */
  }
  return sum;
}

// Exactly CONCURRENCY keep-alive connections, as 50 scrapers would hold (fetch's pool opens more than
// it has requests in flight, and the agent's cap of 64 would then refuse some).
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function scrapeText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function value(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const cli = compile();
const port = await freePort();
const cfg = join(mkdtempSync(join(tmpdir(), 'silicon-agent-burst-cfg-')), 'config.json');
writeFileSync(cfg, JSON.stringify({ exporters: { otlp: { enabled: false }, prometheus: { port } } }));
const env: Record<string, string | undefined> = {};
for (const [k, v] of Object.entries(process.env)) if (!/^(NODE_OPTIONS|NODE_V8_COVERAGE|TAP|_TAPJS)/.test(k)) env[k] = v;
const child = spawn(
  process.execPath,
  ['--max-old-space-size=96', '--min-semi-space-size=2', '--max-semi-space-size=2', '--single-threaded', '--no-opt', '--v8-pool-size=1', cli, 'run', '--replay', join(ROOT, 'fixtures/replay/m2-ultra'), '--config', cfg],
  { stdio: ['ignore', 'ignore', 'ignore'], env: { ...env, SILICON_AGENT_CONFIG: '' } },
);
const pid = child.pid!;
const url = `http://127.0.0.1:${port}/metrics`;
try {
  for (let i = 0; ; i++) {
    try {
      if ((await scrapeText(url)).includes('system_memory_limit_bytes')) break;
    } catch {
      /* not listening yet */
    }
    if (i > 600) throw new Error('agent did not start');
    await sleep(100);
  }
  console.log('warming up 30 s (the replay loops at 1 Hz, the self-meter takes three 10 s windows)…');
  await sleep(30_000);
  const levelBefore = value(await scrapeText(url), 'silicon_agent_budget_level');
  const rssBefore = rssOf(pid);

  let peak = rssBefore;
  const poller = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 100);
  const waitBefore = runQueueWaitNs(pid);
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < SCRAPES) {
        next++;
        const s = performance.now();
        try {
          const text = await scrapeText(url);
          if (!text.includes('system_memory_limit_bytes')) failures++;
        } catch {
          failures++;
        }
        latencies.push(performance.now() - s);
      }
    }),
  );
  const burstMs = performance.now() - t0;
  const waitMs = (runQueueWaitNs(pid) - waitBefore) / 1e6;
  const levelDuring = value(await scrapeText(url), 'silicon_agent_budget_level');
  const levels: number[] = [];
  for (let i = 0; i < 6; i++) {
    await sleep(10_000);
    levels.push(value(await scrapeText(url), 'silicon_agent_budget_level') ?? -1);
    if (i === 2) peak = Math.max(peak, rssOf(pid));
  }
  clearInterval(poller);
  const rssAfter = rssOf(pid);
  latencies.sort((a, b) => a - b);
  const p50 = pct(latencies, 50);
  const p99 = pct(latencies, 99);
  const row = (k: string, v: string) => console.log(`${k.padEnd(34)} ${v}`);
  console.log(`\n${SCRAPES} scrapes, ${CONCURRENCY} concurrent, in ${(burstMs / 1000).toFixed(1)} s (${(SCRAPES / (burstMs / 1000)).toFixed(0)}/s); ${failures} failed`);
  row('latency p50 / p99 / max', `${p50.toFixed(1)} / ${p99.toFixed(1)} / ${latencies.at(-1)!.toFixed(1)} ms`);
  row('RSS before / peak / 60 s after', `${(rssBefore / MiB).toFixed(1)} / ${(peak / MiB).toFixed(1)} / ${(rssAfter / MiB).toFixed(1)} MiB`);
  row('governor level before / after burst', `${levelBefore} / ${levelDuring}; every 10 s for 60 s: ${levels.join(' ')}`);
  row('run-queue wait during the burst', `${waitMs.toFixed(0)} ms (agent threads, /proc schedstat)`);
  const ok = peak < BUDGET_MIB * MiB && [levelBefore, levelDuring, ...levels].every((l) => l === 0) && p99 <= 100 && failures === 0;
  row('targets (RSS < 128 MiB, level 0, p99 ≤ 100 ms)', ok ? 'met' : 'NOT met');
} finally {
  child.kill('SIGTERM');
  agent.destroy();
}
