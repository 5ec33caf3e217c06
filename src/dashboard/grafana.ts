/**
 * Renders ROWS (src/dashboard/panels.ts) to a Grafana dashboard (classic JSON model, schemaVersion
 * 38 = Grafana 10.0, which later versions migrate on load). The object is checked against the
 * `Dashboard` type of @grafana/schema by `satisfies` (tsc), and test/dashboard/dashboard.test.ts
 * repeats the required-field checks at run time on the committed JSON.
 *
 * Data source: a `datasource` variable named DS_PROMETHEUS, referenced as `${DS_PROMETHEUS}` by
 * every panel and query. Unlike an `__inputs` placeholder this works both for a UI import and for
 * file provisioning (deploy/grafana/provisioning), which does not resolve `__inputs`.
 * Per-node rows repeat over $node and start collapsed, so the fleet row is the first screen.
 */
import {
  FieldColorModeId,
  MappingType,
  ThresholdsMode,
  VariableHide,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type DataSourceRef,
  type FieldConfigSource,
  type Panel,
  type RowPanel,
  type ValueMapping,
  type VariableModel,
} from '@grafana/schema';
import { THERMAL_PRESSURE_LEVELS } from '../modules/powermetrics/sample.ts';
import { MEMORY_PRESSURE_STATES } from '../modules/sysctl/sample.ts';
import { DS_VAR, NODE_LABEL, NODE_VAR, metric, type PanelSpec, type QuerySpec, type RowSpec } from './model.ts';
import { ROWS } from './panels.ts';

export const DASHBOARD_UID = 'silicon-agent-fleet';
/** Grafana 10.0's schema version: the oldest Grafana the issue targets. */
export const SCHEMA_VERSION = 38;

const DS: DataSourceRef = { type: 'prometheus', uid: `\${${DS_VAR}}` };
const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const THERMAL_COLOURS = ['green', 'yellow', 'orange', 'red', 'purple'] as const;
const MEMORY_COLOURS = ['green', 'orange', 'red'] as const;

/** Value mappings for the `{level}` gauges, derived from the level lists the catalog exports. */
function mappings(kind: QuerySpec['mapping']): ValueMapping[] {
  const options = (labels: readonly string[], colours: readonly string[]) =>
    Object.fromEntries(labels.map((l, i) => [String(i), { text: cap(l), color: colours[i] ?? 'red', index: i }]));
  switch (kind) {
    case 'thermal':
      return [{ type: MappingType.ValueToText, options: options(THERMAL_PRESSURE_LEVELS, THERMAL_COLOURS) }];
    case 'memory':
      return [{ type: MappingType.ValueToText, options: options(MEMORY_PRESSURE_STATES, MEMORY_COLOURS) }];
    case 'up':
      return [{ type: MappingType.ValueToText, options: options(['down', 'up'], ['red', 'green']) }];
    default:
      return [];
  }
}

function thresholds(steps: readonly (readonly [number, string])[] | undefined, mapping: QuerySpec['mapping']) {
  // Mapped gauges colour by level: the thresholds repeat the mapping's colours at each level.
  const levelSteps: readonly (readonly [number, string])[] =
    mapping === 'thermal'
      ? THERMAL_COLOURS.slice(1).map((c, i) => [i + 1, c] as const)
      : mapping === 'memory'
        ? MEMORY_COLOURS.slice(1).map((c, i) => [i + 1, c] as const)
        : mapping === 'up'
          ? [[1, 'green']]
          : [];
  const base = mapping === 'up' ? 'red' : 'green';
  return {
    mode: ThresholdsMode.Absolute,
    steps: [{ color: base, value: null }, ...[...levelSteps, ...(steps ?? [])].map(([value, color]) => ({ color, value }))],
  };
}

function target(q: QuerySpec, i: number, p: PanelSpec): Record<string, unknown> {
  const table = p.kind === 'table';
  return {
    refId: REF_IDS[i],
    datasource: DS,
    editorMode: 'code',
    expr: q.expr,
    legendFormat: table ? '__auto' : q.legend,
    range: !p.instant,
    instant: Boolean(p.instant),
    ...(table ? { format: 'table' } : {}),
  };
}

