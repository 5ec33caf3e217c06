/**
 * docs/metrics.md, generated from the catalog (`npm run docs:metrics`). A test fails when the
 * committed file differs from what this renders, so the reference can never drift from the code.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isAccumulated, type CatalogEntry } from '../catalog/types.ts';
import { prometheusLabelName, prometheusMetricName, prometheusType } from '../export/prometheus-names.ts';
import { MAX_TEMPERATURE_SERIES } from '../modules/smc/metrics.ts';
import { ATTRIBUTES, CATALOG, MODULES } from '../registry.ts';

export const METRICS_DOC = fileURLToPath(new URL('../../docs/metrics.md', import.meta.url));

/** One section per source, in registry order, then the agent's own. */
const SECTIONS: Array<[string, string]> = [...MODULES.map((m): [string, string] => [m.name, m.title]), ['agent', 'The agent itself']];

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function metricRow(m: CatalogEntry): string {
  const prom = prometheusMetricName(m.name, m.unit, m.instrument);
  const attrs = m.attributes.length ? m.attributes.map((a) => `\`${a}\``).join(', ') : '—';
  const how = isAccumulated(m) ? `${m.instrument} (summed per sample)` : m.instrument;
  return `| \`${m.name}\` | \`${prom}\` (${prometheusType(m.instrument)}) | \`${cell(m.unit)}\` | ${how} | ${attrs} | ${cell(m.description)} |`;
}

export function renderMetricsDoc(): string {
  const out: string[] = [
    '# Metrics',
    '',
    '<!-- Generated from the catalog (src/registry.ts: each module\'s metrics.ts, and src/catalog/agent.ts) by `npm run docs:metrics`; do not edit by hand (a test fails when it is stale). -->',
    '',
    `Every metric the agent exports, from the one catalog (each source module\'s \`metrics.ts\` and \`src/catalog/agent.ts\`, listed by \`src/registry.ts\`): ${CATALOG.length} metrics.`,
    'The OTel name and unit are what OTLP carries; the Prometheus name is what both the agent\'s `/metrics` endpoint and an',
    'OpenTelemetry Collector\'s Prometheus exporter (suffixes on, the default) produce for the same data, so dashboards and',
    'alerts work on either path. Updowncounters are exposed as Prometheus gauges; counters are cumulative and start at',
    'agent start unless the description says "since boot". Attribute dots become underscores in label names, and every',
    'series also carries `otel_scope_name` and `otel_scope_version`; the resource is the `target_info` series.',
    '',
    `Series budget (\`test/export/series-bound.test.ts\`): fewer than 400 per working node at the default configuration on an M3 Ultra`,
    `(32 CPUs, 6 clusters on 2 dies, ~100 sensors or a 281-key SMC), with every cap at its worst: per-sensor temperatures ${MAX_TEMPERATURE_SERIES}`,
    '(the group maximum and mean cover every sensor), 6 network interfaces, 4 volumes, 8 disks, 2 GPUs, CPU time summed by mode. Raising a cap',
    '(`maxInterfaces`, `maxVolumes`, `perCpu`) adds its series. Error series (a parse-error kind or a drop reason, per source) appear',
    'only once such an error happens and are bounded apart: at most 110 on a node in trouble. The opt-in tasks sampler adds exactly',
    '7 × (topApps + 1) series: 77 at the default top 10.',
    '',
    '## Names',
    '',
    'Names, units, instruments and enum values come from the OpenTelemetry semantic conventions wherever one fits:',
    '`test/semconv/semconv.test.ts` checks every `hw.*`, `system.*`, `process.*` metric and every non-project attribute against',
    '`@opentelemetry/semantic-conventions` 1.45.0 and the semantic-conventions model v1.44.0, and the meter carries the schema URL',
    '`https://opentelemetry.io/schemas/1.44.0`. Everything semantic conventions do not define is in the project namespace',
    '`silicon_agent.*` (Prometheus `silicon_agent_*`): the agent\'s own health and the Apple-specific readings. The `macos.*`',
    'namespace used before is not ours to own (an OS name could become a semantic-conventions namespace), so it is no longer used.',
    '',
    '### What changed (issue 16)',
    '',
    '| before | now | why |',
    '|---|---|---|',
    '| every `macos.<x>` metric and attribute (`macos_<x>` in Prometheus) | `silicon_agent.<x>` (`silicon_agent_<x>`), e.g. `silicon_agent_soc_power_watts`, `silicon_agent_thermal_pressure`, `silicon_agent.die` | the project namespace |',
    '| `macos.sensor.group` on `hw.temperature` and the group max/mean | `hw.sensor_location` (same values: `cpu_die`, `gpu`, …) | the semconv attribute for where a sensor sits |',
    '| `macos.die` on `hw.temperature` and the group max/mean | `hw.parent` = `die0` / `die1` | the semconv attribute for the enclosing component; CPU metrics keep `silicon_agent.die` = `0` / `1` |',
    '| `hw.limit_type="min"` on `hw.fan.speed.limit` | `hw.limit_type="low.degraded"` | `min` is not in the enum; a fan below the SMC minimum is degraded |',
    '| `hw.host.power`, `hw.host.energy` without attributes | `hw.id="host"` | semconv requires `hw.id` |',
    '| no schema URL | `https://opentelemetry.io/schemas/1.44.0` on the meter (`otel_scope_schema_url` label) | the version the names are checked against |',
    '',
  ];
  for (const [source, title] of SECTIONS) {
    const ms = CATALOG.filter((m) => m.source === source);
    if (ms.length === 0) continue;
    out.push(`## ${title}`, '', '| OTel name | Prometheus name | unit | instrument | attributes | description |', '|---|---|---|---|---|---|');
    for (const m of ms) out.push(metricRow(m));
    out.push('');
  }
  out.push('## Attributes', '', 'Every attribute has a bounded set of values: no per-process series, no free-form text. Where the set is closed, the values are listed (they are the constants the code writes).', '', '| attribute | Prometheus label | meaning | values |', '|---|---|---|---|');
  for (const [name, a] of Object.entries(ATTRIBUTES).sort(([x], [y]) => x.localeCompare(y)))
    out.push(`| \`${name}\` | \`${prometheusLabelName(name)}\` | ${cell(a.doc)} | ${a.values ? a.values.map((v) => `\`${v}\``).join(', ') : '—'} |`);
  out.push(
    '',
    '## Resource (`target_info`)',
    '',
    '| attribute | value |',
    '|---|---|',
    '| `service.name` | `silicon-agent` (config `resource.serviceName`; `OTEL_SERVICE_NAME` wins) |',
    '| `service.version` | the package version |',
    '| `service.instance.id` | a name-based UUID of service name + host name: stable across restarts |',
    '| `host.name`, `host.arch` | the host name; `arm64` on Apple Silicon |',
    '| `host.type` | `hw.model`, e.g. `Mac15,14` |',
    '| `host.cpu.model.name` | the chip, `machdep.cpu.brand_string`, e.g. `Apple M3 Ultra` |',
    '| `os.type`, `os.name` | `darwin`, `macOS` |',
    '| `os.version`, `os.build_id` | `kern.osproductversion` (the macOS version, e.g. `15.3.1`, never the Darwin version) and `kern.osversion` |',
    '| `silicon_agent.replay`, `silicon_agent.replay.capture` | `true` and the capture folder name, only on replayed data; nothing can remove them |',
    '| anything else | config `resource.attributes`, then `OTEL_RESOURCE_ATTRIBUTES` |',
    '',
  );
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(METRICS_DOC, renderMetricsDoc());
  process.stdout.write(`wrote ${METRICS_DOC}\n`);
}
