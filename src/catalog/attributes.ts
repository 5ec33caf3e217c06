/**
 * The attributes more than one source uses, and the agent's own. Each source module declares the
 * attributes only it uses beside its metrics (`attributes` in its index.ts); src/registry.ts merges
 * them into one table, and docs/metrics.md lists it. Where the set of values is closed, `values` is
 * the typed constant the writers use, so the docs, the tests and the code cannot disagree.
 */
import { EXPORT_ERROR_TYPES, EXPORT_OUTCOMES } from '../health.ts';
import { DROP_REASONS, PARSE_ERROR_KINDS } from '../samples.ts';
import type { AttributeTable } from './types.ts';

/** `hw.type` values the agent emits (a subset of the OTel hardware enum). */
export const HW_TYPES = ['cpu', 'gpu', 'fan', 'temperature'] as const;
/** `cpu.mode` values the agent emits (the OTel cpu.mode enum: user, system, nice, idle, …). */
export const CPU_MODES = ['user', 'system', 'nice', 'idle', 'interrupt'] as const;
export const PAGING_DIRECTIONS = ['in', 'out'] as const;
export const PAGING_STATES = ['used', 'free'] as const;

export const COMMON_ATTRIBUTES: AttributeTable = {
  'hw.id': { doc: 'Stable id of the component: `cpu`, `gpu`, `fan0`, `host` (the whole machine), an SMC key such as `TCMb`, or `hid:<name>#<n>`.' },
  'hw.type': { doc: 'OTel hardware type.', values: HW_TYPES },
  'hw.name': { doc: 'Human label of a sensor from the sensor catalog (e.g. `CPU die average`).' },
  'hw.limit_type': {
    doc: 'Which fan limit: `low.degraded` is the SMC minimum (`F*Mn`: the controller never runs the fan slower, so a reading below it means a failing fan), `max` the SMC maximum (`F*Mx`).',
    values: ['low.degraded', 'max'],
  },
  'hw.parent': { doc: 'The die a temperature sensor sits on, `die0` or `die1`, where the SMC key bank shows it (Ultra chips).' },
  'hw.gpu.task': {
    doc: "`general`: the whole GPU (powermetrics, or IOKit's \"Device Utilization %\"); `renderer` and `tiler`: Apple's two GPU pipelines (IOKit only; semconv's enum is open).",
    values: ['general', 'renderer', 'tiler'],
  },
  'cpu.logical_number': {
    doc: "Logical CPU number as powermetrics numbers it; for host (`perCpu`), the CPU's index in `os.cpus()` (the same numbering on a Mac is UNVERIFIED).",
  },
  'cpu.mode': { doc: 'CPU mode.', values: CPU_MODES },
  'silicon_agent.die': { doc: 'Die number: 0 on single-die chips, 0 or 1 on Ultra chips.' },
  'system.paging.direction': { doc: 'Paging direction.', values: PAGING_DIRECTIONS },
  'system.paging.state': { doc: 'Swap state.', values: PAGING_STATES },
  'system.device': {
    doc: 'disks: BSD disk name (`disk0`), at most 8 (IOKit). iostat: BSD disk name as iostat prints it (`disk0`), at most 16 disks (iostat -n 16). filesystems: the mounted device as the mount table names it (`/dev/disk3s5`), escaped and at most 160 characters. (Deprecated in semconv 1.45 for `system.device.name`; both sources move together.)',
  },
  'silicon_agent.source': { doc: 'The agent source (a module name in src/registry.ts).' },
  'silicon_agent.process': { doc: 'Which process: `agent`, or the source whose child it is (`powermetrics`, `iostat`).' },
  'error.type': {
    doc: 'Kind of parse error (`silicon_agent.parse.errors`), or class of a failed OTLP export (`silicon_agent.exports`, failures only).',
    values: [...PARSE_ERROR_KINDS, ...EXPORT_ERROR_TYPES],
  },
  'silicon_agent.drop_reason': { doc: 'Why a value was dropped before export.', values: DROP_REASONS },
  'silicon_agent.outcome': { doc: 'Outcome of an OTLP export.', values: EXPORT_OUTCOMES },
};
