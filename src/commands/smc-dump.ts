/**
 * `silicon-agent smc dump [--json] [--replay FILE]`: every SMC key with its type, bytes and
 * decoded value, for field reports from new chips. The text form is iSMC's raw format
 * (`  KEY  [type]  value (bytes ..)`), so the output replays through the SMC module's parser
 * (src/modules/smc/parser.ts) like any replay file. `--json` prints an array of {key, type, size, bytes, value}.
 * `--replay FILE` re-prints a dump (and works without the addon), e.g. to convert it to JSON.
 */
import { readFile } from 'node:fs/promises';
import { decodeSmcValue, formatSmcLine } from '../modules/smc/decode.ts';
import { parseSmcDump } from '../modules/smc/dump-format.ts';
import type { SmcKey } from '../modules/smc/sample.ts';
import { readAllSmcKeys } from '../modules/smc/source.ts';
import type { NativeLoader } from '../sources/native.ts';

export interface SmcDumpIo {
  out: (s: string) => void;
  err: (s: string) => void;
  native: NativeLoader;
}

const USAGE = 'usage: silicon-agent smc dump [--json] [--replay FILE]';

export async function main(argv: string[], io: Partial<SmcDumpIo> = {}): Promise<number> {
  const out = io.out ?? ((s: string) => void process.stdout.write(s));
  const err = io.err ?? ((s: string) => void process.stderr.write(s));
  const args = argv[0] === 'dump' ? argv.slice(1) : argv;
  let json = false;
  let replay: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--replay' && args[i + 1] !== undefined) replay = args[++i];
    else if (a.startsWith('--replay=')) replay = a.slice('--replay='.length);
    else if (a === '-h' || a === '--help') {
      out(USAGE + '\n');
      return 0;
    } else {
      err(`smc dump: unknown argument ${JSON.stringify(a)}\n${USAGE}\n`);
      return 64; // EX_USAGE, like every other command
    }
  }

  let keys: SmcKey[];
  if (replay !== undefined) {
    let text: string;
    try {
      text = await readFile(replay, 'utf8');
    } catch (e) {
      err(`smc dump: cannot read ${replay}: ${(e as Error).message}\n`);
      return 1;
    }
    const parsed = parseSmcDump(text);
    for (const e of parsed.errors) err(`smc dump: ${replay}${e.line ? `:${e.line}` : ''}: ${e.kind}: ${e.message}\n`);
    keys = parsed.keys.map(({ key, type, size, bytes }) => ({ key, type, size, bytes }));
  } else {
    const r = readAllSmcKeys(io.native);
    if ('error' in r) {
      err(`smc dump: ${r.error}\n`);
      return 1;
    }
    for (const e of r.errors) err(`smc dump: ${e}\n`);
    keys = r.keys;
  }

  if (json) {
    const rows = keys.map((k) => {
      const v = decodeSmcValue(k.type, k.bytes);
      return { key: k.key, type: k.type, size: k.size, bytes: k.bytes, value: typeof v === 'bigint' ? v.toString() : v };
    });
    out(JSON.stringify(rows, null, 1) + '\n');
  } else {
    out(keys.map((k) => formatSmcLine(k) + '\n').join(''));
  }
  return 0;
}
