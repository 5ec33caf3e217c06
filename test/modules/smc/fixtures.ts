// Shared helpers for the SMC tests: the real iSMC dumps in fixtures/smc/.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSmcDump } from '../../../src/modules/smc/dump-format.ts';
import type { SmcDumpKey } from '../../../src/modules/smc/dump-format.ts';

export const SMC_DIR = fileURLToPath(new URL('../../../fixtures/smc/', import.meta.url));
export const FULL_DUMP = 'm2-max-ismc-raw-full-dump.txt';
export const DUMPS = readdirSync(SMC_DIR).filter((f) => f.endsWith('.txt')).sort();

export function dumpText(file: string): string {
  return readFileSync(SMC_DIR + file, 'utf8');
}
export function dumpKeys(file: string): SmcDumpKey[] {
  return parseSmcDump(dumpText(file)).keys;
}
