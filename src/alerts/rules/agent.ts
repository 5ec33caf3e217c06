/** Rules about the agent itself: is it there, are its sources up, does its export work, is it within budget. */
import { defaultConfig } from '../../config.ts';
import { BY_NODE, JOB, ON_NODE, labelOf, match, sel, type RuleGroup } from '../model.ts';
import { HEARTBEAT, NODE, heartbeat } from './shared.ts';

const SOURCE = labelOf('silicon_agent.source.up', 'silicon_agent.source');
const EXPORTS = 'silicon_agent.exports';
const pushIntervalS = defaultConfig().exporters.otlp.intervalMs / 1000;

export const AGENT_GROUP: RuleGroup = {
  name: 'silicon-agent',
  about: 'The agent itself: absent, not scraped, a source down, OTLP export failing, over its budget.',
  rules: [
    {
      alert: 'SiliconAgentAbsent',
      // Seconds since the node's last heartbeat sample, for a node seen in the last 24 h that has none now.
      // Pull path: a dead agent's series go stale at the next failed scrape, but then `up == 0` holds and
      // SiliconAgentScrapeFailing fires instead (the last line keeps the two apart). Push path: no `up`
      // exists; the series vanish 5 minutes (the lookback) after the last sample.
      expr: [
        `time() - max ${BY_NODE} (max_over_time(timestamp(${heartbeat()})[24h:1m]))`,
        `unless ${ON_NODE} ${heartbeat()}`,
        `unless ${ON_NODE} up{job="${JOB}"} == 0`,
      ].join('\n'),
      forSeconds: 300,
      severity: 'critical',
      summary: `silicon-agent on ${NODE} has sent no metrics for {{ $value | humanizeDuration }}`,
      description:
        `No ${sel(HEARTBEAT)} series has arrived from ${NODE} for {{ $value | humanizeDuration }}, although the node reported within the last 24 hours. ` +
        'The agent, the node, or the path to Prometheus (node Collector, remote write) is down.',
      runbook: {
        threshold:
          `Any node that sent the heartbeat (\`${sel(HEARTBEAT)}\`, exported at every collection whatever the sources do) in the last 24 hours and has none now. ` +
          'A node gone for more than 24 hours drops out of the alert: remove it from the target list or fix it before then.',
        whyFor:
          'Five minutes covers an agent restart (launchd restarts it within seconds) and a node reboot that comes back; on the push path the series only vanish five minutes (Prometheus\' lookback) after the last sample, so a push node is reported about ten minutes after it stops.',
        meaning:
          'Prometheus has no data from this Mac Studio at all: every panel for it is empty and none of the Mac alerts below can fire for it. On the pull path this alert only fires when the node is no longer scraped (removed from the target list); a failing scrape is SiliconAgentScrapeFailing.',
        steps: [
          'Check that the node is up: `ping` it, or look at it in the rack management tool.',
          'On the node: `sudo launchctl print system/io.silicon-agent | head -20` shows whether the job is loaded and its last exit status; `silicon-agent status` shows the agent\'s own view.',
          'Read the agent log for the last lines before it stopped: `sudo tail -n 50 /var/log/silicon-agent/agent.log` (README, "Install on a node").',
          'Push path: check the node\'s OpenTelemetry Collector (`deploy/otel-collector.yaml`) is running and can reach the remote-write endpoint.',
          'Pull path: check the node is still in the file_sd target list (`/etc/prometheus/silicon-agent-targets.yml`).',
          'Restart the agent (`sudo launchctl kickstart -k system/io.silicon-agent`) and watch the heartbeat return.',
        ],
        references: ['docs/dashboard.md, "Which label is the node"', 'deploy/prometheus.yml', 'deploy/otel-collector.yaml', 'README.md, Troubleshooting'],
      },
    },
    {
      alert: 'SiliconAgentScrapeFailing',
      expr: `up{job="${JOB}"} == 0`,
      forSeconds: 300,
      severity: 'critical',
      summary: `Prometheus cannot scrape silicon-agent on ${NODE} (up = {{ $value }})`,
      description:
        `Every scrape of ${NODE}'s /metrics has failed for 5 minutes (up = {{ $value }}). ` +
        'The agent is not running, not listening on the scraped address, or the network path is blocked.',
      runbook: {
        threshold: '`up == 0` for the `silicon-agent` scrape job (deploy/prometheus.yml): Prometheus\' own scrape health, pull path only.',
        whyFor: 'Five minutes is twenty scrapes at 15 s: an agent restart or a short network hiccup recovers well inside it.',
        meaning:
          'The Mac Studio is listed as a target, but Prometheus gets no answer from the agent on it. The node may be fine and only the agent down, or the node may be off.',
        steps: [
          'Open Prometheus\' Targets page (`/targets`) and read the error for this instance (connection refused, timeout, no route).',
          'Connection refused: the agent is not running or listens on 127.0.0.1 only; set `OTEL_EXPORTER_PROMETHEUS_HOST` to the rack address (deploy/prometheus.yml, header) and restart it.',
          'Timeout or no route: check the node is up and the port (9464 by default) is open from the Prometheus host.',
          'On the node: `silicon-agent status` and `silicon-agent doctor`; restart with `sudo launchctl kickstart -k system/io.silicon-agent`.',
        ],
        references: ['deploy/prometheus.yml', 'Prometheus documentation: the `up` series of every scrape target'],
      },
    },
    {
      alert: 'SiliconAgentSourceDown',
      expr: `${sel('silicon_agent.source.up')} == 0`,
      forSeconds: 300,
      severity: 'warning',
      summary: `silicon-agent source {{ $labels.${SOURCE} }} is down on ${NODE}`,
      description:
        `The {{ $labels.${SOURCE} }} source on ${NODE} has had no fresh sample for 5 minutes (up = {{ $value }}); its metrics are missing or stale.`,
      runbook: {
        threshold: '`silicon_agent_source_up == 0`: the agent\'s own health recorder says the source is not running or its latest sample is not fresh (src/health.ts).',
        whyFor: 'A source\'s child (powermetrics, iostat) is restarted with backoff after an exit or a hang; five minutes lets the restarts work before anyone is told.',
        meaning:
          'One group of panels for this Mac Studio is empty or frozen: powermetrics (power, CPU, GPU, thermal pressure), iostat (disks), vm_stat or sysctl (memory, swap, pressure) or smc (temperatures, fans). Alerts that read that source cannot fire for this node.',
        steps: [
          'On the node, `silicon-agent status` shows each source\'s state and last error.',
          'Look at the dashboard\'s Agent row: Source restarts and Parse errors per source for this node.',
          'powermetrics: it needs root; check the sudoers drop-in the installer wrote (`silicon-agent doctor`).',
          'smc: check the addon loaded (`silicon-agent doctor`); `silicon-agent smc dump` reads the keys directly.',
          'Restart the agent if the source does not recover: `sudo launchctl kickstart -k system/io.silicon-agent`.',
        ],
        references: ['docs/sources.md', 'docs/child-processes.md', 'src/health.ts'],
      },
    },
    {
      alert: 'SiliconAgentExportFailing',
      expr: [
        `sum ${BY_NODE} (increase(${sel(EXPORTS, match(EXPORTS, 'silicon_agent.outcome', 'failure'))}[10m]))`,
        `/ sum ${BY_NODE} (increase(${sel(EXPORTS)}[10m]))`,
        '>= 0.5',
      ].join('\n'),
      forSeconds: 600,
      severity: 'warning',
      summary: `silicon-agent on ${NODE} fails {{ $value | humanizePercentage }} of its OTLP exports`,
      description:
        `{{ $value | humanizePercentage }} of ${NODE}'s OTLP exports failed over the last 10 minutes. Pushed metrics are being lost; the /metrics endpoint is unaffected.`,
      runbook: {
        threshold: `At least 50 % of OTLP export attempts failed over 10 minutes (\`silicon_agent_exports_total\` by \`silicon_agent_outcome\`). At the default ${pushIntervalS} s push interval that is at least ${Math.ceil(600 / pushIntervalS / 2)} failed exports in 10 minutes; a lone failed export does not count.`,
        whyFor: 'Ten more minutes on top of the 10-minute window: a Collector restart or a short outage ends well before, so only a persistent failure reaches anyone.',
        meaning:
          'This alert is seen through the pull path (the agent counts its own failed pushes and /metrics shows them). The node\'s data is not reaching the OTLP backend; the Mac itself is unaffected.',
        steps: [
          'On the node, check the OpenTelemetry Collector the agent pushes to (`exporters.otlp.endpoint` or `OTEL_EXPORTER_OTLP_ENDPOINT`, by default http://localhost:4318) is running.',
          'The agent logs the first failure of each outage with its error: `sudo grep -i export /var/log/silicon-agent/agent.log | tail`.',
          'Check the Collector\'s own logs for rejected data (an exporter error or a memory-limiter refusal).',
          'Fix the Collector or its downstream; the failure ratio falls back once exports succeed.',
        ],
        references: ['docs/collector.md', 'deploy/otel-collector.yaml', 'UNVERIFIED: every failure is counted at every push interval (issue 16 item 4 is open)'],
      },
    },
    {
      alert: 'SiliconAgentOverBudget',
      expr: `${sel('silicon_agent.budget.level')} >= 1`,
      forSeconds: 1800,
      severity: 'warning',
      summary: `silicon-agent on ${NODE} has shed work to stay within its budget (level {{ $value }})`,
      description:
        `silicon-agent on ${NODE} has run at budget level {{ $value }} (0 = full fidelity) for 30 minutes: it sheds work (longer intervals, fewer samplers) because it and its children use more CPU or memory than allowed.`,
      runbook: {
        threshold: `Budget level ≥ 1 (docs/budget.md: level 1 doubles the powermetrics interval). The budget is ${defaultConfig().budget.cpuPercent} % of one core and ${defaultConfig().budget.rssMiB} MiB by default (src/config.ts).`,
        whyFor: 'The governor steps down and back up by itself on a short burst; thirty minutes at a raised level means the node is persistently costlier to watch, not a spike.',
        meaning:
          'The agent is protecting the Mac Studio from itself: data from this node is coarser than configured. Something makes the agent or powermetrics cost more than usual (a very busy node makes powermetrics itself heavier).',
        steps: [
          'Look at the dashboard\'s Agent row for this node: Agent CPU by process and Agent memory by process show which process is over.',
          'If powermetrics is over on a busy node, that is expected: consider a longer `sources.powermetrics.intervalMs` or a larger `budget.cpuPercent` in the agent config.',
          'If the agent itself grows in memory over days, restart it and report the RSS history as a bug.',
        ],
        references: ['docs/budget.md', 'src/config.ts'],
      },
    },
  ],
};
