/**
 * Test helper (not a test): compares one agent's /metrics page with the series the Collector's `prometheus`
 * exporter serves for that agent, allowing only the differences in ./differences.ts.
 */
import { COLLECTOR_RESOURCE_LABELS, MOVING_METRICS, TARGET_INFO_MOVED } from './differences.ts';
import { seriesKey, type Page, type Series } from './exposition.ts';

export interface Comparison {
  /** Every difference found; empty when the pages agree. */
  problems: string[];
  /** `job` and `instance` the Collector must use for this agent, from the agent's target_info. */
  job: string;
  instance: string;
  /** Series compared (moving ones included), and families. */
  series: number;
  families: string[];
  /** Series compared by name and label set only. */
  moving: number;
}

/** Labels with an empty value are the same as absent ones in Prometheus. */
function nonEmpty(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ''));
}

function without(labels: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !names.includes(k)));
}

/** The agent's target_info labels: its resource. Throws unless there is exactly one. */
export function agentResource(agent: Page): Record<string, string> {
  const ti = agent.series.filter((s) => s.name === 'target_info');
  if (ti.length !== 1) throw new Error(`the agent's page has ${ti.length} target_info series`);
  return ti[0]!.labels;
}

export function comparePages(agent: Page, collector: Page): Comparison {
  const problems: string[] = [];
  const resource = agentResource(agent);
  const name = resource.service_name ?? '';
  const job = resource.service_namespace ? `${resource.service_namespace}/${name}` : name;
  const instance = resource.service_instance_id ?? '';
  if (!name || !instance) problems.push(`the agent's target_info lacks service_name or service_instance_id: ${JSON.stringify(resource)}`);

  for (const s of collector.series)
    for (const l of COLLECTOR_RESOURCE_LABELS)
      if (!(l in s.labels)) problems.push(`Collector series without ${l}: ${seriesKey(s.name, s.labels)}`);

  const mine = collector.series.filter((s) => s.labels.instance === instance && s.labels.job === job);
  const expected = new Map<string, Series>();
  for (const s of agent.series) {
    let labels = nonEmpty(s.labels);
    if (s.name === 'target_info') labels = without(labels, TARGET_INFO_MOVED);
    expected.set(seriesKey(s.name, labels), s);
  }
  const got = new Map<string, Series>();
  for (const s of mine) got.set(seriesKey(s.name, without(nonEmpty(s.labels), COLLECTOR_RESOURCE_LABELS)), s);

  let moving = 0;
  for (const [key, a] of expected) {
    const c = got.get(key);
    if (!c) {
      problems.push(`only on the agent's page: ${key} ${a.text}`);
      continue;
    }
    if (a.name in MOVING_METRICS) {
      moving++;
      continue;
    }
    if (!Object.is(a.value, c.value)) problems.push(`value differs: ${key}: agent ${a.text}, Collector ${c.text}`);
  }
  for (const [key, c] of got) if (!expected.has(key)) problems.push(`only on the Collector's page: ${key} ${c.text}`);

  const families = [...new Set(agent.series.map((s) => s.name))].sort();
  for (const f of families) {
    const a = agent.families.get(f);
    const c = collector.families.get(f);
    if (a?.type !== c?.type) problems.push(`TYPE of ${f}: agent ${a?.type}, Collector ${c?.type}`);
    if (a?.help !== c?.help) problems.push(`HELP of ${f}: agent ${JSON.stringify(a?.help)}, Collector ${JSON.stringify(c?.help)}`);
  }
  for (const m of Object.keys(MOVING_METRICS))
    if (!families.includes(m)) problems.push(`the documented moving metric ${m} is not on the agent's page (stale differences table?)`);
  return { problems, job, instance, series: expected.size, families, moving };
}

/** The agent's page without the moving series, as one string: equal strings mean nothing compared moved. */
export function stableView(agent: Page): string {
  return agent.series
    .filter((s) => !(s.name in MOVING_METRICS))
    .map((s) => `${seriesKey(s.name, s.labels)} ${s.text}`)
    .sort()
    .join('\n');
}
