/**
 * End-to-end golden files, node_exporter style: each bundled replay folder (fixtures/replay/<name>)
 * goes through the real parsers, the real store (with the production plausibility filter), the
 * real catalog, the real OTel SDK collection and the real Prometheus text serializer, and the
 * whole /metrics text is compared with test/golden/<name>.prom.
 *
 * Deterministic by construction: no timers and no replay sources. Every file is fed exactly once,
 * synchronously, cut into the same units the replay sources push (one plist document, one iostat
 * row with its headers; vm_stat and sysctl whole, as a poll reads them), with the same status
 * transitions (starting, running at the first sample). The store's clock is fixed, so nothing goes
 * stale; no self-meter or governor runs, so there are no process CPU/RSS series (their values
 * change on every run and machine) and the budget level stays 0. The series of each metric family
 * are sorted (families stay in catalog order), so a change in iteration order alone is no diff.
 *
 * Normalized after serialization, because they describe the machine or the release running the
 * test, not the capture: in target_info `host.name` (this host), `service.instance.id` (a UUID of
 * service name + host name), `host.arch` (this machine's arch: x64 in CI, arm64 on a Mac) and
 * `service.version` (package.json); `otel_scope_version` on every series (package.json too). They
 * are replaced by placeholders, not removed, so the golden still shows that they are there.
 *
 * Regenerate with `UPDATE_GOLDEN=1 npx tap test/golden/golden.test.ts`. A diff in a golden file is a change in
 * what every user scrapes: read it line by line before accepting it (a unit suffix, a label, a
 * value that moved by a factor of 1000, a series that appeared or vanished) and say in the commit
 * why each changed line is right.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import t from 'tap';
import { replayFacts } from '../../src/commands/run.ts';
import { ConfigSchema } from '../../src/config.ts';
import { buildResource } from '../../src/export/resource.ts';
import { packageVersion } from '../../src/package-root.ts';
import type { AnyModule, BaseSourceConfig } from '../../src/modules/module.ts';
import { createPlausibilityFilter } from '../../src/plausibility.ts';
import { MODULES } from '../../src/registry.ts';
import type { ParseError, BaseSample as Sample } from '../../src/samples.ts';
import { readManifest } from '../../src/sources/replay.ts';
import type { SourceSink } from '../../src/sources/source.ts';
import { pipeline, type Pipeline } from '../helpers/pipeline.ts';

const REPLAY_ROOT = new URL('../../fixtures/replay/', import.meta.url).pathname;
const GOLDEN_DIR = new URL('./', import.meta.url).pathname;
const FOLDERS = ['m2-ultra', 'm1-pro'];
const FIXED_NOW_MS = Date.UTC(2025, 0, 1);

/** Feed one source's results into its sink the way the replay and poll sources do. */
function deliver(sink: SourceSink, results: Array<Sample | ParseError>): void {
  let running = false;
  for (const r of results) {
    if (r.type !== 'error' && !running) {
      running = true;
      sink.status({ state: 'running' });
    }
    sink.result(r);
  }
}

/** One source's replay file, once, through its module's parser, as the replay sources play it. */
function resultsOf(m: AnyModule, buf: Buffer, intervalMs: number, manifest: ReturnType<typeof readManifest>): Array<Sample | ParseError> {
  const mode = m.replay.mode;
  const ctx = {
    ...m.replay.context?.(manifest.sources[m.name], intervalMs),
    ...(manifest.model ? { hwModel: manifest.model } : {}),
    // as a poll source's reading one interval after the one before (the SMC integrates energy over it)
    sincePreviousS: intervalMs / 1000,
  };
  const parser = m.parser(ctx);
  const units = mode.kind === 'stream' ? mode.units(buf) : [mode.transform ? mode.transform(buf) : buf];
  return [...units.flatMap((u) => parser.push(u)), ...parser.end()];
}

/** Every file of a replay folder, once, into the pipeline. */
function replayInto(p: Pipeline, dir: string): void {
  const manifest = readManifest(dir);
  const sources = ConfigSchema.parse({}).sources as Record<string, BaseSourceConfig>;
  for (const m of MODULES as readonly AnyModule[]) {
    const file = join(dir, m.replay.file);
    if (!existsSync(file)) continue;
    const intervalMs = sources[m.name]!.intervalMs;
    const sink = p.sink(m.name, intervalMs);
    sink.status({ state: 'starting' });
    deliver(sink, resultsOf(m, readFileSync(file), intervalMs, manifest));
  }
}

