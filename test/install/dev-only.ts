/**
 * Test helper (not a test): the development dependencies a production install must not hold. A
 * devDependency that the run-time packages also need (the lockfile has no `"dev": true` on it, e.g.
 * @opentelemetry/semantic-conventions, which @opentelemetry/core and resources depend on; the agent's
 * own code never imports it, test/semconv proves) is installed all the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function devOnlyPackages(repo: string): string[] {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  return Object.keys(pkg.devDependencies).filter((d) => lock.packages[`node_modules/${d}`]?.dev === true);
}
