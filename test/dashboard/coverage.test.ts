import t from 'tap';
import { CATALOG } from '../../src/registry.ts';
import { prometheusMetricName } from '../../src/export/prometheus-names.ts';
import { NOT_SHOWN } from '../../src/dashboard/not-shown.ts';
import { dashboardQueries, parsePromQL, substitute } from './queries.ts';

// Metric names as the committed JSON selects them (parsed, not pattern-matched).
const drawn = new Map<string, string[]>();
for (const q of dashboardQueries()) {
  for (const m of parsePromQL(substitute(q.raw, { node: 'n', rateInterval: '1m' })).metrics) {
    drawn.set(m, [...(drawn.get(m) ?? []), q.panel]);
  }
}
const catalogNames = new Map(CATALOG.map((m) => [prometheusMetricName(m.name, m.unit, m.instrument), m.name]));

t.test('every catalog metric is in a panel or deliberately not shown', async (t) => {
  for (const m of CATALOG) {
    const prom = prometheusMetricName(m.name, m.unit, m.instrument);
    const reason = NOT_SHOWN[m.name];
    if (reason !== undefined) {
      t.notOk(drawn.has(prom), `${prom} is listed as not shown, so no panel may draw it`);
      t.ok(reason.length > 40, `${m.name}: the reason says why`);
    } else {
      t.ok(drawn.has(prom), `${prom} (${m.name}) is drawn: ${drawn.get(prom)?.join(', ') ?? 'NOWHERE'}`);
    }
  }
});

t.test('the not-shown list names only catalog metrics', async (t) => {
  const otelNames = new Set(CATALOG.map((m) => m.name));
  for (const name of Object.keys(NOT_SHOWN)) t.ok(otelNames.has(name), `${name} is a catalog metric`);
});

t.test('panels draw only catalog metrics (and Prometheus\' own `up`)', async (t) => {
  for (const [name, panels] of drawn) {
    t.ok(catalogNames.has(name) || name === 'up', `${name} (in ${panels.join(', ')}) is known`);
  }
  t.ok(drawn.size >= CATALOG.length - Object.keys(NOT_SHOWN).length, `${drawn.size} metrics drawn`);
});
