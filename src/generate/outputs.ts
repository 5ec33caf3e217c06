/**
 * Generated files (docs, dashboards, alert rules): write each one whose text changed, or with
 * `check` only report it as stale. One implementation for every generator (`npm run dashboard`,
 * `npm run alerts`); the staleness tests call the same `--check`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Write (or, with `check`, compare) every output under `root`; returns how many were stale. */
export function writeOutputs(root: string, outputs: Readonly<Record<string, () => string>>, opts: { check: boolean; command: string }): number {
  let stale = 0;
  for (const [rel, render] of Object.entries(outputs)) {
    const path = join(root, rel);
    const text = render();
    if (read(path) === text) continue;
    if (opts.check) {
      console.error(`${rel} is stale: run ${opts.command}`);
      stale++;
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      console.log(`wrote ${rel}`);
    }
  }
  return stale;
}
