/**
 * Every dashboard query against a real Prometheus (Debian's 2.42) that has scraped real agents,
 * through deploy/prometheus.yml itself (only the interval and the target file swapped):
 *
 *   127.0.0.1  `run --replay fixtures/replay/m2-ultra`                 (the M2 Ultra capture)
 *   127.0.0.2  `run --replay fixtures/replay/m1-pro`                   (real PSTR power and fan limits)
 *   127.0.0.3  `run --replay fixtures/synthetic/replay/fans-and-pressure` (SYNTHETIC: the fan speed,
 *              memory pressure and host CPU time, load and uptime no real capture has)
 *
 * With $node = all three nodes, every query returns at least one series. With $node = the M2 Ultra
 * alone, every query returns at least one series except those reading a metric the capture lacks,
 * listed below with the reason; the test proves each listed metric really is absent for that node,
 * so the list cannot hide a broken query.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { metric } from '../../src/dashboard/model.ts';
import { startPrometheus, startReplayAgent, waitFor, type RunningAgent } from '../helpers/prometheus.ts';
import { ROOT, dashboardQueries, grafanaRegexValue, parsePromQL, substitute } from './queries.ts';

/** Metrics the M2 Ultra replay (fixtures/replay/m2-ultra/manifest.json) cannot produce, and why. */
const M2_ULTRA_LACKS: Record<string, string> = {
  [metric('hw.host.power')]: 'its smc.txt is the M1 Ultra T-keys-only dump: no PSTR',
  [metric('hw.host.energy')]: 'no PSTR, so no system energy either',
  [metric('hw.fan.speed')]: 'no fan keys in its smc.txt',
  [metric('hw.fan.speed.limit')]: 'no fan keys in its smc.txt',
  [metric('silicon_agent.fan.target_speed')]: 'no fan keys in its smc.txt',
  [metric('silicon_agent.memory.pressure')]: 'no kern.memorystatus_vm_pressure_level line in its sysctl.txt (none was ever captured)',
  [metric('silicon_agent.app.cpu.time')]: 'its powermetrics capture has no tasks sampler',
  [metric('silicon_agent.app.gpu.time')]: 'its powermetrics capture has no tasks sampler',
  [metric('silicon_agent.app.energy_impact')]: 'its powermetrics capture has no tasks sampler',
  [metric('silicon_agent.app.disk.io')]: 'its powermetrics capture has no tasks sampler',
  [metric('silicon_agent.app.network.io')]: 'its powermetrics capture has no tasks sampler',
  [metric('system.network.packet.dropped')]: 'its network.txt is `netstat -ib` without -d: no send-queue drop column',
  ...Object.fromEntries(
    ['hw.gpu.memory.usage', 'silicon_agent.gpu.memory.allocated', 'hw.gpu.memory.limit', 'hw.gpu.memory.utilization'].map((n) => [
      metric(n),
      'no gpu.txt: no ioreg IOAccelerator capture from an M2 Ultra (the synthetic node has the real M4 one)',
    ]),
  ),
  [metric('system.disk.operation_time')]:
    'no disks.txt: no ioreg IOBlockStorageDriver capture from this machine (its iostat gives no operation time; the synthetic node has a real one)',
  ...Object.fromEntries(
    [
      'system.cpu.time',
      'system.cpu.logical.count',
      'system.cpu.physical.count',
      'silicon_agent.cpu.load_average.1m',
      'silicon_agent.cpu.load_average.5m',
      'silicon_agent.cpu.load_average.15m',
      'system.uptime',
    ].map((n) => [metric(n), 'no host.jsonl: no real os.cpus() reading from a Mac exists (the synthetic node has one)']),
  ),
};

const NODES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'] as const;
const REPLAYS = ['fixtures/replay/m2-ultra', 'fixtures/replay/m1-pro', 'fixtures/synthetic/replay/fans-and-pressure'];
/** Grafana's rendering of a multi-value selection for a regex matcher. */
const ALL_NODES = `(${NODES.map(grafanaRegexValue).join('|')})`;
const M2_ULTRA = grafanaRegexValue(NODES[0]);
/** In place of $__rate_interval: 4 × the 1 s scrape interval, as Grafana computes it. */
const RATE_INTERVAL = '4s';

const agents: RunningAgent[] = [];
t.teardown(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});
for (const [i, dir] of REPLAYS.entries()) agents.push(await startReplayAgent(ROOT, join(ROOT, dir), { host: NODES[i]! }));

