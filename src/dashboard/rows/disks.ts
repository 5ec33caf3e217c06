/** The dashboard's "Disks" row. */
import { RATE, sel, type RowSpec } from '../model.ts';

export const DISKS_ROW: RowSpec = {
  title: 'Disks',
  purpose: 'Disk throughput and operations per device.',
  perNode: true,
  panels: [
    {
      title: 'Disk throughput',
      question: 'How many bytes per second is each disk moving (read and write together, as iostat reports)?',
      kind: 'timeseries',
      unit: 'Bps',
      width: 12,
      queries: [{ legend: '{{system_device}}', expr: `rate(${sel('system.disk.io')}[${RATE}])` }],
    },
    {
      title: 'Disk operations',
      question: 'How many transfers per second is each disk doing?',
      kind: 'timeseries',
      unit: 'iops',
      width: 12,
      queries: [{ legend: '{{system_device}}', expr: `rate(${sel('system.disk.operations')}[${RATE}])` }],
    },
  ],
};
