/**
 * What several dashboard rows share: the node label, grouping, kWh, caveats, the agent's default
 * budget as thresholds, and the zero-filling error rate.
 */
import { defaultConfig } from '../../config.ts';
import { NODE_LABEL, NODE_VAR, RATE, sel } from '../model.ts';

export const N = NODE_LABEL;
export const by = (...labels: string[]): string => `by (${[N, ...labels].join(', ')})`;
/** kWh over the last day from a joules counter; increase() copes with agent restarts (counter resets). */
export const kwhPerDay = (s: string): string => `increase(${s}[1d]) / 3.6e6`;

export const PSTR_CAVEAT =
  'System power and energy need the SMC `PSTR` key: empty for a node whose SMC lacks it (the bundled M2 Ultra replay\'s SMC dump has temperatures only).';
export const PRESSURE_CAVEAT =
  'Memory pressure needs `kern.memorystatus_vm_pressure_level`, which no bundled real capture contains.';

export const budget = defaultConfig().budget;
/** The agent's default budget (src/config.ts): CPU as a fraction of one core, memory in bytes. */
export const CPU_BUDGET = budget.cpuPercent / 100;
export const RSS_BUDGET = budget.rssMiB * 1024 * 1024;

/** The node-level reading of an agent-wide health question: is the scrape up (pull path only). */
export const SCRAPE_UP =
  `max ${by()} (up{${N}=~"$${NODE_VAR}"} and on (job, ${N}) ` +
  `last_over_time(${sel('silicon_agent.budget.level')}[1h]))`;

/**
 * `errors per source, 0 when none`: error counters have series only for kinds that happened,
 * so the samples counter (one series per running source) supplies explicit zeros. A panel that
 * says 0 is distinguishable from a panel that says "No data" because the agent is gone.
 */
export const perSourceRateOrZero = (otelName: string): string =>
  `sum by (silicon_agent_source) (rate(${sel(otelName)}[${RATE}])) ` +
  `or sum by (silicon_agent_source) (rate(${sel('silicon_agent.samples')}[${RATE}])) * 0`;