/** deploy/prometheus.yml with a 1 s interval and a scratch target file; every swap must apply. */
function testConfig(dir: string): string {
  let text = readFileSync(join(ROOT, 'deploy', 'prometheus.yml'), 'utf8');
  const swaps: [RegExp, string][] = [
    [/scrape_interval: 15s/g, 'scrape_interval: 1s'],
    [/scrape_timeout: 5s/g, 'scrape_timeout: 1s'],
    [/evaluation_interval: 15s/g, 'evaluation_interval: 1s'],
    [/\/etc\/prometheus\/silicon-agent-targets\.yml/g, join(dir, 'targets.yml')],
    [/refresh_interval: 1m/g, 'refresh_interval: 1s'],
  ];
  for (const [re, to] of swaps) {
    if (!re.test(text)) throw new Error(`deploy/prometheus.yml no longer contains ${re}`);
    text = text.replace(re, to);
  }
  return text;
}

const prom = await startPrometheus(testConfig, {
  'targets.yml': `- targets: [${agents.map((a) => `'${a.address}'`).join(', ')}]\n`,
});
t.teardown(() => prom.stop());

// rate() needs two points inside its window; wait for several scrapes of every agent.
await waitFor(
  'every agent to be scraped at least 5 times',
  async () => {
    const r = await prom.query('count_over_time(up{job="silicon-agent"}[1m]) >= 5 and up == 1');
    return r.length === NODES.length ? r : undefined;
  },
  60_000,
  500,
);

const queries = dashboardQueries();

t.test('scraping went through deploy/prometheus.yml: instance is the host, without the port', async (t) => {
  const targets = await prom.targets();
  t.same(targets.map((x) => x.labels.instance).sort(), [...NODES], 'instance labels');
  for (const x of targets) t.equal(x.health, 'up', `${x.scrapeUrl}: ${x.lastError}`);
});

t.test('$node: label_values(silicon_agent_source_up, instance) lists the three nodes', async (t) => {
  const r = await prom.query(`count by (instance) (${metric('silicon_agent.source.up')})`);
  t.same(r.map((s) => s.metric.instance).sort(), [...NODES]);
});

t.test('the self-meter runs on every node: process CPU time and RSS of the agent', async (t) => {
  // The governor (src/governor.ts) meters once when `run` starts, then every 10 s (how soon after the
  // start: test/dashboard/self-meter.test.ts). The queries reading them must return data (below).
  for (const [name, labels] of [
    [metric('process.cpu.time'), ['cpu_mode', 'instance', 'job', 'silicon_agent_process']],
    [metric('process.memory.usage'), ['instance', 'job', 'silicon_agent_process']],
  ] as const) {
    const r = await prom.query(`${name}{silicon_agent_process="agent"}`);
    t.same([...new Set(r.map((s) => s.metric.instance))].sort(), [...NODES], `${name}: the agent's series on every node`);
    for (const s of r) {
      t.same(Object.keys(s.metric).filter((k) => k !== '__name__' && !k.startsWith('otel_scope')).sort(), labels, `${name}: labels`);
      t.ok(Number(s.value[1]) > 0, `${name}{instance="${s.metric.instance}",${s.metric.cpu_mode ? `cpu_mode="${s.metric.cpu_mode}"` : ''}}: ${s.value[1]} > 0`);
    }
  }
  const rss = await prom.query(`${metric('process.memory.usage')}{silicon_agent_process="agent"}`);
  for (const s of rss) t.ok(Number(s.value[1]) > 16 * 1048576, `a Node agent's RSS is more than 16 MiB: ${s.value[1]} bytes`);
});

t.test('with every node selected, every query returns at least one series', async (t) => {
  for (const q of queries) {
    const expr = substitute(q.raw, { node: ALL_NODES, rateInterval: RATE_INTERVAL });
    const r = await prom.query(expr);
    t.ok(r.length > 0, `${q.row} / ${q.panel} / ${q.refId}: ${r.length} series`, { expr });
    for (const s of r) t.ok(Number.isFinite(Number(s.value[1])), `${q.panel}/${q.refId}: finite value`, { s });
  }
});

