/**
 * filesystems' part of the catalog: `system.filesystem.usage` per state and
 * `system.filesystem.utilization`, per shown volume (OTel semantic conventions 1.45, system metrics).
 *
 * `system.device` is the attribute iostat's disk metrics carry; semconv 1.45 deprecates it in favour of
 * `system.device.name`. Both sources keep `system.device` until they move together.
 */
import type { Attributes, MetricDef } from '../../catalog/types.ts';
import type { FilesystemsSample, Volume } from './sample.ts';

export const FILESYSTEM_STATES = ['used', 'free', 'reserved'] as const;

function volumeAttrs(v: Volume): Attributes {
  const a: Attributes = { 'system.device': v.device, 'system.filesystem.mountpoint': v.mountpoint };
  if (v.fsType !== undefined) a['system.filesystem.type'] = v.fsType;
  if (v.mode !== undefined) a['system.filesystem.mode'] = v.mode;
  return a;
}

const VOLUME_ATTRS = ['system.device', 'system.filesystem.mountpoint', 'system.filesystem.type', 'system.filesystem.mode'] as const;

export const FILESYSTEMS_METRICS: readonly MetricDef<FilesystemsSample>[] = [
  {
    name: 'system.filesystem.usage',
    unit: 'By',
    instrument: 'updowncounter',
    attributes: [...VOLUME_ATTRS, 'system.filesystem.state'],
    description:
      'Space per shown volume and state (statfs): used by the volume, free to write, reserved (on APFS the container\'s other volumes). The three add up to the size.',
    observe(s, emit) {
      for (const v of s.volumes) {
        const a = volumeAttrs(v);
        emit(v.usedBytes, { ...a, 'system.filesystem.state': 'used' });
        emit(v.freeBytes, { ...a, 'system.filesystem.state': 'free' });
        emit(v.reservedBytes, { ...a, 'system.filesystem.state': 'reserved' });
      }
    },
  },
  {
    name: 'system.filesystem.utilization',
    unit: '1',
    instrument: 'gauge',
    attributes: [...VOLUME_ATTRS],
    description: 'Fraction of a shown volume in use: used ÷ (used + free), as df\'s Capacity and the Collector\'s hostmetrics count it.',
    observe(s, emit) {
      for (const v of s.volumes) {
        const d = v.usedBytes + v.freeBytes;
        if (d > 0) emit(v.usedBytes / d, volumeAttrs(v));
      }
    },
  },
];
