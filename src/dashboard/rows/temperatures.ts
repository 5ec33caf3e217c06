/** The dashboard's "Temperatures" row. */
import { sel, type RowSpec } from '../model.ts';

export const TEMPERATURES_ROW: RowSpec = {
  title: 'Temperatures',
  purpose: 'Temperatures per die and sensor group, the hottest sensors, and the OS\'s thermal pressure.',
  perNode: true,
  panels: [
    {
      title: 'Hottest sensor per die and group',
      question: 'Which die and which part of it (CPU, GPU, SoC, memory, …) is hottest, and is one die hotter than the other?',
      kind: 'timeseries',
      unit: 'celsius',
      width: 12,
      queries: [{ legend: '{{hw_parent}} {{hw_sensor_location}}', expr: sel('silicon_agent.temperature.max') }],
    },
    {
      title: 'Mean temperature per die and group',
      question: 'Is a whole die or sensor group warming, rather than one hot spot?',
      kind: 'timeseries',
      unit: 'celsius',
      width: 12,
      queries: [{ legend: '{{hw_parent}} {{hw_sensor_location}}', expr: sel('silicon_agent.temperature.mean') }],
    },
    {
      title: 'Hottest sensors now',
      question: 'Which individual sensors read highest right now?',
      caveat:
        'Per-sensor series are capped per node (catalog MAX_TEMPERATURE_SERIES, named sensors and the cpu_die group first); the per-group panels cover every sensor.',
      kind: 'bargauge',
      unit: 'celsius',
      instant: true,
      width: 12,
      queries: [{ legend: '{{hw_name}} ({{hw_id}})', expr: `topk(12, ${sel('hw.temperature')})` }],
    },
    {
      title: 'Thermal pressure',
      question: 'Has the OS raised thermal pressure (and so throttled) on this node?',
      kind: 'state-timeline',
      unit: 'short',
      mapping: 'thermal',
      width: 12,
      queries: [{ legend: 'thermal pressure', expr: sel('silicon_agent.thermal.pressure') }],
    },
  ],
};
