/**
 * Set environment variables for one test and restore them (or delete the ones that were unset) at
 * its teardown. Not a test file (tap runs only *.test.ts).
 */
export function withEnv(t: { teardown(fn: () => void): void }, vars: Record<string, string>): void {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  t.teardown(() => {
    for (const [k, v] of Object.entries(old)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  });
}
