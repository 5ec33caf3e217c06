/** The dashboard's "CPU time and load" row: the host source (src/modules/host). */
import { RATE, sel, type RowSpec } from '../model.ts';
import { N, by } from './shared.ts';

/** CPU-seconds per second spent in each mode, summed over the node's logical CPUs (per-CPU series with `perCpu`). */
const cpuByMode = (...matchers: string[]): string =>
  `sum ${by('cpu_mode')} (rate(${sel('system.cpu.time', ...matchers)}[${RATE}]))`;

export const HOST_ROW: RowSpec = {
  title: 'CPU time and load',
  purpose: 'CPU time by mode, load average, CPU counts and uptime, from the kernel\'s own counters (no subprocess).',
  perNode: true,
  panels: [
    {
      title: 'CPU by mode',
      question:
        'How many CPUs\' worth of time goes to user, system and nice work, against the logical CPUs there are (idle is the rest)?',
      kind: 'timeseries',
      unit: 'short',
      stacked: true,
      min: 0,
      width: 12,
      queries: [
        { legend: '{{cpu_mode}}', expr: cpuByMode('cpu_mode!="idle"') },
        { legend: 'logical CPUs', overlay: true, expr: sel('system.cpu.logical.count') },
      ],
    },
    {
      title: 'Load average',
      question: 'How many threads are running or waiting to run (1, 5 and 15 minutes), against the logical CPUs?',
      kind: 'timeseries',
      unit: 'short',
      min: 0,
      width: 12,
      queries: [
        { legend: '1 min', expr: sel('silicon_agent.cpu.load_average.1m') },
        { legend: '5 min', expr: sel('silicon_agent.cpu.load_average.5m') },
        { legend: '15 min', expr: sel('silicon_agent.cpu.load_average.15m') },
        { legend: 'logical CPUs', expr: sel('system.cpu.logical.count') },
      ],
    },
    {
      title: 'CPU counts',
      question: 'How many logical CPUs and physical cores does the node have?',
      caveat: 'Physical cores need the sysctl source\'s `hw.perflevelN.physicalcpu` lines: empty while sysctl is stale or lacks them.',
      kind: 'stat',
      unit: 'short',
      instant: true,
      width: 8,
      queries: [
        { legend: 'logical', expr: sel('system.cpu.logical.count') },
        { legend: 'physical', expr: sel('system.cpu.physical.count') },
      ],
    },
    {
      title: 'CPU busy',
      question: 'What share of the node\'s logical CPUs is busy (user, system and nice time) right now?',
      kind: 'stat',
      unit: 'percentunit',
      instant: true,
      min: 0,
      max: 1,
      width: 8,
      thresholds: [
        [0.8, 'yellow'],
        [0.95, 'red'],
      ],
      queries: [
        {
          legend: 'busy',
          expr: `sum ${by()} (rate(${sel('system.cpu.time', 'cpu_mode!="idle"')}[${RATE}])) / on (${N}) max ${by()} (${sel('system.cpu.logical.count')})`,
        },
      ],
    },
    {
      title: 'Uptime',
      question: 'How long since the node booted (did it restart)?',
      kind: 'stat',
      unit: 's',
      instant: true,
      width: 8,
      queries: [{ legend: 'uptime', expr: sel('system.uptime') }],
    },
  ],
};
