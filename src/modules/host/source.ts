/**
 * host, live: a poll source (src/sources/poll.ts) whose read asks Node, in-process, for the CPU times
 * (`os.cpus()`: host_processor_info on macOS, /proc/stat on Linux), the load average (`os.loadavg()`)
 * and the uptime (`os.uptime()`), and keeps them as plain facts (./facts.ts). No subprocess.
 *
 * `dump` takes two readings beside an `iostat -w 1 -c 4` (captureHostDump): one when iostat prints its
 * first row, one when it prints its fourth, and records the unit check (./check.ts) in the manifest.
 */
import { cpus, loadavg, uptime } from 'node:os';
import { execa } from 'execa';
import type { Logger } from '../../log.ts';
import type { PollSource } from '../../sources/poll.ts';
import { createPollSource } from '../../sources/poll.ts';
import { createIostatParser } from '../iostat/parser.ts';
import type { IostatSample } from '../iostat/sample.ts';
import { hostCheck } from './check.ts';
import type { HostFacts } from './facts.ts';
import { factsToSample, HOST_FACTS_FORMAT } from './facts.ts';
import { createHostParser } from './parser.ts';

/** One reading: what Node returns, unchanged. */
export function readHost(platform: string = process.platform): HostFacts {
  const l = loadavg();
  return {
    format: HOST_FACTS_FORMAT,
    platform,
    cpus: cpus().map(({ times: t }) => ({ user: t.user, nice: t.nice, sys: t.sys, idle: t.idle, irq: t.irq })),
    loadavg: [l[0]!, l[1]!, l[2]!],
    uptimeS: uptime(),
  };
}

export interface HostSourceOptions {
  intervalMs: number;
  perCpu?: boolean;
  logger?: Logger;
  /** The reader (tests pass their own). */
  read?: () => HostFacts;
}

export function createHostSource(opts: HostSourceOptions): PollSource {
  const perCpu = { perCpu: opts.perCpu === true };
  const read = opts.read ?? (() => readHost());
  return createPollSource({
    name: 'host',
    intervalMs: opts.intervalMs,
    ...(opts.logger ? { logger: opts.logger } : {}),
    // A live read hands facts to `interpret`; the parser is here for the interface.
    createParser: () => createHostParser(perCpu),
    interpret: (facts) => factsToSample(facts, perCpu),
    async read() {
      try {
        const facts = read();
        if (facts.cpus.length === 0) return { failure: 'os.cpus() returned no CPUs' };
        return { facts };
      } catch (err) {
        return { failure: `reading the host failed: ${(err as Error)?.message ?? String(err)}` };
      }
    },
  });
}

/** What `dump` writes for the host: the readings, iostat's output beside them, the check for the manifest. */
export interface HostDump {
  text: string;
  files: Record<string, Buffer>;
  info: { check: unknown };
}

/** How long `dump` waits for iostat's fourth row before it gives up on the check. */
const CHECK_GIVE_UP_MS = 20_000;
const MAX_CHECK_OUTPUT = 1024 * 1024;
/** The iostat line the check runs beside. */
export const CHECK_ARGS = ['-w', '1', '-c', '4'] as const;

/**
 * `dump`'s capture: two readings, taken when `iostat -w 1 -c 4` prints its first and its fourth row;
 * the check in `info.check`, iostat's output in `host-check-iostat.txt`. Without iostat's rows the two
 * readings are still taken, 3 s apart, and the check has the wall-time ratio only.
 */
export async function captureHostDump(iostatFile: string, env: NodeJS.ProcessEnv): Promise<HostDump> {
  const parser = createIostatParser({ intervalS: 1 });
  const rows: IostatSample[] = [];
  const readings: Array<{ facts: HostFacts; at: number }> = [];
  const chunks: Buffer[] = [];
  const child = execa(iostatFile, [...CHECK_ARGS], { reject: false, env, extendEnv: false, stdin: 'ignore', encoding: 'buffer', buffer: false, forceKillAfterDelay: 2000 });
  const take = (): void => {
    readings.push({ facts: readHost(), at: performance.now() });
  };
  let failed: string | undefined;
  let kept = 0;
  await new Promise<void>((resolve) => {
    const giveUp = setTimeout(() => {
      failed = `iostat printed no 4th row in ${CHECK_GIVE_UP_MS / 1000} s`;
      child.kill('SIGTERM');
      resolve();
    }, CHECK_GIVE_UP_MS);
    child.stdout?.on('data', (b: Buffer) => {
      // iostat -c 4 prints a few hundred bytes; anything past 1 MiB is not kept.
      if ((kept += b.length) <= MAX_CHECK_OUTPUT) chunks.push(b);
      for (const r of parser.push(b)) {
        if (r.type !== 'iostat') continue;
        rows.push(r);
        if (rows.length === 1 || rows.length === 4) take();
        if (rows.length === 4) {
          clearTimeout(giveUp);
          child.kill('SIGTERM');
          resolve();
        }
      }
    });
    child.stderr?.resume();
    void child.then((r) => {
      if (rows.length < 4) {
        clearTimeout(giveUp);
        failed = (r as { code?: string }).code === 'ENOENT' ? `${iostatFile}: command not found` : `iostat stopped after ${rows.length} rows`;
        resolve();
      }
    });
  });
  await child.catch(() => undefined);
  if (readings.length < 2) {
    readings.length = 0;
    take();
    await new Promise((r) => setTimeout(r, 3000));
    take();
  }
  const [a, b] = readings as [{ facts: HostFacts; at: number }, { facts: HostFacts; at: number }];
  const check = hostCheck(a.facts, b.facts, (b.at - a.at) / 1000, failed === undefined ? rows : []);
  if (failed !== undefined) check.note = `${failed}: the readings are 3 s apart and only the wall-time ratio is checked`;
  return {
    text: `${JSON.stringify(a.facts)}\n${JSON.stringify(b.facts)}\n`,
    files: { 'host-check-iostat.txt': Buffer.concat(chunks) },
    info: { check },
  };
}
