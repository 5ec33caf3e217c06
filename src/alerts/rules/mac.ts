/** Rules about the Mac Studio itself: thermal and memory pressure, swap, temperatures, fans. */
import { MEMORY_PRESSURE_VALUE } from '../../modules/sysctl/metrics.ts';
import { THERMAL_LEVEL_VALUE } from '../../modules/powermetrics/metrics.ts';
import { ON_NODE, labelOf, match, sel, type AlertRule, type RuleGroup } from '../model.ts';
import { MEMORY_CRITICAL, MEMORY_WARN, NODE, THERMAL_HEAVY, VERIFICATION, levelList } from './shared.ts';

const TEMP_MAX = 'silicon_agent.temperature.max';
const GROUP = labelOf(TEMP_MAX, 'hw.sensor_location');
const DIE = labelOf(TEMP_MAX, 'hw.parent');
const FAN_ID = labelOf('hw.fan.speed', 'hw.id');
/** Swap growth that counts as "growing": 256 MiB in 15 minutes. */
export const SWAP_GROWTH_BYTES = 256 * 1024 * 1024;
/** SoC (CPU + GPU + ANE) power above which a Mac Studio's fans must be turning. */
export const FAN_LOAD_WATTS = 20;

/** One "temperature group near its limit" rule. */
function temperatureRule(alert: string, what: string, groups: readonly string[], limit: number, source: string, meaning: string): AlertRule {
  return {
    alert,
    expr: `${sel(TEMP_MAX, match(TEMP_MAX, 'hw.sensor_location', ...groups))} >= ${limit}`,
    forSeconds: 300,
    severity: 'warning',
    summary: `${what} at {{ $value | printf "%.1f" }} °C on ${NODE}`,
    description:
      `The hottest {{ $labels.${GROUP} }} sensor ({{ $labels.${DIE} }}) on ${NODE} has read at least ${limit} °C for 5 minutes; now {{ $value | printf "%.1f" }} °C.`,
    runbook: {
      threshold: `The hottest sensor of group ${groups.map((g) => `\`${g}\``).join(', ')} (\`silicon_agent_temperature_max_celsius\`) at ≥ ${limit} °C. ${source}`,
      whyFor: 'Five minutes: a compile or a render heats the silicon for seconds to minutes and the fans catch up; a reading that stays near the limit means the cooling is not keeping up.',
      meaning,
      steps: [
        'Look at the dashboard\'s Temperatures and Fans rows for this node: is one sensor group hot, or all of them?',
        'Check the fans are turning (Fans row; MacStudioFanStopped) and that the node\'s intake and exhaust are not blocked in the rack.',
        'Compare with the rack neighbours: if every node is hot, check the room\'s cooling first.',
        'Check thermal pressure (MacThermalPressureHeavy): macOS throttles before the hardware limit, so pressure rising with the temperature confirms the reading.',
        'If one node alone stays hot with free airflow and turning fans, plan a hardware check.',
      ],
      references: [
        'docs/smc.md (sensor groups and the key catalog)',
        `UNVERIFIED: Apple publishes no temperature limits for Apple Silicon; the threshold is a conservative margin (${VERIFICATION})`,
      ],
    },
  };
}