/** The /metrics text of a replay folder, before normalization. */
async function scrape(dir: string): Promise<string> {
  const p = pipeline({ now: () => FIXED_NOW_MS, filters: [createPlausibilityFilter()] });
  replayInto(p, dir);
  const config = ConfigSchema.parse({});
  const { facts, platform } = replayFacts(dir);
  const resource = buildResource({ resource: config.resource, facts, ...(platform ? { platform } : {}), replayDir: dir });
  return p.scrape({ resource, version: packageVersion() }); // the same text a scrape gets, without the socket
}

const VOLATILE_TARGET_LABELS = ['host_name', 'service_instance_id', 'host_arch', 'service_version'];

/** Placeholders for what belongs to the test machine or release, and sorted series per family. */
function normalize(text: string): string {
  const version = packageVersion();
  const out: string[] = [];
  let series: string[] = [];
  const flush = () => {
    out.push(...series.sort());
    series = [];
  };
  for (let line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      flush();
      out.push(line);
      continue;
    }
    line = line.replaceAll(`otel_scope_version="${version}"`, 'otel_scope_version="<version>"');
    if (line.startsWith('target_info{'))
      for (const l of VOLATILE_TARGET_LABELS) line = line.replace(new RegExp(`\\b${l}="(?:[^"\\\\]|\\\\.)*"`), `${l}="<${l}>"`);
    series.push(line);
  }
  flush();
  return out.join('\n') + '\n';
}

