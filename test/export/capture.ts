/**
 * Test helper (not a test): a replay folder parsed synchronously into samples, and sources that
 * hand them to the agent at start. Deterministic: no replay timing, no staleness (1 h interval).
 */
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAll } from '../../src/parsers/parser.ts';
import { createPowermetricsParser } from '../../src/parsers/powermetrics.ts';
import { createIostatParser } from '../../src/parsers/iostat.ts';
import { createVmStatParser } from '../../src/parsers/vm_stat.ts';
import { createSysctlParser } from '../../src/parsers/sysctl.ts';
import { parseSmcDump } from '../../src/parsers/smc-dump.ts';
import { interpretSmc } from '../../src/smc/interpret.ts';
import { readManifest, REPLAY_FILES } from '../../src/sources/replay.ts';
import type { ParseError, Sample, SourceName } from '../../src/samples.ts';
import type { Source, SourceSink } from '../../src/sources/source.ts';

export const REPLAY_ROOT = new URL('../../fixtures/replay/', import.meta.url).pathname;
export const M2_ULTRA = join(REPLAY_ROOT, 'm2-ultra');

export function replayFolders(): string[] {
  return readdirSync(REPLAY_ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(REPLAY_ROOT, d.name));
}

export type Capture = Partial<Record<SourceName, Array<Sample | ParseError>>>;

export function readCapture(dir: string): Capture {
  const m = readManifest(dir);
  const file = (n: SourceName) => join(dir, REPLAY_FILES[n]);
  const out: Capture = {};
  if (existsSync(file('powermetrics'))) out.powermetrics = parseAll(createPowermetricsParser(), readFileSync(file('powermetrics')));
  if (existsSync(file('iostat'))) {
    const ms = m.sources.iostat?.intervalMs;
    out.iostat = parseAll(createIostatParser(ms ? { intervalS: ms / 1000 } : {}), readFileSync(file('iostat'), 'utf8'));
  }
  if (existsSync(file('vm_stat'))) out.vm_stat = parseAll(createVmStatParser(), readFileSync(file('vm_stat'), 'utf8'));
  if (existsSync(file('sysctl'))) out.sysctl = parseAll(createSysctlParser(), readFileSync(file('sysctl'), 'utf8'));
  if (existsSync(file('smc'))) {
    const { keys } = parseSmcDump(readFileSync(file('smc'), 'utf8'));
    out.smc = [interpretSmc(keys, [], { ...(m.model ? { hwModel: m.model } : {}), intervalS: 5 })];
  }
  return out;
}

/** Sources that emit a capture's results at start, then stay `running`. */
export function captureSources(capture: Capture, intervalMs = 3_600_000): Source[] {
  return (Object.entries(capture) as [SourceName, Array<Sample | ParseError>][]).map(([name, results]) => ({
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
