/** The dashboard's "Disks" row: the disks source (IOKit), or iostat where it is absent. */
import { RATE, sel, type RowSpec } from '../model.ts';

/** iostat's counters yield to the disks source's (src/catalog/fallback.ts): one series never comes from both. */
const SOURCE_NOTE =
  'Read and write apart when the disks source (IOKit `IOBlockStorageDriver` "Statistics") runs; where it cannot, iostat\'s combined figure, with no direction.';
const LEGEND = '{{system_device}} {{disk_io_direction}}';

export const DISKS_ROW: RowSpec = {
  title: 'Disks',
  purpose: `Disk throughput, operations and latency per device and direction. ${SOURCE_NOTE}`,
  perNode: true,
  panels: [
    {
      title: 'Disk throughput',
      question: 'How many bytes per second is each disk reading and writing?',
      caveat: SOURCE_NOTE,
      kind: 'timeseries',
      unit: 'Bps',
      min: 0,
      width: 8,
      queries: [{ legend: LEGEND, expr: `rate(${sel('system.disk.io')}[${RATE}])` }],
    },
    {
      title: 'Disk operations',
      question: 'How many reads and writes per second is each disk doing?',
      caveat: SOURCE_NOTE,
      kind: 'timeseries',
      unit: 'iops',
      min: 0,
      width: 8,
      queries: [{ legend: LEGEND, expr: `rate(${sel('system.disk.operations')}[${RATE}])` }],
    },
    {
      title: 'Disk latency',
      question: 'How long does a read or a write take on average (operation time ÷ operations; 0 while the disk is idle)?',
      caveat: 'Needs the disks source: iostat gives no operation time.',
      kind: 'timeseries',
      unit: 's',
      min: 0,
      width: 8,
      queries: [
        {
          legend: LEGEND,
          // clamp_min: an idle disk (no operations in the window) reads 0 rather than 0/0.
          expr: `rate(${sel('system.disk.operation_time')}[${RATE}]) / clamp_min(rate(${sel('system.disk.operations')}[${RATE}]), 1e-9)`,
        },
      ],
    },
  ],
};
