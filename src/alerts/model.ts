/**
 * The alert rules' model: each rule with its severity, `for:`, annotations and runbook section.
 * Like the dashboard (src/dashboard/model.ts), metric names are never typed: `metric()` looks an OTel
 * name up in the catalog; `labelOf()` checks that a metric carries an attribute and gives its label;
 * `match()` checks that a value is in the attribute's closed set. A renamed metric, attribute or value
 * therefore makes `npm run alerts` throw instead of shipping a rule that silently never fires.
 *
 * Node identity is the `instance` label on both paths (docs/dashboard.md, "Which label is the node");
 * rules join per node `on (job, instance)`.
 */
import { metric } from '../dashboard/model.ts';
import { prometheusLabelName } from '../export/prometheus-names.ts';
import { ATTRIBUTES, CATALOG } from '../registry.ts';

export type Severity = 'critical' | 'warning';

/** The runbook section of one rule (docs/runbook.md). */
export interface RunbookEntry {
  /** The threshold in words, and where the number comes from. */
  threshold: string;
  /** Why the `for:` duration is what it is. */
  whyFor: string;
  /** What the alert means on a Mac Studio node. */
  meaning: string;
  /** What to do, in order. */
  steps: readonly string[];
  /** Sources for the threshold and the advice; an entry starting `UNVERIFIED` says what was not checked. */
  references: readonly string[];
}

export interface AlertRule {
  alert: string;
  /** PromQL; comparisons against thresholds are written `>= N` or `== N` (test/alerts/promtool.test.ts mutates them). */
  expr: string;
  /** `for:` in seconds (a multiple of 60 unless under a minute, so the ÷ 60 test profile stays whole seconds). */
  forSeconds: number;
  severity: Severity;
  /** Go templates: may use `$labels` and `$value`. */
  summary: string;
  description: string;
  runbook: RunbookEntry;
}

export interface RuleGroup {
  name: string;
  /** What the group is about (the rules file's comments). */
  about: string;
  rules: readonly AlertRule[];
}

/** The Prometheus job name of the pull path (deploy/prometheus.yml); the OTLP path's job is service.name, also this. */
export const JOB = 'silicon-agent';
/** Per-node vector matching on both paths. */
export const ON_NODE = 'on (job, instance)';
export const BY_NODE = 'by (job, instance)';

const BY_NAME = new Map(CATALOG.map((m) => [m.name, m]));

/** Whether the catalog has a metric (pending rules are generated only once it does). */
export function inCatalog(otelName: string): boolean {
  return BY_NAME.has(otelName);
}

/** The catalog's attributes of a metric; throws for a metric the catalog lacks. */
export function attributesOf(otelName: string): readonly string[] {
  const m = BY_NAME.get(otelName);
  if (!m) throw new Error(`alerts: "${otelName}" is not in the metric catalog`);
  return m.attributes;
}

/** The Prometheus label of `attr` on `otelName`; throws when the metric does not carry that attribute. */
export function labelOf(otelName: string, attr: string): string {
  if (!attributesOf(otelName).includes(attr)) throw new Error(`alerts: "${otelName}" carries no attribute "${attr}"`);
  return prometheusLabelName(attr);
}

/**
 * A label matcher `label="value"` (one value) or `label=~"a|b"` (several) for `attr` on `otelName`;
 * throws when the metric lacks the attribute or a value is not in the attribute's closed set.
 */
export function match(otelName: string, attr: string, ...values: readonly (string | number)[]): string {
  const label = labelOf(otelName, attr);
  const closed = ATTRIBUTES[attr]?.values;
  if (!closed) throw new Error(`alerts: attribute "${attr}" has no closed value set to match against`);
  if (values.length === 0) throw new Error(`alerts: match(${attr}) needs a value`);
  for (const v of values) if (!closed.includes(v)) throw new Error(`alerts: "${v}" is not a value of "${attr}" (${closed.join(', ')})`);
  return values.length === 1 ? `${label}="${values[0]}"` : `${label}=~"${values.join('|')}"`;
}

/** A selector for a catalog metric with optional matchers (from `match()`). */
export function sel(otelName: string, ...matchers: string[]): string {
  const name = metric(otelName);
  return matchers.length ? `${name}{${matchers.join(',')}}` : name;
}

/** A Prometheus duration for whole seconds: `5m`, `90s`, `1h`. */
export function duration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new Error(`alerts: bad duration ${seconds}`);
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** The anchor GitHub gives a `## Heading` of one word: lower case. */
export const anchorOf = (alert: string): string => alert.toLowerCase();
