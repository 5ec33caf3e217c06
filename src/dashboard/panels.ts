/**
 * Every row and panel of dashboards/silicon-agent.json, in screen order, with the question each
 * answers. src/dashboard/grafana.ts renders this list to Grafana JSON and src/dashboard/docs.ts
 * to docs/dashboard.md, so the dashboard and its documentation cannot disagree.
 *
 * Rules kept here (checked by test/dashboard/):
 *  - metric names come from `sel()`/`metric()` (the catalog), never typed by hand;
 *  - every vector selector is restricted to `instance=~"$node"`;
 *  - no machine facts: no core counts, memory sizes, sensor keys or cluster names. Dies,
 *    clusters, sensors and disks come from label values, so an M2 Ultra, an M3 Ultra and an
 *    M4 Pro all draw correctly; thresholds are policy (or the agent's default budget), not hardware.
 */
import { defaultConfig } from '../config.ts';
import { NODE_LABEL, NODE_VAR, RATE, sel, type PanelSpec, type RowSpec } from './model.ts';

const N = NODE_LABEL;
const by = (...labels: string[]): string => `by (${[N, ...labels].join(', ')})`;
/** kWh over the last day from a joules counter; increase() copes with agent restarts (counter resets). */
const kwhPerDay = (s: string): string => `increase(${s}[1d]) / 3.6e6`;

const PSTR_CAVEAT =
  'System power and energy need the SMC `PSTR` key: empty for a node whose SMC lacks it (the bundled M2 Ultra replay\'s SMC dump has temperatures only).';
const PRESSURE_CAVEAT =
  'Memory pressure needs `kern.memorystatus_vm_pressure_level`, which no bundled real capture contains.';

const budget = defaultConfig().budget;
/** The agent's default budget (src/config.ts): CPU as a fraction of one core, memory in bytes. */
const CPU_BUDGET = budget.cpuPercent / 100;
const RSS_BUDGET = budget.rssMiB * 1024 * 1024;

/** The node-level reading of an agent-wide health question: is the scrape up (pull path only). */
const SCRAPE_UP =
  `max ${by()} (up{${N}=~"$${NODE_VAR}"} and on (job, ${N}) ` +
  `last_over_time(${sel('silicon_agent.budget.level')}[1h]))`;

/**
 * `errors per source, 0 when none`: error counters have series only for kinds that happened,
 * so the samples counter (one series per running source) supplies explicit zeros. A panel that
 * says 0 is distinguishable from a panel that says "No data" because the agent is gone.
 */
const perSourceRateOrZero = (otelName: string): string =>
  `sum by (silicon_agent_source) (rate(${sel(otelName)}[${RATE}])) ` +
  `or sum by (silicon_agent_source) (rate(${sel('silicon_agent.samples')}[${RATE}])) * 0`;

