/**
 * Test helper (not a test): a replay folder parsed synchronously into samples, and sources that
 * hand them to the agent at start. Deterministic: no replay timing, no staleness (1 h interval).
 */
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAll } from '../../src/parsers/parser.ts';
import type { AnyModule } from '../../src/modules/module.ts';
import { MODULES } from '../../src/registry.ts';
import type { ParseError, BaseSample as Sample } from '../../src/samples.ts';
import { readManifest } from '../../src/sources/replay.ts';
import type { Source, SourceSink } from '../../src/sources/source.ts';

export const REPLAY_ROOT = new URL('../../fixtures/replay/', import.meta.url).pathname;
export const M2_ULTRA = join(REPLAY_ROOT, 'm2-ultra');

export function replayFolders(): string[] {
  return readdirSync(REPLAY_ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(REPLAY_ROOT, d.name));
}

export type Capture = Partial<Record<string, Array<Sample | ParseError>>>;

/**
 * Every source's file in a replay folder through its module's parser, as a replay reads it (the poll
 * sources' transform applied; the SMC dump read as a 5 s poll of the manifest's model).
 */
export function readCapture(dir: string): Capture {
  const m = readManifest(dir);
  const out: Capture = {};
  for (const mod of MODULES as readonly AnyModule[]) {
    const file = join(dir, mod.replay.file);
    if (!existsSync(file)) continue;
    const raw = readFileSync(file);
    const mode = mod.replay.mode;
    const bytes = mode.kind === 'poll' && mode.transform ? mode.transform(raw) : raw;
    const ctx = { ...mod.replay.context?.(m.sources[mod.name], 5000), ...(m.model ? { hwModel: m.model } : {}), sincePreviousS: 5 };
    out[mod.name] = parseAll(mod.parser(ctx), bytes);
  }
  return out;
}

/** Sources that emit a capture's results at start, then stay `running`. */
export function captureSources(capture: Capture, intervalMs = 3_600_000): Source[] {
  return (Object.entries(capture) as [string, Array<Sample | ParseError>][]).map(([name, results]) => ({
    name,
    intervalMs,
    start(sink: SourceSink) {
      sink.status({ state: 'running' });
      for (const r of results) sink.result(r);
    },
    async stop() {},
  }));
}

/** A free TCP port on loopback (the one helper, re-exported for the tests that import it from here). */
export { freePort } from '../helpers/prometheus.ts';
