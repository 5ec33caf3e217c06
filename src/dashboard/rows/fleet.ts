/** The dashboard's "Fleet overview" row. */
import { RATE, sel, type RowSpec } from '../model.ts';
import { FULL_THRESHOLDS } from './filesystems.ts';
import { GPU_MEMORY_THRESHOLDS, LIMIT_CAVEAT } from './gpu-memory.ts';
import { BRIDGE_NOTE } from './network.ts';
import { CPU_BUDGET, N, PRESSURE_CAVEAT, PSTR_CAVEAT, RSS_BUDGET, SCRAPE_UP, by, kwhPerDay } from './shared.ts';

/**
 * Cluster links by name: the network source exports interfaces by name only (src/modules/network/select.ts),
 * and a Thunderbolt port is an `enN` like Ethernet and Wi-Fi, so no name tells them apart. The panel reads
 * every `enN` and the Thunderbolt Bridge `bridge0` (`bridge[0-9]`: macOS numbers the VM bridges that vmnet
 * creates from bridge100, and `vmenet*` is the VMs' side; both carry a VM's traffic inside the host, not a link).
 * UNVERIFIED on a Mac Studio (docs/verification.md, issue 14 item 7).
 */
export const CLUSTER_LINKS = 'en[0-9]+|bridge[0-9]';
const CLUSTER_LINK_NOTE =
  `Interfaces named \`enN\` (Ethernet, Wi-Fi and each Thunderbolt port: the name does not say which) and \`bridge0\`-\`bridge9\` ` +
  `(the Thunderbolt Bridge); VM bridges (\`bridge100\` on, \`vmenet*\`) are left out. ${BRIDGE_NOTE}`;

export const FLEET_ROW: RowSpec = {
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
          expr: `max ${by()} (${sel('silicon_agent.temperature.max', 'hw_sensor_location="cpu_die"')})`,
        },
        {
          legend: 'Thermal pressure',
          mapping: 'thermal',
          expr: `max ${by()} (${sel('silicon_agent.thermal.pressure')})`,
        },
        {
          legend: 'Memory pressure',
          mapping: 'memory',
          expr: `max ${by()} (${sel('silicon_agent.memory.pressure')})`,
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
        { legend: `{{${N}}}`, expr: `max ${by()} (${sel('silicon_agent.temperature.max', 'hw_sensor_location="cpu_die"')})` },
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
      title: 'GPU memory used vs limit per node',
      question: 'How much unified memory does each node\'s GPU have in use, against the limit it may wire (will the next model fit)?',
      caveat: LIMIT_CAVEAT,
      kind: 'timeseries',
      unit: 'bytes',
      min: 0,
      width: 12,
      queries: [
        { legend: `{{${N}}} in use`, expr: `sum ${by()} (${sel('hw.gpu.memory.usage')})` },
        { legend: `{{${N}}} wired limit`, expr: `max ${by()} (${sel('hw.gpu.memory.limit')})` },
      ],
    },
    {
      title: 'GPU memory utilization per node',
      question: 'Which node\'s GPU is closest to its wired-memory limit (fullest first)?',
      caveat: LIMIT_CAVEAT,
      kind: 'bargauge',
      unit: 'percentunit',
      instant: true,
      min: 0,
      max: 1,
      width: 12,
      thresholds: GPU_MEMORY_THRESHOLDS,
      queries: [{ legend: `{{${N}}}`, expr: `sort_desc(max ${by()} (${sel('hw.gpu.memory.utilization')}))` }],
    },
    {
      title: 'Cluster-link traffic per node',
      question:
        'How much traffic does each node move over its physical and Thunderbolt Bridge links (the ones that join nodes into a cluster), per interface and direction?',
      caveat: CLUSTER_LINK_NOTE,
      kind: 'timeseries',
      unit: 'Bps',
      min: 0,
      width: 12,
      queries: [
        {
          legend: `{{${N}}} {{network_interface_name}} {{network_io_direction}}`,
          expr:
            `sum ${by('network_interface_name', 'network_io_direction')} ` +
            `(rate(${sel('system.network.io', `network_interface_name=~"${CLUSTER_LINKS}"`)}[${RATE}]))`,
        },
      ],
    },
    {
      title: 'Fullest filesystem per node',
      question: 'Which node has the fullest volume, and which volume is it (fullest node first)?',
      kind: 'bargauge',
      unit: 'percentunit',
      instant: true,
      min: 0,
      max: 1,
      width: 12,
      thresholds: FULL_THRESHOLDS,
      queries: [
        {
          legend: `{{${N}}} {{system_filesystem_mountpoint}}`,
          expr: `sort_desc(topk by (${N}) (1, ${sel('system.filesystem.utilization')}))`,
        },
      ],
    },
    {
      title: 'Thermal pressure per node',
      question: 'Which node is being throttled by the OS (thermal pressure above nominal), and when?',
      kind: 'state-timeline',
      unit: 'short',
      mapping: 'thermal',
      width: 12,
      queries: [{ legend: `{{${N}}}`, expr: `max ${by()} (${sel('silicon_agent.thermal.pressure')})` }],
    },
    {
      title: 'Memory pressure per node',
      question: 'Which node is short of memory (kernel memory pressure warn or critical), and when?',
      caveat: PRESSURE_CAVEAT,
      kind: 'state-timeline',
      unit: 'short',
      mapping: 'memory',
      width: 12,
      queries: [{ legend: `{{${N}}}`, expr: `max ${by()} (${sel('silicon_agent.memory.pressure')})` }],
    },
  ],
};