export const ROWS: readonly RowSpec[] = [
  {
    title: 'Fleet overview',
    purpose:
      'The first screen for a rack: one line per node, so the hot, throttled, memory-starved or power-hungry node and the agent\'s own cost stand out without opening anything.',
    perNode: false,
    panels: [
      {
        title: 'Fleet at a glance',
        question:
          'Which node is hot, throttled, short of memory or drawing the most power, and is every agent up and within its budget?',
        caveat: `${PSTR_CAVEAT} ${PRESSURE_CAVEAT}`,
        kind: 'table',
        unit: 'short',
        instant: true,
        width: 24,
        height: 9,
        queries: [
          { legend: 'System power', unit: 'watt', expr: `max ${by()} (${sel('hw.host.power')})` },
          { legend: 'CPU power', unit: 'watt', expr: `sum ${by()} (${sel('hw.power', 'hw_id="cpu"')})` },
          { legend: 'GPU power', unit: 'watt', expr: `sum ${by()} (${sel('hw.power', 'hw_id="gpu"')})` },
          {
            legend: 'Hottest die',
            unit: 'celsius',
            thresholds: [
              [85, 'yellow'],
              [100, 'red'],
            ],
            expr: `max ${by()} (${sel('macos.temperature.max', 'macos_sensor_group="cpu_die"')})`,
          },
          {
            legend: 'Thermal pressure',
            mapping: 'thermal',
            expr: `max ${by()} (${sel('macos.thermal.pressure')})`,
          },
          {
            legend: 'Memory pressure',
            mapping: 'memory',
            expr: `max ${by()} (${sel('macos.memory.pressure')})`,
          },
          {
            legend: 'Memory used',
            unit: 'percentunit',
            thresholds: [
              [0.8, 'yellow'],
              [0.9, 'red'],
            ],
            expr:
              `sum ${by()} (${sel('system.memory.usage', 'system_memory_state="used"')}) ` +
              `/ on (${N}) max ${by()} (${sel('system.memory.limit')})`,
          },
          {
            legend: 'Swap used',
            unit: 'bytes',
            expr: `sum ${by()} (${sel('system.paging.usage', 'system_paging_state="used"')})`,
          },
          { legend: 'Agent scraped', mapping: 'up', expr: SCRAPE_UP },
          {
            legend: 'Sources down',
            unit: 'short',
            thresholds: [[1, 'red']],
            expr: `sum ${by()} (1 - ${sel('silicon_agent.source.up')})`,
          },
          {
            legend: 'Agent CPU',
            unit: 'percentunit',
            thresholds: [
              [CPU_BUDGET, 'yellow'],
              [CPU_BUDGET * 5, 'red'],
            ],
            expr: `sum ${by()} (rate(${sel('process.cpu.time')}[${RATE}]))`,
          },
          {
            legend: 'Agent memory',
            unit: 'bytes',
            thresholds: [[RSS_BUDGET, 'red']],
            expr: `sum ${by()} (${sel('process.memory.usage')})`,
          },
        ],
      },
      {
        title: 'System power per node',
        question: 'Which node draws the most power at the wall side of the SoC (SMC system power), and since when?',
        caveat: PSTR_CAVEAT,
        kind: 'timeseries',
        unit: 'watt',
        width: 12,
        queries: [{ legend: `{{${N}}}`, expr: `max ${by()} (${sel('hw.host.power')})` }],
      },
      {
        title: 'CPU and GPU power per node',
        question: 'Is a node\'s power going to its CPU or its GPU?',
        kind: 'timeseries',
        unit: 'watt',
        width: 12,
        queries: [{ legend: `{{${N}}} {{hw_id}}`, expr: `sum ${by('hw_id')} (${sel('hw.power')})` }],
      },
      {
        title: 'Hottest die temperature per node',
        question: 'Which node runs hottest, and is it trending up?',
        kind: 'timeseries',
        unit: 'celsius',
        width: 12,
        queries: [
          { legend: `{{${N}}}`, expr: `max ${by()} (${sel('macos.temperature.max', 'macos_sensor_group="cpu_die"')})` },
        ],
      },
      {
        title: 'Energy per node, last 24 h',
        question: 'Which node used the most energy over the last day (kWh), for cost and capacity planning?',
        caveat: PSTR_CAVEAT,
        kind: 'bargauge',
        unit: 'kwatth',
        instant: true,
        width: 12,
        queries: [{ legend: `{{${N}}}`, expr: `sum ${by()} (${kwhPerDay(sel('hw.host.energy'))})` }],
      },
      {
        title: 'Thermal pressure per node',
        question: 'Which node is being throttled by the OS (thermal pressure above nominal), and when?',
        kind: 'state-timeline',
        unit: 'short',
        mapping: 'thermal',
        width: 12,
        queries: [{ legend: `{{${N}}}`, expr: `max ${by()} (${sel('macos.thermal.pressure')})` }],
      },
      {
        title: 'Memory pressure per node',
        question: 'Which node is short of memory (kernel memory pressure warn or critical), and when?',
        caveat: PRESSURE_CAVEAT,
        kind: 'state-timeline',
        unit: 'short',
        mapping: 'memory',
        width: 12,
        queries: [{ legend: `{{${N}}}`, expr: `max ${by()} (${sel('macos.memory.pressure')})` }],
      },
    ],
  },
  {
    title: 'Power and energy',
    purpose: 'Where one node\'s power goes, and how much energy it used.',
    perNode: true,
    panels: [
      {
        title: 'Power by component',
        question: 'How is the node\'s power split between CPU, GPU and ANE, and how does the SoC compare with the whole system?',
        caveat: `System: ${PSTR_CAVEAT} ANE: zero or absent where powermetrics ran without the ane_power sampler.`,
        kind: 'timeseries',
        unit: 'watt',
        width: 16,
        queries: [
          { legend: 'system (SMC)', expr: sel('hw.host.power') },
          { legend: 'SoC (CPU+GPU+ANE)', expr: sel('macos.soc.power') },
          { legend: '{{hw_id}}', expr: sel('hw.power') },
          { legend: 'ane', expr: sel('macos.ane.power') },
        ],
      },
      {
        title: 'Energy, last 24 h',
        question: 'How many kWh did the node and each of its components use over the last day?',
        kind: 'bargauge',
        unit: 'kwatth',
        instant: true,
        width: 8,
        decimals: 3,
        queries: [
          { legend: 'system (SMC)', expr: kwhPerDay(sel('hw.host.energy')) },
          { legend: 'SoC (CPU+GPU+ANE)', expr: kwhPerDay(sel('macos.soc.energy')) },
          { legend: '{{hw_id}}', expr: kwhPerDay(sel('hw.energy')) },
          { legend: 'ane', expr: kwhPerDay(sel('macos.ane.energy')) },
        ],
      },
    ],
  },
  {
    title: 'CPU',
    purpose: 'Frequency and activity per CPU cluster, split by die on Ultra chips.',
    perNode: true,
    panels: [
      {
        title: 'Cluster frequency per die',
        question: 'At what frequency is each cluster of each die running while active (is a die held back)?',
        kind: 'timeseries',
        unit: 'hertz',
        width: 12,
        queries: [
          { legend: 'die {{macos_die}} {{macos_cpu_cluster}}', expr: sel('macos.cpu.cluster.frequency') },
        ],
      },
      {
        title: 'Cluster active ratio per die',
        question: 'How busy is each cluster of each die (is the load on one die, or on the E or P cores)?',
        kind: 'timeseries',
        unit: 'percentunit',
        min: 0,
        max: 1,
        width: 12,
        queries: [{ legend: 'die {{macos_die}} {{macos_cpu_cluster}}', expr: sel('macos.cpu.cluster.active') }],
      },
      {
        title: 'Core activity now',
        question: 'Which individual cores are busy right now, and on which die and cluster?',
        kind: 'bargauge',
        unit: 'percentunit',
        instant: true,
        min: 0,
        max: 1,
        width: 24,
        height: 10,
        queries: [
          {
            legend: 'die {{macos_die}} {{macos_cpu_cluster}} cpu {{cpu_logical_number}}',
            expr: sel('macos.cpu.active'),
          },
        ],
      },
    ],
  },
  {
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
        queries: [{ legend: 'GPU', expr: sel('macos.gpu.frequency') }],
      },
      {
        title: 'GPU active ratio',
        question: 'How busy is the GPU?',
        kind: 'timeseries',
        unit: 'percentunit',
        min: 0,
        max: 1,
        width: 12,
        queries: [{ legend: '{{hw_id}}', expr: sel('hw.gpu.utilization') }],
      },
    ],
  },
  {
    title: 'Temperatures',
    purpose: 'Temperatures per die and sensor group, the hottest sensors, and the OS\'s thermal pressure.',
    perNode: true,
    panels: [
      {
        title: 'Hottest sensor per die and group',
        question: 'Which die and which part of it (CPU, GPU, SoC, memory, …) is hottest, and is one die hotter than the other?',
        kind: 'timeseries',
        unit: 'celsius',
        width: 12,
        queries: [{ legend: 'die {{macos_die}} {{macos_sensor_group}}', expr: sel('macos.temperature.max') }],
      },
      {
        title: 'Mean temperature per die and group',
        question: 'Is a whole die or sensor group warming, rather than one hot spot?',
        kind: 'timeseries',
        unit: 'celsius',
        width: 12,
        queries: [{ legend: 'die {{macos_die}} {{macos_sensor_group}}', expr: sel('macos.temperature.mean') }],
      },
      {
        title: 'Hottest sensors now',
        question: 'Which individual sensors read highest right now?',
        caveat:
          'Per-sensor series are capped per node (catalog MAX_TEMPERATURE_SERIES, named sensors and the cpu_die group first); the per-group panels cover every sensor.',
        kind: 'bargauge',
        unit: 'celsius',
        instant: true,
        width: 12,
        queries: [{ legend: '{{hw_name}} ({{hw_id}})', expr: `topk(12, ${sel('hw.temperature')})` }],
      },
      {
        title: 'Thermal pressure',
        question: 'Has the OS raised thermal pressure (and so throttled) on this node?',
        kind: 'state-timeline',
        unit: 'short',
        mapping: 'thermal',
        width: 12,
        queries: [{ legend: 'thermal pressure', expr: sel('macos.thermal.pressure') }],
      },
    ],
  },
  {
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
          { legend: '{{hw_id}} target', expr: sel('macos.fan.target_speed') },
          { legend: '{{hw_id}} {{hw_limit_type}}', expr: sel('hw.fan.speed.limit') },
        ],
        caveat:
          'A Mac Studio fan that reads 0 RPM is reported as unavailable (no point), so the speed line can be empty while target and limits are drawn.',
      },
    ],
  },
  {
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
          { legend: '{{macos_memory_state}}', expr: sel('macos.memory.usage') },
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
        queries: [{ legend: 'memory pressure', expr: sel('macos.memory.pressure') }],
      },
      {
        title: 'Paging and swapping',
        question: 'Is the node paging files or swapping compressed memory, and how many faults does it take?',
        kind: 'timeseries',
        unit: 'ops',
        width: 12,
        queries: [
          {
            legend: '{{macos_paging_kind}} {{system_paging_direction}}',
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
            legend: '{{macos_compressor_direction}}',
            expr: `rate(${sel('macos.memory.compressor.operations')}[${RATE}])`,
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
          { legend: 'stored (uncompressed)', expr: sel('macos.memory.compressor.stored') },
          { legend: 'footprint', expr: sel('macos.memory.usage', 'macos_memory_state="compressed"') },
        ],
      },
    ],
  },
  {
    title: 'Disks',
    purpose: 'Disk throughput and operations per device.',
    perNode: true,
    panels: [
      {
        title: 'Disk throughput',
        question: 'How many bytes per second is each disk moving (read and write together, as iostat reports)?',
        kind: 'timeseries',
        unit: 'Bps',
        width: 12,
        queries: [{ legend: '{{system_device}}', expr: `rate(${sel('system.disk.io')}[${RATE}])` }],
      },
      {
        title: 'Disk operations',
        question: 'How many transfers per second is each disk doing?',
        kind: 'timeseries',
        unit: 'iops',
        width: 12,
        queries: [{ legend: '{{system_device}}', expr: `rate(${sel('system.disk.operations')}[${RATE}])` }],
      },
    ],
  },
  {
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
        question: 'Are the agent\'s OTLP pushes succeeding?',
        kind: 'timeseries',
        unit: 'cps',
        width: 6,
        queries: [
          { legend: '{{silicon_agent_outcome}}', expr: `rate(${sel('silicon_agent.exports')}[${RATE}])` },
        ],
      },
    ],
  },
];
