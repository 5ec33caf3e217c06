/**
 * Running promtool's unit tests against a rules text, and the mutants that must fail them (shared by
 * promtool.test.ts, on the real catalog, and pending.test.ts, on stand-ins for the pending metrics).
 * Not a test file (tap runs only *.test.ts). It loads nothing from src/alerts/ itself (the renderer is
 * passed in): pending.test.ts must extend the catalog before those modules index it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import type { AlertRule, RuleGroup } from '../../src/alerts/model.ts';
import { requireTool } from '../helpers/prometheus.ts';

export const promtool = requireTool('promtool');
const RULE_FILES = /^rule_files:\n {2}- \S+$/m;

/**
 * `promtool test rules` on the given unit-test files, each loading `rulesText` instead of the
 * committed rules file (the files are copied into `dir` with their rule_files entry swapped).
 */
export async function unitTests(dir: string, testFiles: readonly string[], rulesText: string) {
  writeFileSync(join(dir, 'rules.yml'), rulesText);
  const copies = testFiles.map((f, i) => {
    const text = readFileSync(f, 'utf8');
    if (!RULE_FILES.test(text)) throw new Error(`${f}: no single rule_files entry to swap`);
    const copy = join(dir, `${i}-${basename(f)}`);
    writeFileSync(copy, text.replace(RULE_FILES, 'rule_files:\n  - rules.yml'));
    return copy;
  });
  return execa(promtool, ['test', 'rules', ...copies], { reject: false });
}

const COMPARISON = /(>=|==) (-?[0-9][0-9.e+]*)/g;
const stricter = (op: string, n: string): string => (op === '>=' ? `> ${n}` : `< ${n}`);

export interface Mutant {
  alert: string;
  what: string;
  rules: string;
}

/** The groups with one rule replaced. */
const withRule = (groups: readonly RuleGroup[], alert: string, change: (r: AlertRule) => AlertRule): RuleGroup[] =>
  groups.map((g) => ({ ...g, rules: g.rules.map((r) => (r.alert === alert ? change(r) : r)) }));

/** For each rule: each threshold comparison one step stricter (`>=` → `>`, `== N` → `< N`), and its `for:` one minute shorter. */
export function mutants(
  groups: readonly RuleGroup[],
  rulesYaml: (g: readonly RuleGroup[]) => string,
  only?: (r: AlertRule) => boolean,
): Mutant[] {
  const out: Mutant[] = [];
  for (const rule of groups.flatMap((g) => g.rules)) {
    if (only && !only(rule)) continue;
    const found = [...rule.expr.matchAll(COMPARISON)];
    if (found.length === 0) throw new Error(`${rule.alert}: no threshold comparison to mutate`);
    for (const m of found) {
      const expr = rule.expr.slice(0, m.index) + stricter(m[1]!, m[2]!) + rule.expr.slice(m.index + m[0].length);
      out.push({ alert: rule.alert, what: `\`${m[0]}\` → \`${stricter(m[1]!, m[2]!)}\``, rules: rulesYaml(withRule(groups, rule.alert, (x) => ({ ...x, expr }))) });
    }
    out.push({
      alert: rule.alert,
      what: `for ${rule.forSeconds}s → ${rule.forSeconds - 60}s`,
      rules: rulesYaml(withRule(groups, rule.alert, (x) => ({ ...x, forSeconds: x.forSeconds - 60 }))),
    });
  }
  return out;
}
