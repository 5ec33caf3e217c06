/**
 * The dashboard's per-app panels (powermetrics `tasks` sampler, docs/apps.md): fleet panels with the top
 * apps across nodes by energy impact and by GPU time, and a per-node row with each node's top apps
 * (and `other`) by CPU, GPU, energy impact, disk and network. Empty for nodes without `tasks`.
 */
import { RATE, sel, type PanelSpec, type RowSpec } from '../model.ts';
import { N, by } from './shared.ts';

const CAVEAT = 'Needs the powermetrics `tasks` sampler (opt-in: add `tasks` to sources.powermetrics.samplers); empty on nodes without it (the bundled M2 Ultra replay).';
const APPS = '!="other"';
const rate = (otelName: string, ...m: string[]): string => `rate(${sel(otelName, ...m)}[${RATE}])`;

const fleetTop = (title: string, question: string, otelName: string, unit: string): PanelSpec => ({
  title,
  question,
  caveat: CAVEAT,
  kind: 'timeseries',
  unit,
  width: 12,
  queries: [
    {
      legend: `{{${N}}} {{silicon_agent_app_name}}`,
      expr: `topk(10, sum ${by('silicon_agent_app_name')} (${rate(otelName, `silicon_agent_app_grouping${APPS}`)}))`,
    },
  ],
});

/** Fleet panels, shown at the end of the fleet overview row (src/dashboard/panels.ts): the ten heaviest app-node pairs. */
export const APPS_FLEET_PANELS: readonly PanelSpec[] = [
  fleetTop(
    'Top apps by energy impact',
    "Which apps, on which nodes, have the highest energy impact (Apple's unitless score per second, not watts)?",
    'silicon_agent.app.energy_impact',
    'short',
  ),
  fleetTop('Top apps by GPU time', 'Which apps, on which nodes, keep the GPU busiest (GPU seconds per second)?', 'silicon_agent.app.gpu.time', 'percentunit'),
];

/** One node's apps, stacked; `direction` splits disk and network I/O by their direction label. */
const perNode = (title: string, question: string, otelName: string, unit: string, direction?: string): PanelSpec => ({
  title,
  question,
  caveat: CAVEAT,
  kind: 'timeseries',
  unit,
  width: 12,
  stacked: true,
  queries: [
    {
      legend: direction ? `{{silicon_agent_app_name}} {{${direction}}}` : '{{silicon_agent_app_name}}',
      expr: `sum by (${['silicon_agent_app_name', ...(direction ? [direction] : [])].join(', ')}) (${rate(otelName)})`,
    },
  ],
});

export const APPS_ROW: RowSpec = {
  title: 'Top apps',
  purpose: "Each node's top apps (coalitions, or processes by name) and everything else as `other`; the stack is the node's whole usage.",
  perNode: true,
  panels: [
    perNode('App CPU', 'Which apps use the CPU (cores busy)?', 'silicon_agent.app.cpu.time', 'short'),
    perNode('App GPU', 'Which apps use the GPU (GPU seconds per second)?', 'silicon_agent.app.gpu.time', 'percentunit'),
    perNode('App energy impact', "Which apps have the highest energy impact (Apple's unitless score per second)?", 'silicon_agent.app.energy_impact', 'short'),
    perNode('App disk I/O', 'Which apps read and write the disk?', 'silicon_agent.app.disk.io', 'Bps', 'disk_io_direction'),
    perNode('App network I/O', 'Which apps receive and send on the network?', 'silicon_agent.app.network.io', 'Bps', 'network_io_direction'),
  ],
};
