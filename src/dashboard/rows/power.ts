/** The dashboard's "Power and energy" row. */
import { sel, type RowSpec } from '../model.ts';
import { PSTR_CAVEAT, by, kwhPerDay } from './shared.ts';

export const POWER_ROW: RowSpec = {
  title: 'Power and energy',
  purpose: 'Where one node\'s power goes, and how much energy it used.',
  perNode: true,
  panels: [
    {
      title: 'Power by component',
      question: 'How is the node\'s power split between CPU, GPU and ANE, and how does the SoC compare with the whole system?',
      caveat: `System: ${PSTR_CAVEAT} ANE: zero or absent where powermetrics ran without the ane_power sampler.`,
      kind: 'timeseries',
      unit: 'watt',
      width: 16,
      queries: [
        { legend: 'system (SMC)', expr: sel('hw.host.power') },
        { legend: 'SoC (CPU+GPU+ANE)', expr: sel('silicon_agent.soc.power') },
        { legend: '{{hw_id}}', expr: sel('hw.power') },
        { legend: 'ane', expr: sel('silicon_agent.ane.power') },
      ],
    },
    {
      title: 'Energy, last 24 h',
      question: 'How many kWh did the node and each of its components use over the last day?',
      kind: 'bargauge',
      unit: 'kwatth',
      instant: true,
      width: 8,
      decimals: 3,
      queries: [
        { legend: 'system (SMC)', expr: kwhPerDay(sel('hw.host.energy')) },
        { legend: 'SoC (CPU+GPU+ANE)', expr: kwhPerDay(sel('silicon_agent.soc.energy')) },
        { legend: '{{hw_id}}', expr: kwhPerDay(sel('hw.energy')) },
        { legend: 'ane', expr: kwhPerDay(sel('silicon_agent.ane.energy')) },
      ],
    },
  ],
};
