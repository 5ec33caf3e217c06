/**
 * sysctl's part of the catalog: installed memory, swap, and the kernel's memory-pressure level.
 */
import type { MetricDef } from '../../catalog/types.ts';
import type { SysctlSample } from './sample.ts';
import { MEMORY_PRESSURE_STATES } from './sample.ts';

/** Numeric level for memory pressure: 0 normal, 1 warn, 2 critical. */
export const MEMORY_PRESSURE_VALUE: Readonly<Record<string, number>> = Object.fromEntries(
  MEMORY_PRESSURE_STATES.map((l, i) => [l, i]),
);
const USED = { 'system.paging.state': 'used' };
const FREE = { 'system.paging.state': 'free' };

export const SYSCTL_METRICS: readonly MetricDef<SysctlSample>[] = [
  {
    name: 'system.memory.limit',
    unit: 'By',
    instrument: 'updowncounter',
    attributes: [],
    description: 'Installed physical memory (`hw.memsize`).',
    observe(s, emit) {
      if (s.memsizeBytes !== undefined) emit(s.memsizeBytes, {});
    },
  },
  {
    name: 'system.paging.usage',
    unit: 'By',
    instrument: 'updowncounter',
    attributes: ['system.paging.state'],
    description: 'Swap in use and free (`vm.swapusage`; macOS grows and shrinks swap on demand).',
    observe(s, emit) {
      if (!s.swap) return;
      emit(s.swap.usedBytes, USED);
      emit(s.swap.freeBytes, FREE);
    },
  },
  {
    name: 'silicon_agent.memory.pressure',
    unit: '{level}',
    instrument: 'gauge',
    attributes: [],
    description: 'Kernel memory-pressure level (`kern.memorystatus_vm_pressure_level`): 0 normal, 1 warn, 2 critical.',
    observe(s, emit) {
      const st = s.memoryPressure?.state;
      const v = st === undefined ? undefined : MEMORY_PRESSURE_VALUE[st];
      if (v !== undefined) emit(v, {});
    },
  },
];
