/** The dashboard's "Filesystems" row: the filesystems source (src/modules/filesystems). */
import { sel, type RowSpec } from '../model.ts';
import { by } from './shared.ts';

/** Policy, not hardware: a volume 80 % full is worth a look, 90 % needs action. */
export const FULL_THRESHOLDS = [
  [0.8, 'yellow'],
  [0.9, 'red'],
] as const;

/** APFS volumes of one container share its space: "reserved" is the other volumes' share (src/modules/filesystems). */
const APFS_NOTE =
  'APFS volumes of one container share its free space: a volume\'s "reserved" is what the container\'s other volumes hold, so never add volumes of one container up.';

export const FILESYSTEMS_ROW: RowSpec = {
  title: 'Filesystems',
  purpose: `How full each shown volume is, fullest first, and its space by state (used, free, reserved). ${APFS_NOTE}`,
  perNode: true,
  panels: [
    {
      title: 'Volumes, fullest first',
      question: 'Which volume of this node is fullest right now (used ÷ (used + free), as df counts it)?',
      kind: 'bargauge',
      unit: 'percentunit',
      instant: true,
      min: 0,
      max: 1,
      width: 12,
      thresholds: FULL_THRESHOLDS,
      queries: [
        {
          legend: '{{system_filesystem_mountpoint}}',
          expr: `sort_desc(max ${by('system_filesystem_mountpoint')} (${sel('system.filesystem.utilization')}))`,
        },
      ],
    },
    {
      title: 'Volume utilization',
      question: 'Is any volume filling up over time?',
      kind: 'timeseries',
      unit: 'percentunit',
      min: 0,
      max: 1,
      width: 12,
      queries: [{ legend: '{{system_filesystem_mountpoint}}', expr: sel('system.filesystem.utilization') }],
    },
    {
      title: 'Space per volume by state',
      question: `How many bytes of each volume are used, free to write, and reserved? ${APFS_NOTE}`,
      kind: 'timeseries',
      unit: 'bytes',
      min: 0,
      width: 24,
      queries: [
        {
          legend: '{{system_filesystem_mountpoint}} {{system_filesystem_state}}',
          expr: sel('system.filesystem.usage'),
        },
      ],
    },
  ],
};