/** `name{labels} value` → value, for the lines asserted against the raw captures. */
function valueOf(text: string, series: string): number | undefined {
  const prefix = `${series} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

const scraped = new Map<string, string>();
async function goldenText(name: string): Promise<string> {
  let text = scraped.get(name);
  if (text === undefined) scraped.set(name, (text = normalize(await scrape(join(REPLAY_ROOT, name)))));
  return text;
}

for (const name of FOLDERS) {
  t.test(`${name}: /metrics equals test/golden/${name}.prom`, async (t) => {
    const text = await goldenText(name);
    const file = join(GOLDEN_DIR, `${name}.prom`);
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(file, text);
      t.comment(`wrote ${file}: read the diff line by line before committing it`);
    }
    t.ok(existsSync(file), `${basename(file)} exists (UPDATE_GOLDEN=1 writes it)`);
    const golden = existsSync(file) ? readFileSync(file, 'utf8') : '';
    // Compared line by line so that a failure names the first lines that differ, not two walls of text.
    const got = text.split('\n');
    const want = golden.split('\n');
    const scrapedNotInGolden = got.filter((l) => !want.includes(l)).slice(0, 10);
    const goldenNotScraped = want.filter((l) => !got.includes(l)).slice(0, 10);
    t.same({ scrapedNotInGolden, goldenNotScraped }, { scrapedNotInGolden: [], goldenNotScraped: [] }, 'no line added, removed or changed');
    t.equal(text, golden, 'the whole text, order included');
  });

  t.test(`${name}: every series is unique and every family has HELP and TYPE`, async (t) => {
    const text = await goldenText(name);
    const seen = new Set<string>();
    const dups: string[] = [];
    const typed = new Set<string>();
    for (const line of text.split('\n')) {
      if (line.startsWith('# TYPE ')) typed.add(line.split(' ')[2]!);
      if (line === '' || line.startsWith('#')) continue;
      const key = line.slice(0, line.lastIndexOf(' '));
      if (seen.has(key)) dups.push(key);
      seen.add(key);
      const metric = key.replace(/\{.*$/, '');
      if (!typed.has(metric)) dups.push(`${metric} has no TYPE line before it`);
    }
    t.same(dups, [], 'no duplicate series');
  });
}

// A handful of lines against numbers read by eye from the raw capture files (not computed by the code).
const SCOPE = 'otel_scope_name="silicon-agent",otel_scope_version="<version>",otel_scope_schema_url="https://opentelemetry.io/schemas/1.44.0"';

t.test('m2-ultra: lines match the raw capture', async (t) => {
  const text = await goldenText('m2-ultra');
  const v = (s: string) => valueOf(text, s);
  // powermetrics.plist, one document: <key>cpu_energy</key> <integer>855</integer> (mJ)
  t.equal(v(`hw_energy_joules_total{hw_id="cpu",hw_type="cpu",${SCOPE}}`), 0.855);
  // <key>gpu_energy</key> <integer>72607</integer> (the processor dict's, mJ)
  t.equal(v(`hw_energy_joules_total{hw_id="gpu",hw_type="gpu",${SCOPE}}`), 72.607);
  // cpu + gpu + ane energy: 855 + 72607 + 0 mJ
  t.equal(v(`silicon_agent_soc_energy_joules_total{${SCOPE}}`), 73.462);
  // elapsed_ns 1023721416: power = energy / elapsed (<key>cpu_power</key> <real>835.188</real> mW agrees)
  t.equal(v(`hw_power_watts{hw_id="cpu",hw_type="cpu",${SCOPE}}`), 0.855 / 1.023721416);
  // the gpu dict: <key>freq_hz</key><real>1360.85</real> is MHz
  t.equal(v(`silicon_agent_gpu_frequency_hertz{${SCOPE}}`), 1360.85e6);
  // the first cluster: <key>name</key><string>E0-Cluster</string> ... <key>freq_hz</key><real>9.90818e+08</real> (Hz)
  t.equal(v(`silicon_agent_cpu_cluster_frequency_hertz{silicon_agent_cpu_cluster="E0",silicon_agent_cpu_kind="E",silicon_agent_die="0",${SCOPE}}`), 990818000);
  // <key>thermal_pressure</key><string>Nominal</string>
  t.equal(v(`silicon_agent_thermal_pressure{${SCOPE}}`), 0);
  // sysctl.txt: hw.memsize: 137438953472
  t.equal(v(`system_memory_limit_bytes{${SCOPE}}`), 137438953472);
  // vm_stat.txt: "Pages free: 39656." at "page size of 16384 bytes"
  t.equal(v(`silicon_agent_memory_pages_bytes{silicon_agent_memory_page_state="free",${SCOPE}}`), 39656 * 16384);
  // vm_stat.txt: "Translation faults": 593951200.
  t.equal(v(`system_paging_faults_total{${SCOPE}}`), 593951200);
  // iostat.txt (-w 2): disk0 tps 40 (since boot, not counted), then 2, 13, 1, 13
  t.equal(v(`system_disk_operations_total{system_device="disk0",${SCOPE}}`), (2 + 13 + 1 + 13) * 2);
  // smc.txt: TCMb [flt ] (bytes aa e5 3c 42)
  t.equal(
    v(`hw_temperature_celsius{hw_id="TCMb",hw_name="CPU die average",hw_sensor_location="cpu_die",hw_type="temperature",${SCOPE}}`),
    Buffer.from([0xaa, 0xe5, 0x3c, 0x42]).readFloatLE(0),
  );
});

t.test('m1-pro: lines match the raw capture', async (t) => {
  const text = await goldenText('m1-pro');
  const v = (s: string) => valueOf(text, s);
  // powermetrics.plist: 29 documents
  t.equal(v(`silicon_agent_samples_total{silicon_agent_source="powermetrics",${SCOPE}}`), 29);
  // smc.txt: PSTR [flt ] 8.552598 (bytes 71 d7 08 41); F0Mx 5349
  t.equal(v(`hw_host_power_watts{hw_id="host",${SCOPE}}`), Buffer.from([0x71, 0xd7, 0x08, 0x41]).readFloatLE(0));
  t.equal(v(`hw_fan_speed_limit_rpm{hw_id="fan0",hw_limit_type="max",hw_type="fan",${SCOPE}}`), 5349);
  // F0Ac 0 on a MacBookPro18,3: a laptop's fan really stops, so 0 is exported (only a Mac Studio's 0 is unavailable)
  t.equal(v(`hw_fan_speed_rpm{hw_id="fan0",hw_type="fan",${SCOPE}}`), 0);
  // sysctl.txt: vm.swapusage: total = 7168.00M  used = 6616.75M  free = 551.25M (M = MiB)
  t.equal(v(`system_paging_usage_bytes{system_paging_state="used",${SCOPE}}`), 6616.75 * 1048576);
  // the sysctl capture was filtered by `rg cpu`: no hw.memsize line, so no memory limit series
  t.equal(v(`system_memory_limit_bytes{${SCOPE}}`), undefined);
  // smc.txt: Tp02 [flt ] 8.425 is a power-gated sentinel, not a P-core at 8 °C (src/modules/smc/interpret.ts)
  t.notMatch(text, /hw_id="Tp02"/);
  t.notMatch(text, /hw_sensor_location="cpu_p"/, 'every Tp key of this M2 Max dump is a sentinel');
});
