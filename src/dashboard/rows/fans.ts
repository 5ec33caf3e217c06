/** The dashboard's "Fans" row. */
import { sel, type RowSpec } from '../model.ts';

export const FANS_ROW: RowSpec = {
  title: 'Fans',
  purpose: 'Fan speed against its target and limits.',
  perNode: true,
  panels: [
    {
      title: 'Fan speed, target and limits',
      question: 'How fast are the fans turning, what does the system ask for, and how close is that to the maximum?',
      kind: 'timeseries',
      unit: 'rotrpm',
      width: 24,
      queries: [
        { legend: '{{hw_id}}', expr: sel('hw.fan.speed') },
        { legend: '{{hw_id}} target', expr: sel('silicon_agent.fan.target_speed') },
        { legend: '{{hw_id}} {{hw_limit_type}}', expr: sel('hw.fan.speed.limit') },
      ],
      caveat:
        'A Mac Studio fan that reads 0 RPM is reported as unavailable (no point), so the speed line can be empty while target and limits are drawn.',
    },
  ],
};
