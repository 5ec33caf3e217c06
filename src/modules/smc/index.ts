/**
 * The SMC: temperatures (per die where the key bank shows it), fans, whole-system power. Read through
 * our N-API addon as raw keys and bytes; the meaning is given in TypeScript (./interpret.ts).
 */
import type { z } from 'zod';
import type { SourceModule } from '../module.ts';
import { sourceConfig } from '../module.ts';
import { formatSmcLine } from './decode.ts';
import { MAX_TEMPERATURE_SERIES, SMC_METRICS } from './metrics.ts';
import { createSmcParser } from './parser.ts';
import { SmcSample } from './sample.ts';
import { createSmcSource, readAllSmcKeys } from './source.ts';

export const SmcConfig = sourceConfig(5000);
export type SmcConfig = z.infer<typeof SmcConfig>;

function smcRows(s: SmcSample): string[][] {
  const groups = new Map<string, number[]>();
  for (const t of s.temperatures) {
    const g = groups.get(t.group);
    if (g) g.push(t.celsius);
    else groups.set(t.group, [t.celsius]);
  }
  const rows = [['group', 'sensors', 'max', 'mean']];
  for (const [g, v] of [...groups].sort(([a], [b]) => a.localeCompare(b)))
    rows.push([g, String(v.length), `${Math.max(...v).toFixed(1)} °C`, `${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(1)} °C`]);
  for (const f of s.fans)
    rows.push([`fan ${f.index}`, f.rpm === null ? 'unavailable' : `${Math.round(f.rpm)} rpm`, f.maxRpm !== undefined ? `max ${Math.round(f.maxRpm)}` : '']);
  if (s.fans.length === 0) rows.push(['fans', 'none reported']);
  if (s.systemPowerW !== undefined) rows.push(['system (SMC PSTR)', `${s.systemPowerW.toFixed(2)} W`]);
  return rows;
}

export const smc: SourceModule<SmcSample, SmcConfig> = {
  name: 'smc',
  title: 'SMC: temperatures, fans, system power',
  config: SmcConfig,
  sample: SmcSample,
  parser: (ctx) =>
    createSmcParser({
      ...(ctx.hwModel !== undefined ? { hwModel: ctx.hwModel } : {}),
      ...(ctx.sincePreviousS !== undefined ? { intervalS: ctx.sincePreviousS } : {}),
    }),
  live: (c, ctx) =>
    createSmcSource({ intervalMs: c.intervalMs, logger: ctx.logger, native: ctx.native, ...(ctx.hwModel !== undefined ? { hwModel: ctx.hwModel } : {}) }),
  replay: { file: 'smc.txt', mode: { kind: 'poll' } },
  metrics: SMC_METRICS,
  attributes: {
    'hw.sensor_location': {
      doc: `Sensor group, the location semantic conventions' hw.sensor_location names (per-sensor series are capped at ${MAX_TEMPERATURE_SERIES}).`,
      values: ['cpu_die', 'cpu_p', 'cpu_e', 'gpu', 'soc', 'memory', 'ambient', 'storage', 'other'],
    },
  },
  dropReasons: ['implausible_temperature', 'undecodable', 'unknown_over_limit', 'above_ceiling', 'negative'],
  dump: {
    kind: 'inprocess',
    label: 'silicon-agent smc dump',
    async capture(ctx) {
      const r = readAllSmcKeys(ctx.native);
      if ('error' in r) return { error: r.error };
      if (r.keys.length === 0) return { error: 'no keys' };
      return { text: r.keys.map((k) => formatSmcLine(k) + '\n').join('') };
    },
  },
  describe: (r) => `smc ${r.temperatures.length} temperatures, ${r.fans.length} fans${r.systemPowerW !== undefined ? `, system ${r.systemPowerW.toFixed(2)} W` : ''}`,
  sections: [{ heading: 'Temperatures and fans (SMC)', rows: smcRows }],
  async doctor(ctx) {
    const l = ctx.native();
    if (!l.addon) return [{ name: 'SMC addon', status: 'fail', detail: `not loaded: ${l.error}` }];
    if (!l.addon.hasIOKit || !l.addon.readKeys)
      return [{ name: 'SMC addon', status: 'fail', detail: 'loaded, but built without IOKit (not a macOS build): temperatures and fans are unavailable' }];
    const r = l.addon.readKeys(['#KEY']);
    if (!r.opened) return [{ name: 'SMC addon', status: 'fail', detail: `loaded, but AppleSMC did not open: ${r.errors[0]?.message ?? 'unknown error'}` }];
    return [{ name: 'SMC addon', status: 'pass', detail: 'loaded; AppleSMC opened' }];
  },
};
