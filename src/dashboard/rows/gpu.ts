/** The dashboard's "GPU" row. */
import { sel, type RowSpec } from '../model.ts';

export const GPU_ROW: RowSpec = {
  title: 'GPU',
  purpose: 'GPU clock and activity.',
  perNode: true,
  panels: [
    {
      title: 'GPU frequency',
      question: 'At what frequency does the GPU run while active?',
      kind: 'timeseries',
      unit: 'hertz',
      width: 12,
      queries: [{ legend: 'GPU', expr: sel('silicon_agent.gpu.frequency') }],
    },
    {
      title: 'GPU active ratio',
      question:
        'How busy is the GPU (`general`: the device; `renderer` and `tiler`: its two pipelines, from the gpu source; no task from powermetrics)?',
      kind: 'timeseries',
      unit: 'percentunit',
      min: 0,
      max: 1,
      width: 12,
      queries: [{ legend: '{{hw_id}} {{hw_gpu_task}}', expr: sel('hw.gpu.utilization') }],
    },
  ],
};
