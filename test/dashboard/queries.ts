/**
 * Reads the committed dashboard JSON (not the generator: the tests check what users import) and
 * extracts every PromQL expression with Grafana's variables substituted, plus PromQL helpers
 * built on @prometheus-io/lezer-promql.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';

export const ROOT = join(import.meta.dirname, '..', '..');
export const DASHBOARD_PATH = join(ROOT, 'dashboards', 'silicon-agent.json');

export interface JsonPanel {
  id: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: { refId: string; expr: string; instant?: boolean; range?: boolean; datasource?: { uid?: string } }[];
  panels?: JsonPanel[];
  collapsed?: boolean;
  repeat?: string;
  [k: string]: unknown;
}

export interface JsonDashboard {
  schemaVersion: number;
  panels: JsonPanel[];
  templating: { list: { name: string; type: string; [k: string]: unknown }[] };
  [k: string]: unknown;
}

export function loadDashboard(): JsonDashboard {
  return JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as JsonDashboard;
}

/** Every panel, rows' nested panels included, with the title of the row it sits in. */
export function allPanels(d: JsonDashboard): { panel: JsonPanel; row: string }[] {
  const out: { panel: JsonPanel; row: string }[] = [];
  let row = '';
  for (const p of d.panels) {
    if (p.type === 'row') {
      row = p.title ?? '';
      for (const inner of p.panels ?? []) out.push({ panel: inner, row });
    } else out.push({ panel: p, row });
  }
  return out;
}

export interface Query {
  row: string;
  panel: string;
  panelType: string;
  refId: string;
  /** As written in the dashboard, with Grafana variables. */
  raw: string;
  instant: boolean;
}

export function dashboardQueries(d: JsonDashboard = loadDashboard()): Query[] {
  return allPanels(d).flatMap(({ panel, row }) =>
    (panel.targets ?? []).map((t) => ({
      row,
      panel: panel.title ?? `#${panel.id}`,
      panelType: panel.type,
      refId: t.refId,
      raw: t.expr,
      instant: Boolean(t.instant),
    })),
  );
}

/** Grafana's escaping of a single selected value for a Prometheus regex matcher, inside a PromQL string. */
export function grafanaRegexValue(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}]/g, (c) => `\\\\${c}`);
}

export interface Substitution {
  /** Value substituted for $node, as Grafana would (already escaped for the PromQL string). */
  node: string;
  /** Range substituted for $__rate_interval (and $__interval). */
  rateInterval: string;
}

/** Substitute Grafana's variables and macros the dashboard uses; throws on any `$` left over. */
export function substitute(expr: string, s: Substitution): string {
  const out = expr
    .replace(/\$\{node\}|\$node\b/g, s.node)
    .replace(/\$\{__rate_interval\}|\$__rate_interval\b/g, s.rateInterval)
    .replace(/\$\{__interval\}|\$__interval\b/g, s.rateInterval);
  if (out.includes('$')) throw new Error(`unsubstituted variable in: ${out}`);
  return out;
}

export interface ParsedQuery {
  errors: { from: number; to: number }[];
  /** Vector selectors, as text. */
  selectors: string[];
  /** Metric names of the vector selectors. */
  metrics: string[];
}

export function parsePromQL(expr: string): ParsedQuery {
  const tree = parser.parse(expr);
  const errors: { from: number; to: number }[] = [];
  const selectors: string[] = [];
  const metrics: string[] = [];
  const c = tree.cursor();
  do {
    if (c.type.isError) errors.push({ from: c.from, to: c.to });
    if (c.name === 'VectorSelector') {
      selectors.push(expr.slice(c.from, c.to));
      const id = c.node.getChild('Identifier');
      if (id) metrics.push(expr.slice(id.from, id.to));
    }
  } while (c.next());
  return { errors, selectors, metrics };
}
