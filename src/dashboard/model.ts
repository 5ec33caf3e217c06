/**
 * The dashboard's model: rows of panels, each with the question it answers and its PromQL.
 * Metric names are never typed here: `metric()` looks an OTel name up in the catalog and
 * returns the Prometheus name the Collector (and the agent's /metrics) gives it, so a renamed
 * or removed catalog entry breaks the build instead of leaving a silent empty panel.
 *
 * Node identity: every selector carries `instance=~"$node"` (see docs/dashboard.md, "Which
 * label is the node"): on the pull path `instance` is the scrape target's host (deploy/prometheus.yml
 * drops the port); on the OTLP path the Collector derives it from `service.instance.id`, which
 * deploy/otel-collector.yaml sets to `host.name`.
 */
import type { CatalogEntry } from '../catalog/types.ts';
import { CATALOG } from '../registry.ts';
import { prometheusMetricName } from '../export/prometheus-names.ts';

/** The label that names a node on both the pull and the OTLP path. */
export const NODE_LABEL = 'instance';
/** The Grafana variable that selects nodes. */
export const NODE_VAR = 'node';
/** The Grafana variable that selects the Prometheus data source. */
export const DS_VAR = 'DS_PROMETHEUS';

export type PanelKind = 'timeseries' | 'stat' | 'table' | 'state-timeline' | 'bargauge';

export interface QuerySpec {
  expr: string;
  /** Legend template (`{{label}}`) for range queries; column title for fleet-table columns. */
  legend: string;
  /** Grafana unit for this column (fleet table only: the panel's unit applies elsewhere). */
  unit?: string;
  /** Value mapping for this column (fleet table only). */
  mapping?: 'thermal' | 'memory' | 'up';
  /** Colour thresholds for this column (fleet table only): [value, colour] steps above a green base. */
  thresholds?: readonly (readonly [number, string])[];
  /** In a stacked panel: draw this query as a dashed reference line, outside the stack. */
  overlay?: boolean;
}

export interface PanelSpec {
  title: string;
  /** The one question the panel answers; docs/dashboard.md lists it and Grafana shows it as the description. */
  question: string;
  kind: PanelKind;
  /** Grafana unit id (`watt`, `celsius`, `bytes`, …). */
  unit: string;
  queries: readonly QuerySpec[];
  /** Width in grid units (24 = full width). */
  width: number;
  height?: number;
  /** Instant queries (tables, bar gauges, stats); range queries otherwise. */
  instant?: boolean;
  stacked?: boolean;
  min?: number;
  max?: number;
  decimals?: number;
  mapping?: 'thermal' | 'memory' | 'up';
  thresholds?: readonly (readonly [number, string])[];
  /** Where the panel's series are known to be empty on some machines, and why (docs only). */
  caveat?: string;
}

export interface RowSpec {
  title: string;
  /** What the row is for (docs only). */
  purpose: string;
  /** Repeat the row for every selected node (per-node rows). */
  perNode: boolean;
  panels: readonly PanelSpec[];
}

const BY_NAME = new Map<string, CatalogEntry>(CATALOG.map((m) => [m.name, m]));

/** The Prometheus name of a catalog metric, by its OTel name. Throws for a name the catalog lacks. */
export function metric(otelName: string): string {
  const m = BY_NAME.get(otelName);
  if (!m) throw new Error(`dashboard: "${otelName}" is not in the metric catalog`);
  return prometheusMetricName(m.name, m.unit, m.instrument);
}

/**
 * A vector selector for a catalog metric on the selected nodes: `name{instance=~"$node",…}`.
 * `matchers` are extra label matchers, already in PromQL syntax (`hw_sensor_location="cpu_die"`).
 */
export function sel(otelName: string, ...matchers: string[]): string {
  return `${metric(otelName)}{${[`${NODE_LABEL}=~"$${NODE_VAR}"`, ...matchers].join(',')}}`;
}

/** Grafana's range macro for rate(); the checks substitute a concrete range for it. */
export const RATE = '$__rate_interval';