t.test('fleet table: one line per node (each column is keyed by instance alone)', async (t) => {
  for (const q of queries.filter((x) => x.panelType === 'table')) {
    const r = await prom.query(substitute(q.raw, { node: ALL_NODES, rateInterval: RATE_INTERVAL }));
    for (const s of r) t.same(Object.keys(s.metric), ['instance'], `${q.refId}: labels`);
    t.equal(new Set(r.map((s) => s.metric.instance)).size, r.length, `${q.refId}: at most one value per node`);
  }
});

t.test('the M2 Ultra capture alone: every query has data, except where the capture lacks the metric', async (t) => {
  for (const [name, why] of Object.entries(M2_ULTRA_LACKS)) {
    const r = await prom.query(`${name}{instance="${NODES[0]}"}`);
    t.equal(r.length, 0, `${name} is absent for the M2 Ultra (${why})`);
    const elsewhere = await prom.query(`${name}{instance=~"${ALL_NODES}"}`);
    t.ok(elsewhere.length > 0, `${name} is present for another node, so its queries are proven there`);
  }
  const empty: string[] = [];
  for (const q of queries) {
    const expr = substitute(q.raw, { node: M2_ULTRA, rateInterval: RATE_INTERVAL });
    const r = await prom.query(expr);
    const lacking = parsePromQL(expr).metrics.filter((m) => m in M2_ULTRA_LACKS);
    if (lacking.length === 0) {
      t.ok(r.length > 0, `${q.row} / ${q.panel} / ${q.refId}: ${r.length} series`, { expr });
    } else {
      t.equal(r.length, 0, `${q.panel}/${q.refId} reads ${lacking.join(', ')}: empty for the M2 Ultra`);
      empty.push(`${q.panel}/${q.refId}`);
    }
  }
  t.comment(`queries the M2 Ultra capture leaves empty (proven above on the other nodes): ${empty.join('; ')}`);
});

t.test('"fullest first": every sort_desc() query returns its series in descending order, one per node in the fleet panel', async (t) => {
  const sorted = queries.filter((q) => q.raw.startsWith('sort_desc('));
  t.ok(sorted.length >= 2, `${sorted.length} sorted queries`);
  for (const q of sorted) {
    const r = await prom.query(substitute(q.raw, { node: ALL_NODES, rateInterval: RATE_INTERVAL }));
    const values = r.map((s) => Number(s.value[1]));
    t.ok(values.length > 0, `${q.panel}: ${values.length} series`);
    t.same(values, [...values].sort((a, b) => b - a), `${q.panel}: ${values.join(' ≥ ')}`);
    if (q.row.startsWith('Fleet')) t.equal(new Set(r.map((s) => s.metric.instance)).size, r.length, `${q.panel}: one volume per node`);
  }
});

t.test('GPU memory and disk panels carry the captures\' values (the synthetic node\'s real ioreg and sysctl lines)', async (t) => {
  const node = grafanaRegexValue(NODES[2]);
  const one = async (expr: string): Promise<number> => {
    const r = await prom.query(substitute(expr, { node, rateInterval: RATE_INTERVAL }));
    t.equal(r.length, 1, `one series: ${expr}`);
    return Number(r[0]?.value[1]);
  };
  const byTitle = (title: string, refId = 'A'): string => queries.find((q) => q.panel === title && q.refId === refId)!.raw;
  // M4 capture: "In use system memory"=430571520; iogpu.wired_limit_mb: 26000 -> 26000 (MiB).
  t.equal(await one(byTitle('GPU memory used vs limit per node', 'A')), 430571520, 'in use: the M4 capture\'s "In use system memory"');
  t.equal(await one(byTitle('GPU memory used vs limit per node', 'B')), 26000 * 1048576, 'wired limit: iogpu.wired_limit_mb 26000 MiB');
  t.equal(await one(byTitle('GPU memory utilization per node')), 430571520 / (26000 * 1048576), 'utilization: in use ÷ limit');
  // AP1024Z capture: Total Time (Reads) 3698579261481 ns; the one-shot file repeats, so no operation in the window: 0, not NaN.
  const latency = await prom.query(substitute(byTitle('Disk latency'), { node, rateInterval: RATE_INTERVAL }));
  t.same(latency.map((s) => [s.metric.system_device, s.metric.disk_io_direction, Number(s.value[1])]).sort(), [
    ['disk0', 'read', 0],
    ['disk0', 'write', 0],
  ], 'an idle disk reads 0 s, per direction');
  t.equal(await one(`${metric('system.disk.operation_time')}{instance=~"$node",disk_io_direction="read"}`), 3698.579261481, 'read time in seconds');
});
