/** The dashboard's "Agent" row. */
import { RATE, sel, type RowSpec } from '../model.ts';
import { CPU_BUDGET, RSS_BUDGET, by, perSourceRateOrZero } from './shared.ts';

export const AGENT_ROW: RowSpec = {
  title: 'Agent',
  purpose: 'What the agent costs and whether its sources are healthy.',
  perNode: true,
  panels: [
    {
      title: 'Agent CPU by process',
      question: 'How much CPU do the agent and the tools it runs (powermetrics, iostat, …) cost, against the budget?',
      kind: 'timeseries',
      unit: 'percentunit',
      stacked: true,
      width: 8,
      thresholds: [[CPU_BUDGET, 'red']],
      queries: [
        {
          legend: '{{silicon_agent_process}} {{cpu_mode}}',
          expr: `sum by (silicon_agent_process, cpu_mode) (rate(${sel('process.cpu.time')}[${RATE}]))`,
        },
      ],
    },
    {
      title: 'Agent memory by process',
      question: 'How much resident memory do the agent and its children hold, against the budget?',
      kind: 'timeseries',
      unit: 'bytes',
      stacked: true,
      width: 8,
      thresholds: [[RSS_BUDGET, 'red']],
      queries: [{ legend: '{{silicon_agent_process}}', expr: sel('process.memory.usage') }],
    },
    {
      title: 'Budget level',
      question: 'Has the agent shed work to stay within its budget (0 = full fidelity)?',
      kind: 'stat',
      unit: 'short',
      instant: true,
      width: 8,
      thresholds: [[1, 'orange']],
      queries: [{ legend: 'budget level', expr: sel('silicon_agent.budget.level') }],
    },
    {
      title: 'Sources up',
      question: 'Is each source running with a fresh sample?',
      kind: 'state-timeline',
      unit: 'short',
      mapping: 'up',
      width: 12,
      queries: [{ legend: '{{silicon_agent_source}}', expr: sel('silicon_agent.source.up') }],
    },
    {
      title: 'Samples per second',
      question: 'Is each source delivering samples at its configured rate?',
      kind: 'timeseries',
      unit: 'cps',
      width: 12,
      queries: [{ legend: '{{silicon_agent_source}}', expr: `rate(${sel('silicon_agent.samples')}[${RATE}])` }],
    },
    {
      title: 'Parse errors per source',
      question: 'Is any source producing output the agent cannot parse (0 when none)?',
      kind: 'timeseries',
      unit: 'cps',
      width: 6,
      queries: [{ legend: '{{silicon_agent_source}}', expr: perSourceRateOrZero('silicon_agent.parse.errors') }],
    },
    {
      title: 'Values dropped per source',
      question: 'Is the agent dropping implausible values from any source (0 when none)?',
      kind: 'timeseries',
      unit: 'cps',
      width: 6,
      queries: [{ legend: '{{silicon_agent_source}}', expr: perSourceRateOrZero('silicon_agent.values.dropped') }],
    },
    {
      title: 'Source restarts',
      question: 'Is a source\'s child process exiting or hanging and being restarted (0 when none)?',
      kind: 'timeseries',
      unit: 'cps',
      width: 6,
      queries: [{ legend: '{{silicon_agent_source}}', expr: perSourceRateOrZero('silicon_agent.source.restarts') }],
    },
    {
      title: 'OTLP exports',
      question: 'Are the agent\'s OTLP pushes succeeding, and when not, why (timeout, unavailable, tls, http_4xx, http_5xx)?',
      kind: 'timeseries',
      unit: 'cps',
      width: 6,
      queries: [
        {
          legend: '{{silicon_agent_outcome}} {{error_type}}',
          expr: `sum by (silicon_agent_outcome, error_type) (rate(${sel('silicon_agent.exports')}[${RATE}]))`,
        },
      ],
    },
  ],
};
