/**
 * Debian's real Prometheus (2.42, installed by .ci/run) scrapes the agent's /metrics every second
 * while the agent replays the bundled M2 Ultra capture (real replay sources, looping). Asserted on
 * what Prometheus stores: every series name is the catalog's Collector-style name, every gauge and
 * since-boot counter value equals the catalog applied to the capture, the energy counter equals
 * (powermetrics samples) × (the plist's cpu_energy), and target_info carries the replay resource.
 * A missing prometheus binary fails this test; it never skips.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { createAgent } from '../../src/agent.ts';
import { isAccumulated, isFallback, type CatalogEntry } from '../../src/catalog/types.ts';
import { replayFacts } from '../../src/commands/run.ts';
import { ConfigSchema } from '../../src/config.ts';
import { prometheusLabelName, prometheusMetricName } from '../../src/export/prometheus-names.ts';
import { buildResource } from '../../src/export/resource.ts';
import { memoryLogger } from '../../src/log.ts';
import type { BaseSample as Sample } from '../../src/samples.ts';
import { CATALOG, createSources } from '../../src/registry.ts';
import { readManifest } from '../../src/sources/replay.ts';
import { observeAll } from '../helpers/catalog.ts';
import { freePort, type PromSeries, waitFor } from '../helpers/prometheus.ts';
import { M2_ULTRA, readCapture } from './capture.ts';

function prometheusBinary(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function query(base: string, expr: string, time?: number): Promise<PromSeries[]> {
  const params = new URLSearchParams({ query: expr, ...(time !== undefined ? { time: String(time) } : {}) });
  const r = await fetch(`${base}/api/v1/query?${params}`);
  const body = (await r.json()) as { status: string; error?: string; data: { result: PromSeries[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

/** The catalog applied to the capture's (constant) samples: expected Prometheus series → value. */
function expectedSeries(): Map<string, number> {
  const cap = readCapture(M2_ULTRA);
  const latest: Record<string, Sample> = {};
  for (const [name, results] of Object.entries(cap))
    for (const r of results ?? []) if (r.type !== 'error') latest[name] = r;
  const points = observeAll(latest);
  const out = new Map<string, number>();
  for (const m of CATALOG) {
    // Values that stay constant while the single-document capture loops: everything observed from
    // powermetrics, vm_stat, sysctl and smc. iostat rows differ row by row; agent stats move.
    if (isAccumulated(m) || isFallback(m) || m.source === 'agent' || m.source === 'iostat') continue;
    for (const p of points.get(m.name)!) out.set(seriesKey(promName(m), labelsOf(p.attributes)), p.value);
  }
  return out;
}

const promName = (m: CatalogEntry) => prometheusMetricName(m.name, m.unit, m.instrument);
const labelsOf = (a: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [prometheusLabelName(k), String(v)]));
const seriesKey = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')}}`;
const AGENT_LABELS = new Set(['__name__', 'job', 'instance', 'otel_scope_name', 'otel_scope_version', 'otel_scope_schema_url']);

