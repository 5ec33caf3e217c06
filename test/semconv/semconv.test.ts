/**
 * Semantic conventions as a test (issue 16 item 3). Every metric and attribute the catalog takes
 * from OpenTelemetry's semantic conventions matches them:
 *   - the name is one `@opentelemetry/semantic-conventions` (1.45.0, a dev dependency: never loaded
 *     by src/) defines, as a METRIC_* or ATTR_* constant;
 *   - unit and instrument equal the semantic-conventions model (v1.44.0, extracted into
 *     model-v1.44.0.json beside this file: see its `source`);
 *   - every attribute the model requires is on the metric;
 *   - where the attribute is an enum, every value the catalog declares is one of its members, or a
 *     documented extension below;
 *   - anything else lives in the project namespace `silicon_agent.*` (docs/metrics.md, "Names").
 * The meter carries the schema URL of that version.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { createAgent } from '../../src/agent.ts';
import { ConfigSchema } from '../../src/config.ts';
import { SCHEMA_URL, SCOPE_NAME } from '../../src/export/catalog-producer.ts';
import { memoryLogger } from '../../src/log.ts';
import { ATTRIBUTES, CATALOG } from '../../src/registry.ts';

interface Model {
  metrics: Record<string, { unit: string; instrument: string; deprecated: boolean; attributes: Array<{ name: string; requirement: string }> }>;
  attributes: Record<string, { type: unknown; members: string[] | null; deprecated: boolean }>;
}
const MODEL = JSON.parse(readFileSync(new URL('./model-v1.44.0.json', import.meta.url), 'utf8')) as Model;
const PROJECT = 'silicon_agent.';

const constants = Object.entries(semconv as Record<string, unknown>);
const METRIC_NAMES = new Set(constants.filter(([k]) => k.startsWith('METRIC_')).map(([, v]) => v as string));
const ATTR_KEYS = new Map(constants.filter(([k]) => k.startsWith('ATTR_')).map(([k, v]) => [v as string, k.slice('ATTR_'.length)]));

/** The enum values the package defines for an attribute (`HW_LIMIT_TYPE_VALUE_MAX` → `max`). */
function packageEnum(attr: string): Set<string> {
  const key = ATTR_KEYS.get(attr);
  return new Set(constants.filter(([k]) => key !== undefined && k.startsWith(`${key}_VALUE_`)).map(([, v]) => String(v)));
}

/**
 * Values outside a semantic-conventions enum, each on purpose. error.type is open by definition (its
 * one member is `_OTHER`; the spec asks for a low-cardinality set of our own); hw.gpu.task's enum is
 * open (`general` is the device, renderer and tiler are Apple's two GPU pipelines).
 */
const EXTENSIONS: Record<string, { values?: readonly string[]; open?: true; why: string }> = {
  'error.type': { open: true, why: 'an open attribute: "_OTHER" is its only member; the values are our parse and export error classes' },
  'hw.gpu.task': { values: ['renderer', 'tiler'], why: "Apple's GPU statistics report the renderer and tiler pipelines apart" },
};

t.test('src/ and bin/ never load @opentelemetry/semantic-conventions (it costs ~11 MiB of RSS)', async (t) => {
  const { readdirSync } = await import('node:fs');
  const root = new URL('../../', import.meta.url).pathname;
  const files = ['src', 'bin'].flatMap((d) => readdirSync(root + d, { recursive: true, encoding: 'utf8' }).filter((f) => /\.[cm]?[jt]s$/.test(f)).map((f) => `${d}/${f}`));
  t.ok(files.length > 50, `${files.length} files read`);
  for (const f of files) t.notMatch(readFileSync(root + f, 'utf8'), /(from|import\(|require\()\s*['"]@opentelemetry\/semantic-conventions/, f);
});

t.test('every catalog metric is a semantic-conventions metric or in the project namespace', async (t) => {
  for (const m of CATALOG) {
    if (m.name.startsWith(PROJECT)) {
      t.notOk(METRIC_NAMES.has(m.name), `${m.name}: a project metric must not shadow a semconv name`);
      continue;
    }
    t.ok(METRIC_NAMES.has(m.name), `${m.name} is defined by @opentelemetry/semantic-conventions`);
    const model = MODEL.metrics[m.name];
    if (!model) {
      t.fail(`${m.name} is not in the semantic-conventions v1.44.0 model`);
      continue;
    }
    t.notOk(model.deprecated, `${m.name} is not deprecated`);
    t.equal(m.unit, model.unit, `${m.name}: unit`);
    t.equal(m.instrument, model.instrument, `${m.name}: instrument`);
    for (const a of model.attributes.filter((x) => x.requirement === 'required'))
      t.ok(m.attributes.includes(a.name), `${m.name}: carries the required attribute ${a.name}`);
  }
});

t.test('every attribute is a semantic-conventions attribute with its enum values, or in the project namespace', async (t) => {
  const used = new Set(CATALOG.flatMap((m) => m.attributes));
  for (const name of [...used].sort()) {
    const def = ATTRIBUTES[name]!;
    if (name.startsWith(PROJECT)) {
      t.notOk(ATTR_KEYS.has(name), `${name}: a project attribute must not shadow a semconv name`);
      continue;
    }
    t.ok(ATTR_KEYS.has(name), `${name} is defined by @opentelemetry/semantic-conventions`);
    const model = MODEL.attributes[name];
    if (!model) {
      t.fail(`${name} is not in the semantic-conventions v1.44.0 model`);
      continue;
    }
    t.notOk(model.deprecated, `${name} is not deprecated`);
    if (model.members === null || def.values === undefined) continue;
    const ext = EXTENSIONS[name];
    if (ext?.open) continue;
    const pkg = packageEnum(name);
    for (const v of def.values.map(String)) {
      if (ext?.values?.includes(v)) continue;
      t.ok(model.members.includes(v), `${name}=${v} is a member of the semconv enum (${model.members.join(', ')})`);
      t.ok(pkg.has(v), `${name}=${v} is a ${ATTR_KEYS.get(name)}_VALUE_* constant`);
    }
  }
});

t.test('the documented extensions are still needed', async (t) => {
  for (const [name, ext] of Object.entries(EXTENSIONS)) {
    if (!ATTRIBUTES[name]) continue;
    const members = MODEL.attributes[name]?.members ?? [];
    for (const v of ext.values ?? []) t.notOk(members.includes(v), `${name}=${v} is still outside the enum (${ext.why})`);
  }
});

t.test('the scope carries the schema URL of the semantic-conventions version checked here', async (t) => {
  t.equal(SCHEMA_URL, 'https://opentelemetry.io/schemas/1.44.0');
  const config = ConfigSchema.parse({ exporters: { otlp: { enabled: false }, prometheus: { port: 0 } } });
  const agent = createAgent(config, { log: memoryLogger('warn'), sources: [] });
  await agent.start();
  try {
    // What a scrape collects: the catalog's scope (the health metrics are there with no source).
    const { resourceMetrics } = await agent.prometheus!.reader.collect();
    const scopes = resourceMetrics.scopeMetrics.map((sm) => sm.scope);
    t.same(
      scopes.map((s) => [s.name, s.schemaUrl]),
      [[SCOPE_NAME, SCHEMA_URL]],
    );
  } finally {
    await agent.stop();
  }
});