function fieldConfig(p: PanelSpec): FieldConfigSource {
  const custom: Record<string, unknown> = {};
  if (p.kind === 'timeseries') {
    Object.assign(custom, {
      drawStyle: 'line',
      lineWidth: 1,
      fillOpacity: p.stacked ? 25 : 0,
      showPoints: 'never',
      spanNulls: false,
      stacking: { mode: p.stacked ? 'normal' : 'none', group: 'A' },
      thresholdsStyle: { mode: p.thresholds ? 'line' : 'off' },
    });
  }
  if (p.kind === 'state-timeline') Object.assign(custom, { fillOpacity: 80, lineWidth: 0 });
  if (p.kind === 'table') Object.assign(custom, { align: 'auto', cellOptions: { type: 'auto' } });

  const overrides: FieldConfigSource['overrides'] = [];
  p.queries.forEach((q, i) => {
    const refId = REF_IDS[i]!;
    if (p.kind === 'table') {
      // Each instant query is one column, "Value #<refId>" after the merge transformation.
      const props: { id: string; value?: unknown }[] = [{ id: 'displayName', value: q.legend }];
      if (q.unit) props.push({ id: 'unit', value: q.unit });
      if (q.mapping) props.push({ id: 'mappings', value: mappings(q.mapping) });
      if (q.mapping || q.thresholds) {
        props.push({ id: 'thresholds', value: thresholds(q.thresholds, q.mapping) });
        props.push({ id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } });
      }
      overrides.push({ matcher: { id: 'byName', options: `Value #${refId}` }, properties: props });
    } else if (q.overlay) {
      overrides.push({
        matcher: { id: 'byFrameRefID', options: refId },
        properties: [
          { id: 'custom.stacking', value: { mode: 'none', group: 'A' } },
          { id: 'custom.fillOpacity', value: 0 },
          { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
        ],
      });
    }
  });
  if (p.kind === 'table') overrides.push({ matcher: { id: 'byName', options: NODE_LABEL }, properties: [{ id: 'displayName', value: 'Node' }] });

  return {
    defaults: {
      unit: p.unit,
      ...(p.min !== undefined ? { min: p.min } : {}),
      ...(p.max !== undefined ? { max: p.max } : {}),
      ...(p.decimals !== undefined ? { decimals: p.decimals } : {}),
      color: { mode: p.mapping || p.kind === 'table' ? FieldColorModeId.Thresholds : FieldColorModeId.PaletteClassic },
      mappings: mappings(p.mapping),
      thresholds: thresholds(p.thresholds, p.mapping),
      custom,
    },
    overrides,
  };
}

function options(p: PanelSpec): Record<string, unknown> {
  const legend = { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] };
  const reduceOptions = { calcs: ['lastNotNull'], fields: '', values: false };
  switch (p.kind) {
    case 'timeseries':
      return { legend, tooltip: { mode: 'multi', sort: 'desc' } };
    case 'state-timeline':
      return { legend, tooltip: { mode: 'single', sort: 'none' }, mergeValues: true, showValue: 'auto', alignValue: 'left', rowHeight: 0.9 };
    case 'table':
      return { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], countRows: false, fields: '' }, sortBy: [{ displayName: 'System power', desc: true }] };
    case 'bargauge':
      return { reduceOptions, orientation: 'horizontal', displayMode: 'basic', showUnfilled: true, valueMode: 'color', namePlacement: 'auto', minVizWidth: 0, minVizHeight: 10 };
    case 'stat':
      return { reduceOptions, orientation: 'auto', textMode: 'auto', colorMode: 'value', graphMode: 'area', justifyMode: 'auto' };
  }
}

function transformations(p: PanelSpec): Panel['transformations'] {
  if (p.kind !== 'table') return [];
  // Instant queries `by (instance)` give one frame per query; merge joins them on the node label.
  const exclude: Record<string, boolean> = { Time: true };
  return [
    { id: 'merge', options: {} },
    { id: 'organize', options: { excludeByName: exclude, indexByName: { [NODE_LABEL]: 0 }, renameByName: {} } },
  ];
}

