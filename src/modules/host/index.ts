/**
 * host: CPU time by mode, CPU counts, load average and uptime, read in-process through Node
 * (`os.cpus()`, `os.loadavg()`, `os.uptime()`): no subprocess, no root.
 */
import { z } from 'zod';
import { binary } from '../../sources/binaries.ts';
import type { SourceModule } from '../module.ts';
import { sourceConfig } from '../module.ts';
import { factsToSample } from './facts.ts';
import { HOST_METRICS } from './metrics.ts';
import { createHostParser, lineUnits } from './parser.ts';
import { HostSample, MAX_CPUS } from './sample.ts';
import { captureHostDump, createHostSource, readHost } from './source.ts';

export const HostConfig = sourceConfig(5000, {
  /** One `system.cpu.time` series per logical CPU and mode instead of one per mode (128 on an M3 Ultra). */
  perCpu: z.boolean().default(false),
});
export type HostConfig = z.infer<typeof HostConfig>;

const DURATION = (s: number): string => {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${d > 0 ? `${d}d ` : ''}${h}h ${m}m`;
};

function totals(s: HostSample): { user: number; nice: number; system: number; idle: number; interrupt?: number } {
  const t = { user: 0, nice: 0, system: 0, idle: 0, interrupt: undefined as number | undefined };
  for (const c of s.cpuTimes) {
    t.user += c.userS;
    t.nice += c.niceS;
    t.system += c.systemS;
    t.idle += c.idleS;
    if (c.interruptS !== undefined) t.interrupt = (t.interrupt ?? 0) + c.interruptS;
  }
  return t;
}

export const host: SourceModule<HostSample, HostConfig> = {
  name: 'host',
  title: 'host: CPU time, CPU counts, load average, uptime',
  config: HostConfig,
  sample: HostSample,
  parser: (ctx) => createHostParser({ perCpu: ctx.perCpu === true }),
  live: (c, ctx) => createHostSource({ intervalMs: c.intervalMs, perCpu: c.perCpu, logger: ctx.logger }),
  replay: {
    file: 'host.jsonl',
    mode: { kind: 'stream', units: lineUnits },
    context: (_info, _intervalMs, config) => ({ perCpu: (config as HostConfig | undefined)?.perCpu === true }),
  },
  metrics: HOST_METRICS,
  dump: {
    kind: 'inprocess',
    label: 'silicon-agent host reading (os.cpus, os.loadavg, os.uptime) at rows 1 and 4 of iostat -w 1 -c 4',
    capture: (ctx) => captureHostDump(binary('iostat', undefined, ctx.env), ctx.env),
  },
  describe: (s) => {
    const t = totals(s);
    return `host ${s.logicalCount} CPUs, user ${t.user.toFixed(1)} s system ${t.system.toFixed(1)} s idle ${t.idle.toFixed(1)} s, load ${s.loadAverage.m1.toFixed(2)} ${s.loadAverage.m5.toFixed(2)} ${s.loadAverage.m15.toFixed(2)}, up ${DURATION(s.uptimeS)}`;
  },
  sections: [
    {
      heading: 'CPU time, load and uptime (host)',
      rows: (s) => {
        const t = totals(s);
        const all = t.user + t.nice + t.system + t.idle + (t.interrupt ?? 0);
        const pct = (x: number): string => (all > 0 ? `${((100 * x) / all).toFixed(1)} %` : '-');
        return [
          ['logical CPUs', String(s.logicalCount)],
          ['CPU time since boot', `user ${pct(t.user)}`, `nice ${pct(t.nice)}`, `system ${pct(t.system)}`, `idle ${pct(t.idle)}`, ...(t.interrupt !== undefined ? [`interrupt ${pct(t.interrupt)}`] : [])],
          ['load average', s.loadAverage.m1.toFixed(2), s.loadAverage.m5.toFixed(2), s.loadAverage.m15.toFixed(2)],
          ['uptime', DURATION(s.uptimeS)],
        ];
      },
    },
  ],
  async doctor() {
    try {
      const r = factsToSample(readHost());
      const s = r.find((x): x is HostSample => x.type === 'host');
      if (!s) return [{ name: 'host', status: 'fail', detail: `os.cpus() gave no usable reading: ${r[0]?.type === 'error' ? r[0].message : 'unknown'}` }];
      return [{ name: 'host', status: 'pass', detail: `os.cpus() lists ${s.logicalCount} logical CPUs (at most ${MAX_CPUS}); load and uptime read` }];
    } catch (err) {
      return [{ name: 'host', status: 'fail', detail: `reading the host failed: ${(err as Error)?.message ?? String(err)}` }];
    }
  },
};
