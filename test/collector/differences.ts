/**
 * The documented differences between the agent's own /metrics page and what the real OpenTelemetry
 * Collector's `prometheus` exporter serves from the same OTLP push (test/collector/otlp-prometheus.test.ts).
 * This table is the ONLY place the test takes its exceptions from, and docs/collector.md quotes it
 * (test/collector/doc.test.ts fails when the quote is stale; `node test/collector/differences.ts` prints it).
 *
 * Everything not listed here must be equal: every family's TYPE and HELP, every series name, every label
 * set, every value (as a float64).
 */
import { fileURLToPath } from 'node:url';

/** Labels the Collector puts on every series, from the resource (they are not on the agent's series). */
export const COLLECTOR_RESOURCE_LABELS = ['job', 'instance'] as const;

/**
 * Resource attributes the Collector turns into `job` and `instance` and so leaves off its `target_info`
 * (the agent's `target_info` carries them as labels).
 */
export const TARGET_INFO_MOVED = ['service_name', 'service_namespace', 'service_instance_id'] as const;

/**
 * Series whose VALUES move between the read of the agent's page and the read of the Collector's: compared
 * by name and label set only. Keyed by the Prometheus name (a fact the test also checks: each must be on
 * both pages).
 */
export const MOVING_METRICS: Readonly<Record<string, string>> = {
  silicon_agent_exports_total:
    'the agent counts an export when it has completed, so the push that carries the count is one behind the page by construction',
  process_cpu_time_seconds_total: "the agent's own CPU time, metered every 10 s by the governor: it grows while the test runs",
  process_memory_usage_bytes: "the agent's own RSS, metered every 10 s by the governor",
  silicon_agent_budget_level: 'derived from the same self-meter readings: a busy machine can move it between two reads',
};

export interface Difference {
  what: string;
  agent: string;
  collector: string;
  /** What the test checks in place of equality. */
  check: string;
}

export const DIFFERENCES: readonly Difference[] = [
  {
    what: '`job` and `instance` on every series',
    agent: 'absent (Prometheus adds them when it scrapes the agent)',
    collector: 'present on every series, `target_info` included',
    check:
      '`job` equals the agent\'s `service_name` (`service_namespace/service_name` when a namespace is set) and `instance` its `service_instance_id`, both read from the agent\'s `target_info`; then both labels are removed before comparing',
  },
  {
    what: '`target_info` labels',
    agent: `every resource attribute, ${TARGET_INFO_MOVED.map((l) => `\`${l}\``).join(', ')} included`,
    collector: `every resource attribute except ${TARGET_INFO_MOVED.map((l) => `\`${l}\``).join(', ')} (they became \`job\` and \`instance\`)`,
    check: 'those three are removed from the agent\'s `target_info` before comparing; every other resource label must be equal',
  },
  {
    what: 'labels with an empty value (`otel_scope_schema_url=""`)',
    agent: 'leaves a label out when it has no value (the meter sets no schema URL)',
    collector: 'writes `otel_scope_schema_url=""` on every series',
    check:
      'in Prometheus an empty label value is the same as no label, so labels with an empty value are removed on both pages; a schema URL with a value must be equal',
  },
  {
    what: 'number formatting',
    agent: "JavaScript's shortest round-trip form (`990818000`, `0.000005000000000032756`)",
    collector: "Go's (`9.90818e+08`, `5.000000000032756e-06`)",
    check: 'values are compared as float64, exactly (no tolerance)',
  },
  ...Object.entries(MOVING_METRICS).map(([name, why]) => ({
    what: `value of \`${name}\``,
    agent: 'the value at the moment of the read',
    collector: 'the value of the last push',
    check: `compared by name and label set only: ${why}`,
  })),
];

/** The markdown table docs/collector.md quotes, between its `differences` markers. */
export function differencesMarkdown(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| Difference | Agent `/metrics` | Collector `prometheus` exporter | What the test checks instead |',
    '| --- | --- | --- | --- |',
    ...DIFFERENCES.map((d) => `| ${cell(d.what)} | ${cell(d.agent)} | ${cell(d.collector)} | ${cell(d.check)} |`),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${differencesMarkdown()}\n`);
