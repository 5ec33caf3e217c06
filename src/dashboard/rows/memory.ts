/** The dashboard's "Memory" row. */
import { RATE, sel, type RowSpec } from '../model.ts';
import { PRESSURE_CAVEAT, by } from './shared.ts';

export const MEMORY_ROW: RowSpec = {
  title: 'Memory',
  purpose: 'Where memory goes, swap, pressure, paging and the compressor.',
  perNode: true,
  panels: [
    {
      title: 'Memory by state',
      question: 'Where is the node\'s memory going (app, wired, compressed, cached files, free), against what is installed?',
      kind: 'timeseries',
      unit: 'bytes',
      stacked: true,
      width: 12,
      queries: [
        { legend: '{{silicon_agent_memory_state}}', expr: sel('silicon_agent.memory.usage') },
        { legend: 'installed', overlay: true, expr: sel('system.memory.limit') },
        {
          legend: 'used (Activity Monitor)',
          overlay: true,
          expr: sel('system.memory.usage', 'system_memory_state="used"'),
        },
      ],
    },
    {
      title: 'Swap',
      question: 'How much swap is in use, and is it growing?',
      kind: 'timeseries',
      unit: 'bytes',
      stacked: true,
      width: 6,
      queries: [{ legend: '{{system_paging_state}}', expr: sel('system.paging.usage') }],
    },
    {
      title: 'Memory pressure',
      question: 'Is the kernel reporting memory pressure on this node?',
      caveat: PRESSURE_CAVEAT,
      kind: 'state-timeline',
      unit: 'short',
      mapping: 'memory',
      width: 6,
      queries: [{ legend: 'memory pressure', expr: sel('silicon_agent.memory.pressure') }],
    },
    {
      title: 'Paging and swapping',
      question: 'Is the node paging files or swapping compressed memory, and how many faults does it take?',
      kind: 'timeseries',
      unit: 'ops',
      width: 12,
      queries: [
        {
          legend: '{{silicon_agent_paging_kind}} {{system_paging_direction}}',
          expr: `rate(${sel('system.paging.operations')}[${RATE}])`,
        },
        { legend: 'faults', expr: `rate(${sel('system.paging.faults')}[${RATE}])` },
      ],
    },
    {
      title: 'Compressor activity',
      question: 'How hard is the memory compressor working?',
      kind: 'timeseries',
      unit: 'ops',
      width: 6,
      queries: [
        {
          legend: '{{silicon_agent_compressor_direction}}',
          expr: `rate(${sel('silicon_agent.memory.compressor.operations')}[${RATE}])`,
        },
      ],
    },
    {
      title: 'Compressor: stored vs footprint',
      question: 'How much data does the compressor hold, and how much memory does it take to hold it?',
      kind: 'timeseries',
      unit: 'bytes',
      width: 6,
      queries: [
        { legend: 'stored (uncompressed)', expr: sel('silicon_agent.memory.compressor.stored') },
        { legend: 'footprint', expr: sel('silicon_agent.memory.usage', 'silicon_agent_memory_state="compressed"') },
      ],
    },
  ],
};
