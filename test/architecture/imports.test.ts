/**
 * The import rule (docs/architecture.md): imports run one way,
 *   commands → agent → registry → exporters and catalog → store → sources → parsers → samples,
 * and the parsers and samples are pure (no I/O module). Every `import`/`export … from` and literal
 * `import('…')` of every file under src/ is read and its target's tier compared with its own. A file
 * may import its own tier or any tier below; the utilities (log, package root) may be imported by anyone
 * and import nothing of ours.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');

export const TIERS = ['samples', 'parsers', 'sources', 'store', 'catalog', 'registry', 'agent', 'commands'] as const;
type Tier = (typeof TIERS)[number] | 'utility';

/** The tier of a file under src/, by its path (the table in docs/architecture.md). */
export function tierOf(file: string): Tier {
  const p = relative(SRC, file).split('\\').join('/');
  if (['log.ts', 'package-root.ts', 'http-lazy-exports.ts', 'secrets.ts', 'sysexits.ts', 'escape.ts'].includes(p)) return 'utility';
  const mod = /^modules\/([^/]+)\/(.+)$/.exec(p);
  if (mod) {
    const f = mod[2]!;
    if (f === 'sample.ts') return 'samples';
    if (f === 'source.ts' || f.startsWith('source-')) return 'sources';
    if (f === 'metrics.ts' || f.startsWith('metrics-')) return 'catalog';
    if (f === 'index.ts') return 'registry';
    return 'parsers';
  }
  if (p === 'modules/module.ts' || p === 'registry.ts' || p === 'config.ts') return 'registry';
  if (p === 'samples.ts') return 'samples';
  if (p.startsWith('parsers/')) return 'parsers';
  if (p.startsWith('sources/')) return 'sources';
  if (['store.ts', 'health.ts', 'plausibility.ts', 'sample-check.ts'].includes(p)) return 'store';
  if (p.startsWith('catalog/') || p.startsWith('export/')) return 'catalog';
  if (['agent.ts', 'governor.ts', 'budget.ts', 'selfmeter.ts', 'status-file.ts', 'signals.ts'].includes(p)) return 'agent';
  if (p === 'cli.ts' || /^(commands|dashboard|generate|alerts|launchd|system)\//.test(p)) return 'commands';
  throw new Error(`${p}: no tier: place it in docs/architecture.md's table and in tierOf()`);
}

const rank = (t: Tier): number => (t === 'utility' ? -1 : TIERS.indexOf(t));

/** Node modules a pure file (samples, parsers) must not import: they do I/O. */
const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|dns|tls|worker_threads|cluster|os|process)$|^execa$/;

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

/** Every module specifier a file imports: static imports, re-exports, and literal dynamic imports. */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  for (const m of code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

const files = [...walk(SRC)];

t.test('every file under src/ has a tier', async (t) => {
  for (const f of files) t.doesNotThrow(() => tierOf(f), relative(ROOT, f));
});

t.test('imports run one way: a file imports its own tier or lower, utilities import nothing of ours', async (t) => {
  const violations: string[] = [];
  let checked = 0;
  for (const f of files) {
    const from = tierOf(f);
    for (const spec of specifiers(readFileSync(f, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(f), spec);
      if (!target.startsWith(SRC)) continue;
      const to = tierOf(target);
      checked++;
      if (from === 'utility' ? to !== 'utility' : rank(to) > rank(from))
        violations.push(`${relative(ROOT, f)} (${from}) imports ${relative(ROOT, target)} (${to})`);
    }
  }
  t.ok(checked > 200, `${checked} imports checked`);
  t.same(violations, [], 'no import against the direction');
});

t.test('samples and parsers are pure: no I/O module', async (t) => {
  const violations: string[] = [];
  for (const f of files) {
    const tier = tierOf(f);
    if (tier !== 'samples' && tier !== 'parsers') continue;
    for (const spec of specifiers(readFileSync(f, 'utf8'))) if (IO_MODULES.test(spec)) violations.push(`${relative(ROOT, f)} imports ${spec}`);
  }
  t.same(violations, []);
});

t.test('the rule catches a violation (the checker itself is not vacuous)', async (t) => {
  t.same(specifiers("import { x } from '../store.ts';\nexport { y } from './z.ts';\nconst m = await import('../agent.ts');\n// import { no } from './comment.ts';"), [
    '../store.ts',
    './z.ts',
    '../agent.ts',
  ]);
  t.equal(tierOf(join(SRC, 'modules/powermetrics/parser.ts')), 'parsers');
  t.equal(tierOf(join(SRC, 'modules/powermetrics/source.ts')), 'sources');
  t.equal(tierOf(join(SRC, 'modules/powermetrics/metrics.ts')), 'catalog');
  t.equal(tierOf(join(SRC, 'modules/powermetrics/index.ts')), 'registry');
  t.ok(rank(tierOf(join(SRC, 'store.ts'))) > rank(tierOf(join(SRC, 'sources/poll.ts'))), 'a source importing the store would be flagged');
  t.ok(IO_MODULES.test('node:fs') && IO_MODULES.test('execa') && !IO_MODULES.test('zod'));
});

/** Lines of code: not blank, not only a comment (block comments and `//` lines). */
export function codeLines(text: string): number {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => '\n'.repeat(c.split('\n').length - 1))
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('//')).length;
}

t.test('no file in src/ has over 450 lines of code', async (t) => {
  t.equal(codeLines('/**\n * doc\n */\nconst a = 1; // x\n\n// note\nlet b;\n'), 2, 'comments and blank lines are not counted');
  const long = files.map((f) => [relative(ROOT, f), codeLines(readFileSync(f, 'utf8'))] as const).filter(([, n]) => n > 450);
  t.same(long, [], 'split files a reader cannot hold');
});
