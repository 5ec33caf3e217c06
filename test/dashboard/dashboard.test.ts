import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ATTRIBUTES, CATALOG } from '../../src/registry.ts';
import { prometheusLabelName } from '../../src/export/prometheus-names.ts';
import { OUTPUTS, ROOT } from '../../src/dashboard/build.ts';
import {
  allPanels,
  dashboardQueries,
  grafanaRegexValue,
  loadDashboard,
  parsePromQL,
  substitute,
  type JsonPanel,
} from './queries.ts';

const d = loadDashboard();
const queries = dashboardQueries(d);
const NODE = grafanaRegexValue('studio-07.rack.example');
const SUB = { node: NODE, rateInterval: '1m' };

t.test('committed dashboard JSON and docs/dashboard.md are what `npm run dashboard` generates', async (t) => {
  for (const [rel, render] of Object.entries(OUTPUTS)) {
    t.equal(readFileSync(join(ROOT, rel), 'utf8'), render(), `${rel} is up to date (run npm run dashboard)`);
  }
});

t.test('structure: the fields the Grafana dashboard schema requires, with valid values', async (t) => {
  // Required by @grafana/schema's Dashboard: schemaVersion; Panel: type; RowPanel: type, id, collapsed, panels;
  // GridPos: h, w, x, y; VariableModel: name, type; AnnotationQuery: datasource, enable, iconColor, name.
  t.type(d.schemaVersion, 'number');
  t.ok(d.schemaVersion >= 38, 'schemaVersion is Grafana 10.0 or later');
  t.type(d.uid, 'string');
  t.type(d.title, 'string');
  t.ok(Array.isArray(d.panels) && d.panels.length > 0, 'has panels');

  const ids = new Set<number>();
  const checkGrid = (p: JsonPanel) => {
    const g = p.gridPos;
    t.ok(g, `${p.title}: gridPos`);
    if (!g) return;
    for (const k of ['h', 'w', 'x', 'y'] as const) t.ok(Number.isInteger(g[k]) && g[k] >= 0, `${p.title}: gridPos.${k}`);
    t.ok(g.w >= 1 && g.x + g.w <= 24, `${p.title}: fits the 24-column grid`);
  };
  for (const p of d.panels) {
    t.type(p.type, 'string');
    t.ok(Number.isInteger(p.id) && !ids.has(p.id), `${p.title}: unique integer id`);
    ids.add(p.id);
    checkGrid(p);
    if (p.type === 'row') {
      t.type(p.collapsed, 'boolean', `${p.title}: row.collapsed`);
      t.ok(Array.isArray(p.panels), `${p.title}: row.panels`);
      for (const inner of p.panels ?? []) {
        t.ok(Number.isInteger(inner.id) && !ids.has(inner.id), `${inner.title}: unique integer id`);
        ids.add(inner.id);
        checkGrid(inner);
        t.ok(inner.gridPos && p.gridPos && inner.gridPos.y > p.gridPos.y, `${inner.title}: below its row`);
      }
    }
  }

  const panels = allPanels(d).map((x) => x.panel);
  const knownTypes = new Set(['timeseries', 'stat', 'table', 'state-timeline', 'bargauge']);
  for (const p of panels) {
    t.ok(knownTypes.has(p.type), `${p.title}: core panel type ${p.type}`);
    t.equal(p.datasource?.uid, '${DS_PROMETHEUS}', `${p.title}: panel data source is the variable`);
    t.ok((p.targets ?? []).length > 0, `${p.title}: has queries`);
    const refIds = (p.targets ?? []).map((q) => q.refId);
    t.equal(new Set(refIds).size, refIds.length, `${p.title}: unique refIds`);
    for (const q of p.targets ?? []) t.equal(q.datasource?.uid, '${DS_PROMETHEUS}', `${p.title}/${q.refId}: data source`);
    t.type(p.description, 'string', `${p.title}: says which question it answers`);
  }

  const ann = (d.annotations as { list: Record<string, unknown>[] }).list;
  for (const a of ann) for (const k of ['datasource', 'enable', 'iconColor', 'name']) t.ok(k in a, `annotation.${k}`);

  const vars = d.templating.list;
  for (const v of vars) {
    t.type(v.name, 'string');
    t.type(v.type, 'string');
  }
  const ds = vars.find((v) => v.name === 'DS_PROMETHEUS');
  t.match(ds, { type: 'datasource', query: 'prometheus' }, 'DS_PROMETHEUS is a Prometheus data-source variable');
  const node = vars.find((v) => v.name === 'node');
  t.match(
    node,
    { type: 'query', multi: true, includeAll: true, datasource: { uid: '${DS_PROMETHEUS}' } },
    '$node is a multi-select query variable',
  );
  t.match(
    (node?.query as { query?: string } | undefined)?.query,
    /^label_values\(silicon_agent_source_up, instance\)$/,
    '$node comes from label values',
  );
  const rows = d.panels.filter((p) => p.type === 'row');
  t.equal(rows[0]?.title, 'Fleet overview', 'the fleet overview is the first row');
  t.equal(rows[0]?.collapsed, false, 'and it is open');
  t.ok(rows.slice(1).length >= 8, 'per-node rows follow');
  for (const r of rows.slice(1)) t.equal(r.repeat, 'node', `${r.title}: repeats per node`);
});

