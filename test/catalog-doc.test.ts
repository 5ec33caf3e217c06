/** docs/metrics.md is generated from the catalog; this fails when it is stale (fix: `npm run docs:metrics`). */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { CATALOG } from '../src/registry.ts';
import { METRICS_DOC, renderMetricsDoc } from '../src/generate/metrics-doc.ts';
import { prometheusMetricName } from '../src/export/prometheus-names.ts';

t.test('docs/metrics.md matches the catalog', async (t) => {
  const committed = readFileSync(METRICS_DOC, 'utf8');
  t.ok(committed === renderMetricsDoc(), 'docs/metrics.md is stale: run `npm run docs:metrics` and commit it');
  for (const m of CATALOG) {
    t.ok(committed.includes(`| \`${m.name}\` | \`${prometheusMetricName(m.name, m.unit, m.instrument)}\``), `${m.name} documented with its Prometheus name`);
  }
});
