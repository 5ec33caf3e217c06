/** What several rule groups share: the node in annotations, the heartbeat metric and the pressure levels. */
import { MEMORY_PRESSURE_VALUE } from '../../modules/sysctl/metrics.ts';
import { THERMAL_LEVEL_VALUE } from '../../modules/powermetrics/metrics.ts';
import { sel } from '../model.ts';

/** The node, as annotations name it. */
export const NODE = '{{ $labels.instance }}';

/**
 * The agent's heartbeat: a gauge every running agent exports at every collection, whatever its sources
 * do (no attributes, one series per node).
 */
export const HEARTBEAT = 'silicon_agent.budget.level';
export const heartbeat = (): string => sel(HEARTBEAT);

/** A level's number from a catalog level table; throws when the level is gone from the table. */
export function levelOf(table: Readonly<Record<string, number>>, level: string, what: string): number {
  const v = table[level];
  if (v === undefined) throw new Error(`alerts: "${level}" is not a ${what} level (${Object.keys(table).join(', ')})`);
  return v;
}

export const THERMAL_HEAVY = levelOf(THERMAL_LEVEL_VALUE, 'heavy', 'thermal pressure');
export const MEMORY_WARN = levelOf(MEMORY_PRESSURE_VALUE, 'warn', 'memory pressure');
export const MEMORY_CRITICAL = levelOf(MEMORY_PRESSURE_VALUE, 'critical', 'memory pressure');

/** Level names in table order, for runbook text (`0 nominal, 1 moderate, …`). */
export const levelList = (table: Readonly<Record<string, number>>): string =>
  Object.entries(table)
    .sort((a, b) => a[1] - b[1])
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');

/** Where docs say something is not checked on a real node. */
export const VERIFICATION = 'docs/verification.md';