t.test('every expression parses with lezer-promql after variable substitution', async (t) => {
  t.ok(queries.length >= 40, `${queries.length} queries`);
  for (const q of queries) {
    const expr = substitute(q.raw, SUB);
    t.same(parsePromQL(expr).errors, [], `${q.panel}/${q.refId}: ${expr}`);
  }
  // The parser is a real check: a broken expression is reported.
  t.not(parsePromQL('sum by (instance (hw_power_watts)').errors.length, 0, 'lezer-promql reports a syntax error');
});

t.test('every selector is restricted to the selected nodes', async (t) => {
  for (const q of queries) {
    const { selectors } = parsePromQL(substitute(q.raw, SUB));
    t.ok(selectors.length > 0, `${q.panel}/${q.refId}: selects something`);
    for (const s of selectors) t.ok(s.includes(`instance=~"${NODE}"`), `${q.panel}/${q.refId}: ${s}`);
  }
});

t.test('no machine facts: label values come from the catalog\'s bounded value sets', async (t) => {
  const attrByLabel = new Map(Object.entries(ATTRIBUTES).map(([k, v]) => [prometheusLabelName(k), v]));
  let checked = 0;
  for (const q of queries) {
    for (const m of q.raw.matchAll(/([a-z_]+)(=~?|!=|!~)"([^"]*)"/g)) {
      const [, label, , value] = m as unknown as [string, string, string, string];
      if (label === 'instance') {
        t.equal(value, '$node', `${q.panel}: instance matcher is $node`);
        continue;
      }
      const a = attrByLabel.get(label);
      t.ok(a, `${q.panel}: ${label} is a catalog attribute`);
      // A closed set: the value is one of its constants; an open one: the description names it.
      const known = a?.values ? a.values.map(String).includes(value) : a !== undefined && new RegExp(`\\b${value}\\b`).test(a.doc);
      t.ok(known, `${q.panel}: ${label}="${value}" is a declared value`);
      checked++;
    }
  }
  t.ok(checked > 0, 'some label matchers were checked');
  const text = readFileSync(join(ROOT, 'dashboards', 'silicon-agent.json'), 'utf8');
  t.notMatch(text, /\b\d+\s*(GB|GiB|cores?)\b/i, 'no memory sizes or core counts in the JSON');
  t.notMatch(text, /"(?!Time")T[A-Za-z0-9]{3}"/, 'no SMC sensor keys in the JSON');
  t.ok(CATALOG.length > 0);
});
