/** The dashboard's "GPU memory" row: the gpu source (src/modules/gpu) with the sysctl source's wired limit. */
import { sel, type RowSpec } from '../model.ts';

/** Where the limit comes from: `iogpu.wired_limit_mb`, or the estimate when it is 0 (the system default). */
export const LIMIT_CAVEAT =
  'The limit is `iogpu.wired_limit_mb` read by the sysctl source; when that is 0 (the system default) it is an estimate from the installed memory (docs/metrics.md; UNVERIFIED), labelled `default_estimate`. Empty while sysctl is stale.';
/** Policy, not hardware: GPU memory 85 % of its wired limit leaves little room for a larger model or context. */
export const GPU_MEMORY_THRESHOLDS = [
  [0.85, 'yellow'],
  [0.95, 'red'],
] as const;

export const GPU_MEMORY_ROW: RowSpec = {
  title: 'GPU memory',
  purpose:
    'The unified memory the GPU has in use against the most it may wire: what decides whether a model (and its context) fits on this node.',
  perNode: true,
  panels: [
    {
      title: 'GPU memory against its wired limit',
      question: 'How much unified memory does the GPU have in use and allocated, against the limit it may wire?',
      caveat: LIMIT_CAVEAT,
      kind: 'timeseries',
      unit: 'bytes',
      min: 0,
      width: 12,
      queries: [
        { legend: 'in use {{hw_id}}', expr: sel('hw.gpu.memory.usage') },
        { legend: 'allocated {{hw_id}}', expr: sel('silicon_agent.gpu.memory.allocated') },
        { legend: 'wired limit ({{silicon_agent_gpu_memory_limit_source}})', expr: sel('hw.gpu.memory.limit') },
      ],
    },
    {
      title: 'GPU memory utilization',
      question: 'What share of its wired limit does the GPU have in use?',
      caveat: LIMIT_CAVEAT,
      kind: 'timeseries',
      unit: 'percentunit',
      min: 0,
      max: 1,
      width: 12,
      thresholds: GPU_MEMORY_THRESHOLDS,
      queries: [{ legend: '{{hw_id}} ({{silicon_agent_gpu_memory_limit_source}})', expr: sel('hw.gpu.memory.utilization') }],
    },
  ],
};
