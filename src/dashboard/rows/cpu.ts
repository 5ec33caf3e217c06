/** The dashboard's "CPU" row. */
import { sel, type RowSpec } from '../model.ts';
import { by } from './shared.ts';

export const CPU_ROW: RowSpec = {
  title: 'CPU',
  purpose: 'Frequency and activity per CPU cluster, split by die on Ultra chips.',
  perNode: true,
  panels: [
    {
      title: 'Cluster frequency per die',
      question: 'At what frequency is each cluster of each die running while active (is a die held back)?',
      kind: 'timeseries',
      unit: 'hertz',
      width: 12,
      queries: [
        { legend: 'die {{silicon_agent_die}} {{silicon_agent_cpu_cluster}}', expr: sel('silicon_agent.cpu.cluster.frequency') },
      ],
    },
    {
      title: 'Cluster active ratio per die',
      question: 'How busy is each cluster of each die (is the load on one die, or on the E or P cores)?',
      kind: 'timeseries',
      unit: 'percentunit',
      min: 0,
      max: 1,
      width: 12,
      queries: [{ legend: 'die {{silicon_agent_die}} {{silicon_agent_cpu_cluster}}', expr: sel('silicon_agent.cpu.cluster.active') }],
    },
    {
      title: 'Core activity now',
      question: 'Which individual cores are busy right now, and on which die and cluster?',
      kind: 'bargauge',
      unit: 'percentunit',
      instant: true,
      min: 0,
      max: 1,
      width: 24,
      height: 10,
      queries: [
        {
          legend: 'die {{silicon_agent_die}} {{silicon_agent_cpu_cluster}} cpu {{cpu_logical_number}}',
          expr: sel('silicon_agent.cpu.active'),
        },
      ],
    },
  ],
};
