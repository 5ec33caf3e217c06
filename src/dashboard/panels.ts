/**
 * Every row and panel of dashboards/silicon-agent.json, in screen order (one file per row in ./rows/), with the question each
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
import type { RowSpec } from './model.ts';
import { AGENT_ROW } from './rows/agent.ts';
import { APPS_FLEET_PANELS, APPS_ROW } from './rows/apps.ts';
import { CPU_ROW } from './rows/cpu.ts';
import { DISKS_ROW } from './rows/disks.ts';
import { FANS_ROW } from './rows/fans.ts';
import { FILESYSTEMS_ROW } from './rows/filesystems.ts';
import { FLEET_ROW } from './rows/fleet.ts';
import { GPU_ROW } from './rows/gpu.ts';
import { GPU_MEMORY_ROW } from './rows/gpu-memory.ts';
import { HOST_ROW } from './rows/host.ts';
import { MEMORY_ROW } from './rows/memory.ts';
import { NETWORK_ROW } from './rows/network.ts';
import { POWER_ROW } from './rows/power.ts';
import { TEMPERATURES_ROW } from './rows/temperatures.ts';

/** The fleet overview with the fleet's top apps (./rows/apps.ts) at its end. */
const FLEET: RowSpec = { ...FLEET_ROW, panels: [...FLEET_ROW.panels, ...APPS_FLEET_PANELS] };

/** Every row, in screen order: one file per row in ./rows/. */

export const ROWS: readonly RowSpec[] = [
  FLEET,
  POWER_ROW,
  CPU_ROW,
  HOST_ROW,
  GPU_ROW,
  GPU_MEMORY_ROW,
  TEMPERATURES_ROW,
  FANS_ROW,
  MEMORY_ROW,
  FILESYSTEMS_ROW,
  DISKS_ROW,
  NETWORK_ROW,
  APPS_ROW,
  AGENT_ROW,
];
