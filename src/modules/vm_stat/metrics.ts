/**
 * vm_stat's part of the catalog: memory by OTel state and by Activity Monitor's breakdown, the kernel's
 * page queues, the compressor, and paging since boot.
 */
import type { Attributes, Emit, MetricDef } from '../../catalog/types.ts';
import type { VmStatSample } from './sample.ts';

export const SYSTEM_MEMORY_STATES = ['used', 'free', 'cached'] as const;
export const MEMORY_STATES = ['app', 'wired', 'compressed', 'cached_files', 'free'] as const;
export const PAGE_STATES = [
  'free',
  'active',
  'inactive',
  'speculative',
  'throttled',
  'wired',
  'purgeable',
  'file_backed',
  'anonymous',
] as const;
export const COMPRESSOR_DIRECTIONS = ['compress', 'decompress'] as const;
export const PAGING_KINDS = ['file', 'swap'] as const;

/** One attribute object per value, made once: observers run at every collection. */
function attrsFor<const V extends string>(name: string, values: readonly V[]): Record<V, Attributes> {
  return Object.fromEntries(values.map((v) => [v, { [name]: v }])) as unknown as Record<V, Attributes>;
}
const SYS = attrsFor('system.memory.state', SYSTEM_MEMORY_STATES);
const MEM = attrsFor('silicon_agent.memory.state', MEMORY_STATES);
const PAGE = attrsFor('silicon_agent.memory.page_state', PAGE_STATES);
const COMP = attrsFor('silicon_agent.compressor.direction', COMPRESSOR_DIRECTIONS);
const PAGING = {
  fileIn: { 'system.paging.direction': 'in', 'silicon_agent.paging.kind': 'file' },
  fileOut: { 'system.paging.direction': 'out', 'silicon_agent.paging.kind': 'file' },
  swapIn: { 'system.paging.direction': 'in', 'silicon_agent.paging.kind': 'swap' },
  swapOut: { 'system.paging.direction': 'out', 'silicon_agent.paging.kind': 'swap' },
} as const satisfies Record<string, Attributes>;

function pages(v: VmStatSample, emit: Emit): void {
  const b = v.bytes;
  emit(b.free, PAGE.free);
  emit(b.active, PAGE.active);
  emit(b.inactive, PAGE.inactive);
  emit(b.speculative, PAGE.speculative);
  emit(b.throttled, PAGE.throttled);
  emit(b.wired, PAGE.wired);
  emit(b.purgeable, PAGE.purgeable);
  emit(b.fileBacked, PAGE.file_backed);
  emit(b.anonymous, PAGE.anonymous);
}

export const VM_STAT_METRICS: readonly MetricDef<VmStatSample>[] = [
  {
    name: 'system.memory.usage',
    unit: 'By',
    instrument: 'updowncounter',
    attributes: ['system.memory.state'],
    description: 'Memory by OTel state: `used` (Activity Monitor "Memory Used"), `cached` (cached files), `free` (free pages).',
    observe(v, emit) {
      const d = v.derived;
      if (!d) return;
      emit(d.usedBytes, SYS.used);
      emit(d.cachedFilesBytes, SYS.cached);
      emit(d.freeBytes, SYS.free);
    },
  },
  {
    name: 'silicon_agent.memory.usage',
    unit: 'By',
    instrument: 'updowncounter',
    attributes: ['silicon_agent.memory.state'],
    description: 'Activity Monitor breakdown: app, wired, compressed (compressor footprint), cached files, free.',
    observe(v, emit) {
      const d = v.derived;
      if (!d) return;
      emit(d.appBytes, MEM.app);
      emit(d.wiredBytes, MEM.wired);
      emit(d.compressedBytes, MEM.compressed);
      emit(d.cachedFilesBytes, MEM.cached_files);
      emit(d.freeBytes, MEM.free);
    },
  },
  {
    name: 'silicon_agent.memory.pages',
    unit: 'By',
    instrument: 'updowncounter',
    attributes: ['silicon_agent.memory.page_state'],
    description: 'Kernel page queues from vm_stat, in bytes. The queues overlap: do not sum them.',
    observe: pages,
  },
  {
    name: 'silicon_agent.memory.compressor.stored',
    unit: 'By',
    instrument: 'updowncounter',
    attributes: [],
    description: 'Uncompressed size of the pages held in the compressor ("Pages stored in compressor").',
    observe(v, emit) {
      emit(v.bytes.storedInCompressor, {});
    },
  },
  {
    name: 'silicon_agent.memory.compressor.operations',
    unit: '{operation}',
    instrument: 'counter',
    attributes: ['silicon_agent.compressor.direction'],
    description: 'Compressions and decompressions since boot.',
    observe(v, emit) {
      emit(v.totals.compressions, COMP.compress);
      emit(v.totals.decompressions, COMP.decompress);
    },
  },
  {
    name: 'system.paging.operations',
    unit: '{operation}',
    instrument: 'counter',
    attributes: ['system.paging.direction', 'silicon_agent.paging.kind'],
    description: 'Page-ins/page-outs (file paging) and swap-ins/swap-outs (compressed pages to/from swap) since boot.',
    observe(v, emit) {
      emit(v.totals.pageins, PAGING.fileIn);
      emit(v.totals.pageouts, PAGING.fileOut);
      emit(v.totals.swapins, PAGING.swapIn);
      emit(v.totals.swapouts, PAGING.swapOut);
    },
  },
  {
    name: 'system.paging.faults',
    unit: '{fault}',
    instrument: 'counter',
    attributes: [],
    description: 'Translation faults since boot.',
    observe(v, emit) {
      emit(v.totals.faults, {});
    },
  },
];
