import t from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackage, ownPackage, packageRoot, packageVersion, runningCompiled } from '../src/package-root.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url)).replace(/\/$/, '');
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };

function tree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
}
/** A folder outside the checkout, so no walk up can reach the checkout's own package.json. */
function tmp(t: { teardown(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'sa-pkgroot-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
const ours = (version: unknown = '2.3.4') => JSON.stringify({ name: 'silicon-agent', version });

t.test('this checkout: the root and version of package.json, from the sources', async (t) => {
  t.equal(packageRoot(), REPO);
  t.equal(packageVersion(), PKG.version);
  t.same(ownPackage(), { root: REPO, version: PKG.version });
  t.equal(runningCompiled(), false, 'the tests run the .ts sources');
});

t.test('one rule for every layout: src/, dist/src/, node_modules/silicon-agent/dist/src/', async (t) => {
  const dir = tmp(t);
  tree(dir, { 'checkout/package.json': ours(), 'checkout/src/x': '', 'checkout/dist/src/x': '' });
  t.same(findPackage(join(dir, 'checkout/src')), { root: join(dir, 'checkout'), version: '2.3.4' });
  t.same(findPackage(join(dir, 'checkout/dist/src')), { root: join(dir, 'checkout'), version: '2.3.4' });

  // An install prefix has a package.json of its own (npm writes one): it is not ours.
  tree(dir, {
    'prefix/package.json': JSON.stringify({ dependencies: { 'silicon-agent': 'file:silicon-agent-2.3.4.tgz' } }),
    'prefix/node_modules/silicon-agent/package.json': ours(),
    'prefix/node_modules/silicon-agent/dist/src/x': '',
  });
  t.same(findPackage(join(dir, 'prefix/node_modules/silicon-agent/dist/src')), { root: join(dir, 'prefix/node_modules/silicon-agent'), version: '2.3.4' });
  t.equal(findPackage(join(dir, 'prefix')), undefined, "the prefix's own package.json is not silicon-agent's");
});

t.test("another package's package.json on the way up is passed over", async (t) => {
  const dir = tmp(t);
  tree(dir, { 'package.json': ours('1.0.0'), 'dist/package.json': JSON.stringify({ name: 'other', version: '9.9.9' }), 'dist/src/x': '' });
  t.same(findPackage(join(dir, 'dist/src')), { root: dir, version: '1.0.0' });
});

t.test('bounded: at most three parents are searched', async (t) => {
  const dir = tmp(t);
  tree(dir, { 'package.json': ours(), 'a/b/c/d/x': '' });
  t.equal(findPackage(join(dir, 'a/b/c'))?.root, dir, 'three parents up');
  t.equal(findPackage(join(dir, 'a/b/c/d')), undefined, 'four up is too far');
});

t.test('a damaged package.json: never a crash, never a made-up version', async (t) => {
  const dir = tmp(t);
  tree(dir, {
    'bad-version/package.json': ours('latest'),
    'no-version/package.json': JSON.stringify({ name: 'silicon-agent' }),
    'number-version/package.json': ours(1),
    'long-version/package.json': ours(`1.0.0-${'x'.repeat(200)}`),
    'prerelease/package.json': ours('0.2.0-rc.1'),
    'not-json/package.json': '{"name": "silicon-agent", ',
    'array/package.json': '[]',
    'huge/package.json': `{"name": "silicon-agent", "version": "1.0.0", "pad": "${'x'.repeat(300 * 1024)}"}`,
  });
  t.same(findPackage(join(dir, 'bad-version')), { root: join(dir, 'bad-version'), version: 'unknown' });
  t.same(findPackage(join(dir, 'no-version')), { root: join(dir, 'no-version'), version: 'unknown' });
  t.same(findPackage(join(dir, 'number-version')), { root: join(dir, 'number-version'), version: 'unknown' });
  t.same(findPackage(join(dir, 'long-version')), { root: join(dir, 'long-version'), version: 'unknown' });
  t.same(findPackage(join(dir, 'prerelease')), { root: join(dir, 'prerelease'), version: '0.2.0-rc.1' });
  for (const d of ['not-json', 'array', 'huge']) t.equal(findPackage(join(dir, d)), undefined, `${d}: not a package root`);
  t.equal(findPackage(join(dir, 'no-such-dir')), undefined);
});
