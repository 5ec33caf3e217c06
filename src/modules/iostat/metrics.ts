/**
 * iostat's part of the catalog: bytes and transfers per disk, summed per interval row.
 */
import type { MetricDef } from '../../catalog/types.ts';
import type { IostatSample } from './sample.ts';

export const IOSTAT_METRICS: readonly MetricDef<IostatSample>[] = [
  {
    name: 'system.disk.io',
    unit: 'By',
    instrument: 'counter',
    attributes: ['system.device'],
    // The disks source (IOKit) counts reads and writes apart, since boot: it wins while it has a fresh sample.
    yieldsTo: 'disks',
    description:
      "Bytes read and written per disk since the agent started (iostat rate × interval; iostat does not split read and write). The since-boot first row, and a hot-plugged disk's first row, are never counted.",
    accumulate(s, emit) {
      const dt = s.intervalS;
      if (s.sinceBoot || dt === undefined) return; // no known window: nothing to integrate
      for (let i = 0; i < s.disks.length; i++) {
        const d = s.disks[i]!;
        if (!d.appeared) emit(d.bytesPerS * dt, { 'system.device': d.device });
      }
    },
  },
  {
    name: 'system.disk.operations',
    unit: '{operation}',
    instrument: 'counter',
    attributes: ['system.device'],
    yieldsTo: 'disks',
    description: 'Transfers per disk since the agent started (iostat tps × interval).',
    accumulate(s, emit) {
      const dt = s.intervalS;
      if (s.sinceBoot || dt === undefined) return;
      for (let i = 0; i < s.disks.length; i++) {
        const d = s.disks[i]!;
        if (!d.appeared) emit(d.transfersPerS * dt, { 'system.device': d.device });
      }
    },
  },
];
