import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAddonBuild, checkCompiledBuild, checkLayout, checkTemplates, readBuildInfo } from '../../src/commands/doctor-layout.ts';
import { installedTree, REPO } from '../helpers/installed-tree.ts';

t.test('a complete install: three PASS rows', async (t) => {
  const tree = installedTree(t.testdir());
  const rows = checkLayout(tree);
  t.same(rows.map((r) => [r.name, r.status]), [['compiled build', 'PASS'], ['SMC addon build', 'PASS'], ['launchd templates', 'PASS']]);
  t.equal(rows[0]!.detail, 'dist/ is silicon-agent 1.4.2, as package.json says');
  t.equal(rows[1]!.detail, 'built: build/Release/silicon_agent_smc.node', "found where node-gyp-build's own lookup finds it");
  t.equal(rows[2]!.detail, 'launchd/io.silicon-agent.plist.json and launchd/silicon-agent.newsyslog.conf present');
  t.equal(checkCompiledBuild({ ...tree, compiled: false }).detail, 'dist/ is silicon-agent 1.4.2, as package.json says (doctor itself runs from the sources)');
});

t.test('compiled build: missing, stale, unstamped, damaged', async (t) => {
  const missing = installedTree(t.testdir(), { entry: false });
  t.match(checkCompiledBuild(missing), { status: 'FAIL', detail: /dist\/src\/cli\.js is missing \(the launchd job runs it\)/ });

  const stale = installedTree(t.testdir(), { version: '0.2.0', built: '0.1.0' });
  t.same(checkCompiledBuild(stale), {
    name: 'compiled build',
    status: 'FAIL',
    detail: 'dist/ was built from "0.1.0" but package.json says 0.2.0: the job would run old code (rebuild with `npm run build`, or reinstall the artifact)',
  });

  const unstamped = installedTree(t.testdir(), { built: null });
  t.match(checkCompiledBuild(unstamped), { status: 'WARN', detail: /^dist\/build-info\.json is missing: cannot tell which version dist\/ was built from/ });

  const garbage = installedTree(t.testdir(), { built: { raw: '{"name": "silicon-agent", "version": ' } });
  t.match(checkCompiledBuild(garbage), { status: 'WARN', detail: /^dist\/build-info\.json is unreadable: / });
  t.equal(readBuildInfo(installedTree(t.testdir(), { built: { raw: '[1, 2]' } }).root), 'dist/build-info.json has no name and version');

  const other = installedTree(t.testdir(), { built: { raw: JSON.stringify({ name: 'left-pad', version: '1.4.2' }) } });
  t.match(checkCompiledBuild(other), { status: 'FAIL', detail: 'dist/build-info.json names "left-pad", not silicon-agent' });

  // A huge build-info.json (a hostile or broken file) is read only as far as its first 4 KiB.
  const huge = installedTree(t.testdir(), { built: { raw: `{"name": "silicon-agent", "version": "1.4.2", "pad": "${'x'.repeat(2_000_000)}"}` } });
  t.match(checkCompiledBuild(huge), { status: 'WARN', detail: /unreadable/ });

  t.match(checkCompiledBuild({ ...installedTree(t.testdir()), version: 'unknown' }), { status: 'FAIL', detail: /has no valid version/ });
});

t.test('SMC addon build: a failed build is explained from the install script\'s own note', async (t) => {
  const dir = t.testdir();
  const tree = installedTree(dir, { addon: false });
  // The real install script, as npm runs it, with no Node headers: the build fails and leaves its note.
  cpSync(join(REPO, 'binding.gyp'), join(dir, 'binding.gyp'));
  cpSync(join(REPO, 'native'), join(dir, 'native'), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: { install: string } };
  const r = spawnSync('sh', ['-c', pkg.scripts.install], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PATH: `${join(REPO, 'node_modules', '.bin')}:${process.env.PATH}`, NODE_PATH: join(REPO, 'node_modules'), npm_config_nodedir: join(dir, 'no-headers') },
  });
  t.equal(r.status, 0, 'the install itself succeeds');
  const row = checkAddonBuild(tree);
  t.equal(row.status, 'WARN', 'the agent runs without it: a warning, not a failure');
  t.match(row.detail, `not built at install (${join(dir, 'no-headers', 'common.gypi')} not found`);
  t.match(row.detail, 'the agent runs without the SMC source (no temperatures, fans or system power)');
  t.match(row.detail, 'xcode-select --install');
  t.match(row.detail, `Details: ${join(dir, 'build', 'ADDON-NOT-BUILT.txt')}`);
});

t.test('SMC addon build: no addon and no note means the install script never ran', async (t) => {
  const tree = installedTree(t.testdir(), { addon: false });
  const row = checkAddonBuild(tree);
  t.equal(row.status, 'WARN');
  t.match(row.detail, /^not built, and no failed build recorded: npm did not run the install script/);
  t.match(row.detail, '`npm rebuild silicon-agent`');
  t.same(checkAddonBuild({ ...tree, findAddon: () => join(tree.root, 'prebuilds', 'darwin-arm64', 'silicon-agent.node') }), {
    name: 'SMC addon build',
    status: 'PASS',
    detail: 'built: prebuilds/darwin-arm64/silicon-agent.node',
  });
});

t.test('launchd templates: missing or damaged', async (t) => {
  const none = installedTree(t.testdir(), { templates: false });
  const row = checkTemplates(none);
  t.equal(row.status, 'FAIL');
  t.match(row.detail, `${join(none.root, 'launchd', 'io.silicon-agent.plist.json')}: ENOENT`);
  t.match(row.detail, /silicon-agent\.newsyslog\.conf: ENOENT.*\(install cannot write the job\)$/);

  const broken = installedTree(t.testdir());
  writeFileSync(join(broken.root, 'launchd', 'io.silicon-agent.plist.json'), '["not", "a", "dict"]');
  writeFileSync(join(broken.root, 'launchd', 'silicon-agent.newsyslog.conf'), '  \n');
  t.match(checkTemplates(broken), { status: 'FAIL', detail: /plist\.json is not a JSON object; .*newsyslog\.conf is empty/ });

  rmSync(join(broken.root, 'launchd'), { recursive: true });
  t.equal(checkLayout(broken)[2]!.status, 'FAIL');
});

t.test('this checkout: the rows describe the package the code runs from', async (t) => {
  const rows = checkLayout();
  t.same(rows.map((r) => r.name), ['compiled build', 'SMC addon build', 'launchd templates']);
  t.same(rows[2], { name: 'launchd templates', status: 'PASS', detail: 'launchd/io.silicon-agent.plist.json and launchd/silicon-agent.newsyslog.conf present' });
});
