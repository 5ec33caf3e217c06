/**
 * The SMC's part of the catalog: temperatures per sensor and per group, fans, whole-system power.
 */
import type { Attributes, MetricDef } from '../../catalog/types.ts';
import type { SmcSample, TemperatureReading } from './sample.ts';

/**
 * Per-sensor temperature series are capped: an Ultra's SMC lists well over 200 temperature keys
 * (281 plausible ones in the M1 Ultra dump), which alone would break the per-node series budget
 * (< 400). The group max/mean metrics still cover every sensor.
 */
/**
 * Per-sensor temperature series cap (the series budget, test/export/series-bound.test.ts): named sensors
 * first; the per-group maximum and mean cover every sensor whatever the cap.
 */
export const MAX_TEMPERATURE_SERIES = 48;
const GROUP_ORDER = ['cpu_die', 'ambient', 'gpu', 'memory', 'storage', 'cpu_p', 'cpu_e', 'soc', 'other'];
const groupRank = (g: string) => {
  const i = GROUP_ORDER.indexOf(g);
  return i < 0 ? GROUP_ORDER.length : i;
};
const isUnidentified = (t: TemperatureReading) => t.name === 'Unidentified sensor' || t.group === 'other';

/** The sensors exported one by one: a stable choice of at most MAX_TEMPERATURE_SERIES. */
export function exportedTemperatures(ts: readonly TemperatureReading[]): readonly TemperatureReading[] {
  if (ts.length <= MAX_TEMPERATURE_SERIES) return ts;
  return [...ts]
    .sort(
      (a, b) =>
        Number(isUnidentified(a)) - Number(isUnidentified(b)) ||
        groupRank(a.group) - groupRank(b.group) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .slice(0, MAX_TEMPERATURE_SERIES);
}

interface Group {
  attributes: Attributes;
  max: number;
  sum: number;
  count: number;
}

/** Sensors per group (and die, where the key bank shows it), over every plausible sensor. */
export function temperatureGroups(ts: readonly TemperatureReading[]): Iterable<Group> {
  const groups = new Map<string, Group>();
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    const key = t.die === undefined ? t.group : `${t.group}\0${t.die}`;
    const g = groups.get(key);
    if (g) {
      if (t.celsius > g.max) g.max = t.celsius;
      g.sum += t.celsius;
      g.count++;
    } else {
      const attributes: Attributes = t.die !== undefined ? { 'hw.sensor_location': t.group, 'hw.parent': `die${t.die}` } : { 'hw.sensor_location': t.group };
      groups.set(key, { attributes, max: t.celsius, sum: t.celsius, count: 1 });
    }
  }
  return groups.values();
}

/** hw.host.* require hw.id; the host is one component. */
const HOST: Attributes = { 'hw.id': 'host' };

const fanAttrs = (index: number): Attributes => ({ 'hw.id': `fan${index}`, 'hw.type': 'fan' });

export const SMC_METRICS: readonly MetricDef<SmcSample>[] = [
  {
    name: 'hw.temperature',
    unit: 'Cel',
    instrument: 'gauge',
    attributes: ['hw.id', 'hw.name', 'hw.type', 'hw.sensor_location', 'hw.parent'],
    description: `Temperature per SMC/HID sensor, after plausibility filtering (10–130 °C). At most ${MAX_TEMPERATURE_SERIES} sensors, chosen in a stable order (named sensors, then by group: cpu_die, ambient, gpu, memory, storage, cpu_p, cpu_e, soc, other); silicon_agent.temperature.max/mean cover every sensor.`,
    observe(s, emit) {
      const ts = exportedTemperatures(s.temperatures);
      for (let i = 0; i < ts.length; i++) {
        const t = ts[i]!;
        const a: Attributes = { 'hw.id': t.id, 'hw.name': t.name, 'hw.type': 'temperature', 'hw.sensor_location': t.group };
        if (t.die !== undefined) a['hw.parent'] = `die${t.die}`;
        emit(t.celsius, a);
      }
    },
  },
  {
    name: 'silicon_agent.temperature.max',
    unit: 'Cel',
    instrument: 'gauge',
    attributes: ['hw.sensor_location', 'hw.parent'],
    description: 'Hottest sensor per sensor group (and die, where the key bank shows it), over every plausible sensor.',
    observe(s, emit) {
      for (const g of temperatureGroups(s.temperatures)) emit(g.max, g.attributes);
    },
  },
  {
    name: 'silicon_agent.temperature.mean',
    unit: 'Cel',
    instrument: 'gauge',
    attributes: ['hw.sensor_location', 'hw.parent'],
    description: 'Mean of the sensors per sensor group (and die, where the key bank shows it), over every plausible sensor.',
    observe(s, emit) {
      for (const g of temperatureGroups(s.temperatures)) emit(g.sum / g.count, g.attributes);
    },
  },
  {
    name: 'hw.fan.speed',
    unit: 'rpm',
    instrument: 'gauge',
    attributes: ['hw.id', 'hw.type'],
    description: 'Fan speed. A Mac Studio fan reading 0 RPM is reported as unavailable (no point), not as 0.',
    observe(s, emit) {
      for (const f of s.fans) if (f.rpm !== null) emit(f.rpm, fanAttrs(f.index));
    },
  },
  {
    name: 'hw.fan.speed.limit',
    unit: 'rpm',
    instrument: 'gauge',
    attributes: ['hw.id', 'hw.type', 'hw.limit_type'],
    description: 'Fan minimum and maximum speed (SMC `F*Mn`, `F*Mx`).',
    observe(s, emit) {
      for (const f of s.fans) {
        if (f.minRpm !== undefined) emit(f.minRpm, { ...fanAttrs(f.index), 'hw.limit_type': 'low.degraded' });
        if (f.maxRpm !== undefined) emit(f.maxRpm, { ...fanAttrs(f.index), 'hw.limit_type': 'max' });
      }
    },
  },
  {
    name: 'silicon_agent.fan.target_speed',
    unit: 'rpm',
    instrument: 'gauge',
    attributes: ['hw.id', 'hw.type'],
    description: 'Fan target speed requested by the system (SMC `F*Tg`).',
    observe(s, emit) {
      for (const f of s.fans) if (f.targetRpm !== undefined) emit(f.targetRpm, fanAttrs(f.index));
    },
  },
  {
    name: 'hw.host.power',
    unit: 'W',
    instrument: 'gauge',
    attributes: ['hw.id'],
    description: 'Whole-system power from the SMC (`PSTR`), as `hw.id="host"`.',
    observe(s, emit) {
      if (s.systemPowerW !== undefined) emit(s.systemPowerW, HOST);
    },
  },
  {
    name: 'hw.host.energy',
    unit: 'J',
    instrument: 'counter',
    attributes: ['hw.id'],
    description: 'Whole-system energy since the agent started: SMC system power × the SMC polling interval, as `hw.id="host"`.',
    accumulate(s, emit) {
      if (s.intervalS !== undefined && s.systemPowerW !== undefined) emit(s.systemPowerW * s.intervalS, HOST);
    },
  },
];
