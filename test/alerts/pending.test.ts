/**
 * The pending rules (src/alerts/rules/pending.ts) before their metrics exist: with a stand-in catalog
 * entry for each missing metric (the attributes its source branch declares), the generator renders the
 * rule, promtool accepts it, its hand-written unit tests (test/alerts/pending/) pass, and its mutants fail
 * them. Once the real entry is in the catalog the stand-in is not added and the real one is used.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import t from 'tap';
import type { CatalogEntry } from '../../src/catalog/types.ts';
import { CATALOG } from '../../src/registry.ts';
import { mutants, promtool, unitTests } from './harness.ts';

/** Attributes of each pending metric as its source declares them (filesystems, gpu modules). */
const STAND_IN: Record<string, readonly string[]> = {
  'system.filesystem.utilization': ['system.device', 'system.filesystem.mountpoint', 'system.filesystem.type', 'system.filesystem.mode'],
  'hw.gpu.memory.utilization': ['hw.id', 'silicon_agent.gpu.memory.limit.source'],
};
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const added: string[] = [];
for (const [name, attributes] of Object.entries(STAND_IN)) {
  if (CATALOG.some((m) => m.name === name)) continue;
  (CATALOG as CatalogEntry[]).push({ name, unit: '1', instrument: 'gauge', attributes, description: 'stand-in', observe() {}, source: 'stand-in' } as CatalogEntry);
  added.push(name);
}
// Only now: the alert modules index the catalog when they load.
const { GROUPS } = await import('../../src/alerts/groups.ts');
const { rulesYaml } = await import('../../src/alerts/render.ts');
const { PENDING, STILL_PENDING } = await import('../../src/alerts/rules/pending.ts');

const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-pending-alerts-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
t.comment(`stand-ins: ${added.join(', ') || 'none (the catalog has every pending metric)'}`);

const tests = PENDING.map((p) => join(ROOT, 'test/alerts/pending', `${p.alert}.test.yml`));
const pendingAlerts = new Set(PENDING.map((p) => p.alert));

t.test('every pending rule is generated once its metric is in the catalog', async (t) => {
  t.same(STILL_PENDING, []);
  const names = GROUPS.flatMap((g) => g.rules.map((r) => r.alert));
  for (const p of PENDING) t.ok(names.includes(p.alert), p.alert);
  const file = join(dir, 'all.yml');
  writeFileSync(file, rulesYaml(GROUPS));
  const r = await execa(promtool, ['check', 'rules', file], { reject: false });
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
});

t.test('their hand-written unit tests pass, and their mutants fail them', async (t) => {
  const ok = await unitTests(dir, tests, rulesYaml(GROUPS));
  t.equal(ok.exitCode, 0, `${ok.stdout}\n${ok.stderr}`);
  const all = mutants(GROUPS, rulesYaml, (r) => pendingAlerts.has(r.alert));
  t.ok(all.length >= 2 * PENDING.length);
  for (const m of all) {
    const r = await unitTests(dir, tests, m.rules);
    t.not(r.exitCode, 0, `${m.alert}: ${m.what} fails the unit tests`);
  }
});
