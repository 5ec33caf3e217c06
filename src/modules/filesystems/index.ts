/**
 * filesystems: used, free and reserved space per shown local volume (statfs), the mount table from
 * getfsstat through the addon or a slow `mount` poll. Which volumes are shown: ./select.ts and
 * docs/sources.md "## filesystems".
 */
import { z } from 'zod';
import { binary } from '../../sources/binaries.ts';
import type { SourceModule } from '../module.ts';
import { sourceConfig } from '../module.ts';
import { FILESYSTEM_STATES, FILESYSTEMS_METRICS } from './metrics.ts';
import { createFilesystemsParser, DEFAULT_SELECT, MAX_ATTR_CHARS, parseFilesystems } from './parser.ts';
import type { FilesystemsSample } from './sample.ts';
import { FILESYSTEM_MODES, FilesystemsSample as FilesystemsSchema, MAX_VOLUMES_CEILING } from './sample.ts';
import type { SelectConfig } from './select.ts';
import { createFilesystemsSource, createFsReader } from './source.ts';

const mountpoints = z.array(z.string().min(1).max(1024)).max(64).default([]);

export const FilesystemsConfig = sourceConfig(30_000, {
  /** At most this many volumes are shown; the rest are counted as dropped `over_limit`. */
  maxVolumes: z.number().int().min(1).max(MAX_VOLUMES_CEILING).default(DEFAULT_SELECT.maxVolumes),
  /** Without the addon, `mount` runs at most this often (never under 10 s). */
  mountListIntervalMs: z.number().int().min(10_000).max(3_600_000).default(60_000),
  /** Mountpoints shown even where a rule would skip them. */
  include: mountpoints,
  /** Mountpoints never shown (`/Volumes/Scratch`, or a prefix: `/Volumes/*`). */
  exclude: mountpoints,
  includeReadOnly: z.boolean().default(false),
  includeNetwork: z.boolean().default(false),
});
export type FilesystemsConfig = z.infer<typeof FilesystemsConfig>;

export function selectConfig(c: Partial<FilesystemsConfig> | undefined): SelectConfig {
  if (!c) return DEFAULT_SELECT;
  return {
    maxVolumes: c.maxVolumes ?? DEFAULT_SELECT.maxVolumes,
    include: c.include ?? [],
    exclude: c.exclude ?? [],
    includeReadOnly: c.includeReadOnly ?? false,
    includeNetwork: c.includeNetwork ?? false,
  };
}

const GIB = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;

export const filesystems: SourceModule<FilesystemsSample, FilesystemsConfig> = {
  name: 'filesystems',
  title: 'filesystems: space per volume',
  config: FilesystemsConfig,
  sample: FilesystemsSchema,
  parser: (ctx) => createFilesystemsParser(selectConfig(ctx.sourceConfig as Partial<FilesystemsConfig> | undefined)),
  live: (c, ctx) =>
    createFilesystemsSource({
      intervalMs: c.intervalMs,
      select: selectConfig(c),
      mountListIntervalMs: c.mountListIntervalMs,
      mountCommand: binary('mount', undefined, ctx.env),
      native: ctx.native,
      logger: ctx.logger,
    }),
  replay: { file: 'filesystems.txt', mode: { kind: 'poll' } },
  metrics: FILESYSTEMS_METRICS,
  attributes: {
    'system.filesystem.state': { doc: 'Which part of the volume’s space.', values: FILESYSTEM_STATES },
    'system.filesystem.mountpoint': {
      doc: `Where the volume is mounted; control and format characters escaped, at most ${MAX_ATTR_CHARS} characters (a cut value ends in \`~\` and a hash). At most ${MAX_VOLUMES_CEILING} volumes (\`maxVolumes\`, default ${DEFAULT_SELECT.maxVolumes}).`,
    },
    'system.filesystem.type': { doc: 'Filesystem type as the mount table names it (`apfs`); absent when the capture does not say (a df capture).' },
    'system.filesystem.mode': { doc: 'Mounted read-write or read-only; absent when the capture does not say.', values: FILESYSTEM_MODES },
  },
  dropReasons: ['over_limit'],
  dump: {
    kind: 'inprocess',
    label: 'silicon-agent filesystems (mount table and statfs as JSON)',
    async capture(ctx) {
      const reader = createFsReader({
        select: selectConfig(ctx.config),
        mountListIntervalMs: ctx.config.mountListIntervalMs,
        mountCommand: binary('mount', undefined, ctx.env),
        native: ctx.native,
      });
      const r = await reader.read('all', new AbortController().signal);
      if ('facts' in r) return { text: JSON.stringify(r.facts, null, 1) + '\n' };
      return { error: 'unavailable' in r ? r.unavailable : r.failure };
    },
  },
  describe: (s) =>
    `filesystems ${s.volumes.length} volumes of ${s.mounts} mounts (${s.skipped} skipped${s.overLimit ? `, ${s.overLimit} over the limit` : ''}${s.unsized ? `, ${s.unsized} without sizes` : ''})`,
  sections: [
    {
      heading: 'Filesystems (statfs)',
      rows: (s) => [
        ['mountpoint', 'device', 'used', 'free', 'reserved', 'use'],
        ...s.volumes.map((v) => [v.mountpoint, v.device, GIB(v.usedBytes), GIB(v.freeBytes), GIB(v.reservedBytes), `${Math.ceil((100 * v.usedBytes) / Math.max(1, v.usedBytes + v.freeBytes))}%`]),
      ],
    },
  ],
  async doctor(ctx) {
    const checks: Awaited<ReturnType<NonNullable<SourceModule['doctor']>>> = [];
    const addon = ctx.native().addon;
    checks.push(
      addon?.getfsstat
        ? { name: 'filesystems mount table', status: 'pass', detail: 'getfsstat through the addon' }
        : { name: 'filesystems mount table', status: 'pass', detail: `\`mount\` every ${ctx.config.mountListIntervalMs / 1000} s (no getfsstat in the addon)` },
    );
    const reader = createFsReader({
      select: selectConfig(ctx.config),
      mountListIntervalMs: ctx.config.mountListIntervalMs,
      mountCommand: binary('mount', undefined, ctx.env),
      native: ctx.native,
    });
    const r = await reader.read('shown', new AbortController().signal);
    if (!('facts' in r)) {
      checks.push({ name: 'filesystems', status: 'fail', detail: 'unavailable' in r ? r.unavailable : r.failure });
      return checks;
    }
    const sample = parseFilesystems(JSON.stringify(r.facts), selectConfig(ctx.config)).find((x): x is FilesystemsSample => x.type === 'filesystems');
    if (!sample || sample.volumes.length === 0) checks.push({ name: 'filesystems', status: 'fail', detail: `no volume shown of ${r.facts.mounts.length} mounts` });
    else checks.push({ name: 'filesystems', status: 'pass', detail: `${sample.volumes.length} volumes shown (${sample.volumes.map((v) => v.mountpoint).join(', ')}) of ${sample.mounts} mounts` });
    return checks;
  },
};
