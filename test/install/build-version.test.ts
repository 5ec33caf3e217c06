/**
 * The compiled build reports the real version (issue 13, "Wrong version in production"): built with
 * `npm run build`'s own function into a package-shaped folder (package.json at the top, the build in
 * dist/, as in a checkout or an installed package), the compiled modules themselves are imported and
 * asked. Before src/package-root.ts, dist/src/export/resource.js read ../../package.json, i.e.
 * dist/package.json, which does not exist, and reported 0.0.0.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildInto, REPO } from '../../scripts/build.ts';

const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };

t.test('the compiled build reports package.json\'s version', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-build-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  cpSync(join(REPO, 'launchd'), join(dir, 'launchd'), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));

  t.equal(await buildInto(join(dir, 'dist')), PKG.version);
  t.same(JSON.parse(readFileSync(join(dir, 'dist', 'build-info.json'), 'utf8')), { name: 'silicon-agent', version: PKG.version }, 'the build is stamped');

  const imp = async <T>(rel: string) => (await import(pathToFileURL(join(dir, 'dist', 'src', rel)).href)) as T;
  const resource = await imp<typeof import('../../src/export/resource.ts')>('export/resource.js');
  const root = await imp<typeof import('../../src/package-root.ts')>('package-root.js');
  t.equal(root.packageVersion(), PKG.version, 'service.version and the meter version (the issue 13 reproduction)');
  t.equal(root.packageRoot(), dir, 'the root from dist/src/ is the folder holding package.json');
  t.equal(root.runningCompiled(), true);
  const config = await imp<typeof import('../../src/config.ts')>('config.js');
  const attrs = resource.resourceAttributes({ resource: config.ConfigSchema.parse({}).resource, facts: {}, hostname: 'node-1', platform: 'darwin' });
  t.equal(attrs['service.version'], PKG.version, 'in the resource the exporters send');

  const layout = await imp<typeof import('../../src/commands/doctor-layout.ts')>('commands/doctor-layout.js');
  t.same(layout.checkLayout()[0], { name: 'compiled build', status: 'PASS', detail: `dist/ is silicon-agent ${PKG.version}, as package.json says` }, "doctor's row, from the compiled doctor");

  const cli = await promisify(execFile)(process.execPath, [join(dir, 'dist', 'src', 'cli.js'), '--version']);
  t.equal(cli.stdout, `silicon-agent ${PKG.version}\n`, 'the compiled CLI');
});