export const MAC_GROUP: RuleGroup = {
  name: 'mac-studio',
  about: 'The Mac itself: thermal pressure, memory pressure and swap, temperature groups, fans.',
  rules: [
    {
      alert: 'MacThermalPressureHeavy',
      expr: `${sel('silicon_agent.thermal.pressure')} >= ${THERMAL_HEAVY}`,
      forSeconds: 300,
      severity: 'critical',
      summary: `Thermal pressure is heavy or worse on ${NODE} (level {{ $value }})`,
      description: `macOS has reported thermal pressure level {{ $value }} (${levelList(THERMAL_LEVEL_VALUE)}) on ${NODE} for 5 minutes: it is throttling the CPU and GPU.`,
      runbook: {
        threshold: `\`silicon_agent_thermal_pressure\` ≥ ${THERMAL_HEAVY} (heavy), from the catalog's level table (\`THERMAL_LEVEL_VALUE\`: ${levelList(THERMAL_LEVEL_VALUE)}), read from powermetrics' \`thermal_pressure\`.`,
        whyFor: 'Five minutes: a short heavy spike under a burst load is macOS doing its job; heavy for five minutes means jobs on this node run measurably slower.',
        meaning:
          'macOS is cutting CPU and GPU frequency to keep the Mac Studio within its thermal limits. Work scheduled on this node takes longer; at `trapping` and `sleeping` the Mac is close to shutting itself down.',
        steps: [
          'Dashboard, this node: Temperatures and Fans rows. Are the fans at their maximum? Is one sensor group far hotter than the rest?',
          'Check the rack position: blocked intake or exhaust, a neighbour blowing hot air in, the room\'s temperature.',
          'Check the load (Power and CPU rows): a job pinning every core and the GPU heats any Mac; move work off the node if needed.',
          'If the fans are not turning (MacStudioFanStopped), treat it as a hardware fault: drain the node.',
        ],
        references: [
          'Apple: ProcessInfo.ThermalState (nominal, fair, serious, critical), the app-facing thermal scale; powermetrics prints the kernel\'s own level names',
          'docs/metrics.md (`silicon_agent.thermal.pressure`)',
          `UNVERIFIED: thermal pressure has not been seen above nominal in any real capture (${VERIFICATION})`,
        ],
      },
    },
    {
      alert: 'MacMemoryPressureCritical',
      expr: `${sel('silicon_agent.memory.pressure')} >= ${MEMORY_CRITICAL}`,
      forSeconds: 120,
      severity: 'critical',
      summary: `Memory pressure is critical on ${NODE} (level {{ $value }})`,
      description: `The kernel has reported memory pressure level {{ $value }} (${levelList(MEMORY_PRESSURE_VALUE)}) on ${NODE} for 2 minutes: it is compressing, swapping and may kill processes.`,
      runbook: {
        threshold: `\`silicon_agent_memory_pressure\` ≥ ${MEMORY_CRITICAL} (critical), from the catalog's level table (\`MEMORY_PRESSURE_VALUE\`: ${levelList(MEMORY_PRESSURE_VALUE)}), read from \`kern.memorystatus_vm_pressure_level\`.`,
        whyFor: 'Two minutes: critical pressure is rare and serious (macOS starts terminating processes), so the wait is short; it still skips a single sample during a burst of allocations.',
        meaning:
          'The Mac Studio has run out of memory headroom: the compressor is full and swap is growing; jobs slow down sharply and macOS may kill processes (jetsam). On Apple Silicon the GPU shares this memory, so a large model or render can cause it.',
        steps: [
          'Dashboard, this node: Memory row (app, wired, compressed, swap).',
          'On the node: `top -o mem` or Activity Monitor\'s Memory tab shows which process holds the memory.',
          'Stop or move the largest job; do not start more work on the node until pressure is back to normal.',
          'If wired memory is high, a GPU workload holds it: check the GPU row and the job\'s memory settings.',
        ],
        references: [
          'Apple: `memory_pressure(1)` and the kernel\'s memorystatus levels (normal, warn, critical)',
          `UNVERIFIED: no real capture of \`kern.memorystatus_vm_pressure_level\` exists; the 0/1/2 mapping is from the reference (${VERIFICATION})`,
        ],
      },
    },
    {
      alert: 'MacSwapGrowingUnderPressure',
      expr: [
        `${sel('system.paging.usage', match('system.paging.usage', 'system.paging.state', 'used'))}`,
        `- ${sel('system.paging.usage', match('system.paging.usage', 'system.paging.state', 'used'))} offset 15m`,
        `>= ${SWAP_GROWTH_BYTES}`,
        `and ${ON_NODE} ${sel('silicon_agent.memory.pressure')} >= ${MEMORY_WARN}`,
      ].join('\n'),
      forSeconds: 600,
      severity: 'warning',
      summary: `Swap grew {{ $value | humanize1024 }}B in 15 minutes on ${NODE} under memory pressure`,
      description: `Swap in use on ${NODE} grew by {{ $value | humanize1024 }}B over 15 minutes while memory pressure was warn or critical, for 10 minutes.`,
      runbook: {
        threshold: `Swap in use (\`system_paging_usage_bytes{system_paging_state="used"}\`, from \`vm.swapusage\`) ≥ 256 MiB higher than 15 minutes before, while \`silicon_agent_memory_pressure\` ≥ ${MEMORY_WARN} (warn, from \`MEMORY_PRESSURE_VALUE\`). macOS adds swap in whole swap files (1 GiB each on current macOS, UNVERIFIED on a node), so \`vm.swapusage\` used growing by 256 MiB is pages really written, not file allocation.`,
        whyFor: 'Ten minutes on top of the 15-minute comparison: swap that grows once and stops is a finished burst; swap still growing under pressure 10 minutes later is a workload that does not fit.',
        meaning:
          'The Mac Studio is short of memory and paging to its SSD: jobs slow down, and sustained swapping wears the internal SSD, which cannot be replaced on a Mac Studio.',
        steps: [
          'Dashboard, this node: Memory row (swap used, compressed, memory pressure).',
          'On the node: `sysctl vm.swapusage` and `top -o mem` to find the process that grows.',
          'Move or stop the growing workload; if it is expected, the node needs a smaller share of the work or more memory.',
          'If pressure reaches critical, MacMemoryPressureCritical takes over (Alertmanager inhibits this alert then).',
        ],
        references: ['`sysctl vm.swapusage` (docs/sources.md)', `UNVERIFIED: the pressure levels on a node (${VERIFICATION})`],
      },
    },
    temperatureRule(
      'MacSiliconTemperatureNearLimit',
      'CPU/GPU die temperature',
      ['cpu_die', 'cpu_p', 'cpu_e', 'gpu'],
      95,
      'Apple publishes no throttling temperature; 95 °C sits below the roughly 100 °C at which Apple Silicon dies are commonly reported to throttle (UNVERIFIED), leaving a margin.',
      'The CPU or GPU dies of the Mac Studio are close to the temperature at which they throttle. The `soc` and `ambient` groups are deliberately not alerted: a real M2 Max dump reads 80.3 °C on the fabric sensor Tf06 while its CPU die reads 38 °C, so those sensors run hot by design.',
    ),
    temperatureRule(
      'MacMemoryTemperatureNearLimit',
      'Memory temperature',
      ['memory'],
      85,
      'LPDDR5 memory is specified up to 85 °C (JEDEC normal range) before it must refresh faster.',
      'The unified memory packages next to the SoC are at the top of their normal operating range; errors and refresh overhead rise beyond it.',
    ),
    temperatureRule(
      'MacStorageTemperatureNearLimit',
      'Storage temperature',
      ['storage'],
      70,
      'NAND flash is typically specified to 70 °C operating temperature; the SSD throttles near it.',
      'The internal SSD of the Mac Studio is at the top of its operating range: it will throttle writes, and heat shortens flash life.',
    ),
    {
      alert: 'MacStudioFanStopped',
      // A fan with limits or a target but no speed point: a Mac Studio fan at 0 RPM is exported as no point
      // (src/modules/smc/interpret.ts), because its fans never stop in normal operation.
      expr: [
        `(`,
        `  max by (job, instance, ${FAN_ID}) (`,
        `    ${sel('hw.fan.speed.limit', match('hw.fan.speed.limit', 'hw.type', 'fan'))}`,
        `    or ${sel('silicon_agent.fan.target_speed', match('silicon_agent.fan.target_speed', 'hw.type', 'fan'))}`,
        `  )`,
        `  unless on (job, instance, ${FAN_ID}) ${sel('hw.fan.speed', match('hw.fan.speed', 'hw.type', 'fan'))}`,
        `) * 0`,
        `+ ${ON_NODE} group_left () (${sel('silicon_agent.soc.power')} >= ${FAN_LOAD_WATTS})`,
      ].join('\n'),
      forSeconds: 120,
      severity: 'critical',
      summary: `Fan {{ $labels.${FAN_ID} }} reads no speed on ${NODE} while the SoC draws {{ $value | printf "%.1f" }} W`,
      description: `Fan {{ $labels.${FAN_ID} }} on ${NODE} has reported limits but no speed for 2 minutes while the SoC drew at least ${FAN_LOAD_WATTS} W (now {{ $value | printf "%.1f" }} W). A Mac Studio fan never stops: it is stalled or unreadable.`,
      runbook: {
        threshold: `A fan with SMC limits or a target (\`hw_fan_speed_limit_rpm\`, \`silicon_agent_fan_target_speed_rpm\`) but no \`hw_fan_speed_rpm\` point, while \`silicon_agent_soc_power_watts\` ≥ ${FAN_LOAD_WATTS} W. A Mac Studio fan reading 0 RPM is exported as no point (src/modules/smc/interpret.ts, \`MAC_STUDIO_MODELS\`); ${FAN_LOAD_WATTS} W is well above an idle M2/M3 Ultra's SoC power, so the fan must be turning (UNVERIFIED on an M3 Ultra).`,
        whyFor: 'Two minutes: a stopped fan under load heats the Mac quickly, so the wait is short; it still rides over one missed SMC read.',
        meaning:
          'The Mac Studio\'s fans always turn while it is on. No speed under load means the fan has stalled, is disconnected, or the SMC cannot read it; in the first two cases the Mac will throttle and then shut down.',
        steps: [
          'Dashboard, this node: Fans row (speed against target) and Temperatures row.',
          'On the node: `silicon-agent smc dump | grep -E "^ *F[0-9]"` shows the raw fan keys (Ac = actual, Tg = target).',
          'If the temperatures rise and thermal pressure follows, drain the node now.',
          'Listen to or feel the exhaust at the back: no airflow means a hardware fault; book a repair.',
          'If the Mac is cool and the fan clearly turns, the SMC read is at fault: report it with the smc-dump output.',
        ],
        references: [
          'src/modules/smc/interpret.ts and docs/smc.md (fan keys)',
          `UNVERIFIED: the real M2 Max dump (fixtures/smc/m2-max-ismc-raw-full-dump.txt) reads both fans at 0 RPM with target 0, on a Mac that is not a Mac Studio; how a stalled Mac Studio fan reads is not known (${VERIFICATION})`,
        ],
      },
    },
  ],
};