t.test('Debian Prometheus scrapes the replaying agent: names and values match the catalog and the capture', async (t) => {
  const bin = prometheusBinary();
  if (!bin) {
    t.fail('prometheus is not installed: `apt-get install -y --no-install-recommends prometheus` (.ci/run does this)');
    return;
  }
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' });
  t.match(version, /prometheus, version 2\./);

  // the agent: real replay sources, looping, Prometheus endpoint on a free loopback port, OTLP off
  const agentPort = await freePort();
  const config = ConfigSchema.parse({
    exporters: { otlp: { enabled: false }, prometheus: { host: '127.0.0.1', port: agentPort } },
  });
  const { facts, platform } = replayFacts(M2_ULTRA);
  const resource = buildResource({ resource: config.resource, facts, ...(platform ? { platform } : {}), replayDir: M2_ULTRA });
  const log = memoryLogger('warn');
  const agent = createAgent(config, {
    log,
    resource,
    sources: (c) => createSources({ sources: c.sources, replay: { dir: M2_ULTRA, manifest: readManifest(M2_ULTRA), speed: 5, loop: true }, logger: log }),
  });
  await agent.start();

  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-prom-'));
  const promPort = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 900ms',
      'scrape_configs:',
      '  - job_name: silicon-agent',
      `    static_configs: [{ targets: ["127.0.0.1:${agentPort}"] }]`,
      '',
    ].join('\n'),
  );
  const prom = execa(
    bin,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
    { reject: false, stdin: 'ignore', all: true },
  );
  const base = `http://127.0.0.1:${promPort}`;
  t.teardown(async () => {
    prom.kill('SIGTERM');
    await prom;
    rmSync(dir, { recursive: true, force: true });
    await agent.stop();
  });

  const expected = expectedSeries();
  const expectedNames = new Set([...expected.keys()].map((k) => k.slice(0, k.indexOf('{'))));
  t.ok(expectedNames.size >= 20, `capture covers ${expectedNames.size} constant metrics`);

  // wait until Prometheus has stored every expected series (smc and vm_stat arrive on their own intervals)
  const stored = await waitFor('every expected series in Prometheus', async () => {
    const all = await query(base, '{job="silicon-agent"}');
    const names = new Set(all.map((s) => s.metric.__name__));
    return [...expectedNames].every((n) => names.has(n)) && names.has('hw_energy_joules_total') ? all : undefined;
  }, undefined, 250);

  const targets = (await (await fetch(`${base}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; lastError: string }> } };
  t.same(targets.data.activeTargets.map((x) => [x.health, x.lastError]), [['up', '']], 'scrape healthy, text format accepted');

  // every stored name is a catalog name (Collector translation) or target_info / Prometheus' own
  const catalogNames = new Set(CATALOG.map(promName));
  const own = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);
  const storedNames = new Set(stored.map((s) => s.metric.__name__!));
  for (const n of storedNames) t.ok(catalogNames.has(n) || n === 'target_info' || own.has(n), `${n} comes from the catalog`);
  for (const n of ['hw_temperature_celsius', 'hw_power_watts', 'hw_energy_joules_total', 'system_cpu_frequency_hertz', 'silicon_agent_cpu_active_ratio', 'system_memory_usage_bytes', 'system_paging_usage_bytes', 'silicon_agent_thermal_pressure', 'hw_gpu_utilization_ratio'])
    t.ok(storedNames.has(n), `${n} stored`);

  // values: every constant series equals the catalog applied to the capture
  const got = new Map<string, number>();
  for (const s of stored) {
    const labels = Object.fromEntries(Object.entries(s.metric).filter(([k]) => !AGENT_LABELS.has(k)));
    got.set(seriesKey(s.metric.__name__!, labels), Number(s.value[1]));
  }
  let compared = 0;
  for (const [key, value] of expected) {
    const v = got.get(key);
    t.ok(v !== undefined && Math.abs(v - value) <= Math.abs(value) * 1e-12, `${key} = ${value} (Prometheus has ${v})`);
    compared++;
  }
  t.ok(compared >= 150, `${compared} series compared`);
  for (const s of stored)
    if (!own.has(s.metric.__name__!)) {
      t.equal(s.metric.otel_scope_name ?? (s.metric.__name__ === 'target_info' ? 'silicon-agent' : undefined), 'silicon-agent');
    }

  // the energy counter: (powermetrics samples so far) × the plist's cpu_energy, in one scrape
  const plist = readFileSync(join(M2_ULTRA, 'powermetrics.plist'), 'utf8');
  const cpuEnergyJ = Number(/<key>cpu_energy<\/key>\s*<integer>(\d+)<\/integer>/.exec(plist)![1]) / 1000;
  const E = 'hw_energy_joules_total{hw_id="cpu"}';
  const N = 'silicon_agent_samples_total{silicon_agent_source="powermetrics"}';
  const pair = await waitFor('one scrape holding both series', async () => {
    const at = Date.now() / 1000;
    const [e, n, te, tn] = await Promise.all([E, N, `timestamp(${E})`, `timestamp(${N})`].map((q) => query(base, q, at)));
    const v = (r: PromSeries[] | undefined) => (r?.[0] ? Number(r[0].value[1]) : undefined);
    const [ev, nv] = [v(e), v(n)];
    return ev !== undefined && nv !== undefined && v(te) === v(tn) ? ([ev, nv] as const) : undefined;
  }, undefined, 250);
  t.ok(pair[1] >= 1);
  t.ok(Math.abs(pair[0] - pair[1] * cpuEnergyJ) < 1e-9, `energy ${pair[0]} J = ${pair[1]} samples × ${cpuEnergyJ} J`);
  const energyType = (await (await fetch(`${base}/api/v1/metadata?metric=hw_energy_joules_total`)).json()) as { data: Record<string, Array<{ type: string }>> };
  t.equal(energyType.data.hw_energy_joules_total?.[0]?.type, 'counter');

  // the resource, as target_info
  const info = await query(base, 'target_info');
  t.equal(info.length, 1);
  t.match(info[0]!.metric, {
    service_name: 'silicon-agent',
    silicon_agent_replay: 'true',
    silicon_agent_replay_capture: 'm2-ultra',
    host_type: 'Mac14,14',
    os_version: '14.4',
    host_cpu_model_name: 'Apple M2 Ultra',
  });
});
