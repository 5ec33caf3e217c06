/**
 * disks' part of the catalog: bytes, operations and operation time per disk and direction, as the
 * kernel counts them since boot. iostat's `system.disk.io` and `system.disk.operations` yield to these
 * (src/catalog/fallback.ts): one series never comes from both.
 */
import type { MetricDef } from '../../catalog/types.ts';
import type { DisksSample } from './sample.ts';

export const DISK_DIRECTIONS = ['read', 'write'] as const;
const READ = 'read';
const WRITE = 'write';

export const DISKS_METRICS: readonly MetricDef<DisksSample>[] = [
  {
    name: 'system.disk.io',
    unit: 'By',
    instrument: 'counter',
    attributes: ['system.device', 'disk.io.direction'],
    description: 'Bytes read and written per disk since boot (IOKit `IOBlockStorageDriver` "Statistics").',
    observe(s, emit) {
      for (const d of s.disks) {
        emit(d.readBytes, { 'system.device': d.device, 'disk.io.direction': READ });
        emit(d.writeBytes, { 'system.device': d.device, 'disk.io.direction': WRITE });
      }
    },
  },
  {
    name: 'system.disk.operations',
    unit: '{operation}',
    instrument: 'counter',
    attributes: ['system.device', 'disk.io.direction'],
    description: 'Read and write operations per disk since boot (IOKit "Statistics").',
    observe(s, emit) {
      for (const d of s.disks) {
        emit(d.readOps, { 'system.device': d.device, 'disk.io.direction': READ });
        emit(d.writeOps, { 'system.device': d.device, 'disk.io.direction': WRITE });
      }
    },
  },
  {
    name: 'system.disk.operation_time',
    unit: 's',
    instrument: 'counter',
    attributes: ['system.device', 'disk.io.direction'],
    description: 'Time spent in reads and writes per disk since boot, summed over operations (IOKit "Total Time", ns → s).',
    observe(s, emit) {
      for (const d of s.disks) {
        emit(d.readTimeNs / 1e9, { 'system.device': d.device, 'disk.io.direction': READ });
        emit(d.writeTimeNs / 1e9, { 'system.device': d.device, 'disk.io.direction': WRITE });
      }
    },
  },
];