/** Lay panels out left to right in rows of 24 grid units. */
class Layout {
  x = 0;
  y = 0;
  rowH = 0;
  place(w: number, h: number) {
    if (this.x + w > 24) this.newLine();
    const pos = { x: this.x, y: this.y, w, h };
    this.x += w;
    this.rowH = Math.max(this.rowH, h);
    return pos;
  }
  newLine() {
    this.y += this.rowH;
    this.x = 0;
    this.rowH = 0;
  }
}

function renderPanel(p: PanelSpec, id: number, layout: Layout): Panel {
  return {
    id,
    type: p.kind,
    title: p.title,
    description: p.caveat ? `${p.question}\n\n${p.caveat}` : p.question,
    datasource: DS,
    gridPos: layout.place(p.width, p.height ?? 8),
    fieldConfig: fieldConfig(p),
    options: options(p),
    targets: p.queries.map((q, i) => target(q, i, p)),
    transformations: transformations(p),
  };
}

function renderRow(r: RowSpec, id: number, layout: Layout): RowPanel {
  layout.newLine();
  return {
    id,
    type: 'row',
    title: r.perNode ? `${r.title} · $${NODE_VAR}` : r.title,
    collapsed: r.perNode,
    gridPos: layout.place(24, 1),
    panels: [],
    ...(r.perNode ? { repeat: NODE_VAR } : {}),
  };
}

const VARIABLES: VariableModel[] = [
  {
    name: DS_VAR,
    label: 'Data source',
    type: 'datasource',
    query: 'prometheus',
    hide: VariableHide.dontHide,
    refresh: VariableRefresh.onDashboardLoad,
    regex: '',
    options: [],
  },
  {
    name: NODE_VAR,
    label: 'Node',
    description: `Nodes running the agent: values of the \`${NODE_LABEL}\` label (docs/dashboard.md, "Which label is the node").`,
    type: 'query',
    datasource: DS,
    query: {
      qryType: 1,
      query: `label_values(${metric('silicon_agent.source.up')}, ${NODE_LABEL})`,
      refId: 'PrometheusVariableQueryEditor-VariableQuery',
    },
    multi: true,
    includeAll: true,
    allValue: '.+',
    current: { text: ['All'], value: ['$__all'], selected: true },
    options: [],
    hide: VariableHide.dontHide,
    refresh: VariableRefresh.onTimeRangeChanged,
    sort: VariableSort.naturalAsc,
    regex: '',
  },
];

export function buildDashboard(rows: readonly RowSpec[] = ROWS) {
  const layout = new Layout();
  const panels: (Panel | RowPanel)[] = [];
  let id = 1;
  for (const r of rows) {
    const row = renderRow(r, id++, layout);
    layout.newLine();
    if (r.perNode) layout.y = (row.gridPos?.y ?? 0) + 1;
    const inner = r.panels.map((p) => renderPanel(p, id++, layout));
    // A collapsed row keeps its panels inside; an expanded row is followed by them.
    layout.newLine();
    if (r.perNode) {
      // A collapsed row keeps its panels inside, placed just below it; the next row follows the row itself.
      row.panels = inner;
      layout.y = (row.gridPos?.y ?? 0) + 1;
      panels.push(row);
    } else {
      panels.push(row, ...inner);
    }
  }
  const dashboard = {
    uid: DASHBOARD_UID,
    title: 'silicon-agent: Apple Silicon fleet',
    description:
      'Power, energy, temperatures, throttling, memory and disks of Apple Silicon nodes, and what the agent costs. Generated from the metric catalog by `npm run dashboard`; see docs/dashboard.md.',
    tags: ['silicon-agent', 'macos', 'apple-silicon', 'opentelemetry'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '30s',
    time: { from: 'now-3h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: { list: VARIABLES },
    panels,
  } satisfies Dashboard;
  return {
    // Read by Grafana's import screen: which Grafana and plugins the dashboard needs.
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      ...[...new Set(rows.flatMap((r) => r.panels.map((p) => p.kind)))]
        .sort()
        .map((k) => ({ type: 'panel', id: k, name: k, version: '' })),
    ],
    ...dashboard,
  };
}

/** The committed file's exact text. */
export function dashboardJson(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}
