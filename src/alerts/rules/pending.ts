/**
 * Rules waiting for their metrics: they are generated only once the catalog has the metric (the
 * "whole host, without root" sources add them). Until then the rules file's header and the runbook
 * name them as pending. Their annotations name every attribute the catalog entry declares.
 */
import { attributesOf, inCatalog, labelOf, sel, type AlertRule, type RuleGroup } from '../model.ts';
import { NODE, VERIFICATION } from './shared.ts';

export interface PendingRule {
  alert: string;
  /** The OTel metric the rule needs. */
  needs: string;
  /** What the rule watches, for the "pending" note. */
  what: string;
  rule: () => AlertRule;
}

/** `(mountpoint, device)` style text from every attribute of a catalog entry. */
function labelsText(otelName: string): string {
  const labels = attributesOf(otelName).map((a) => `{{ $labels.${labelOf(otelName, a)} }}`);
  return labels.length ? ` (${labels.join(', ')})` : '';
}

export const PENDING: readonly PendingRule[] = [
  {
    alert: 'MacFilesystemNearlyFull',
    needs: 'system.filesystem.utilization',
    what: 'a filesystem at 90 % or more of its size',
    rule: () => ({
      alert: 'MacFilesystemNearlyFull',
      expr: `${sel('system.filesystem.utilization')} >= 0.9`,
      forSeconds: 900,
      severity: 'warning',
      summary: `Filesystem${labelsText('system.filesystem.utilization')} on ${NODE} is {{ $value | humanizePercentage }} full`,
      description: `A filesystem${labelsText('system.filesystem.utilization')} on ${NODE} has been at least 90 % full for 15 minutes; now {{ $value | humanizePercentage }}.`,
      runbook: {
        threshold: '`system_filesystem_utilization_ratio` ≥ 0.9: the volume\'s own used space ÷ (used + free), as df\'s Capacity. The volumes of an APFS container share its free space, so the one that holds the data (Data) reaches it first while VM stays low; what the other volumes hold is `reserved` in `system.filesystem.usage` (docs/sources.md "## filesystems").',
        whyFor: 'Fifteen minutes: a large temporary file written and deleted by a job does not page; a disk that stays full does.',
        meaning: 'The Mac Studio\'s SSD is nearly full. macOS needs free space for swap and updates; at 100 % writes fail and swap cannot grow, which turns memory pressure into a crash.',
        steps: [
          'Dashboard, this node: the filesystem panel shows which volume and how fast it filled.',
          'On the node: `df -h` and `sudo du -xhd1 /` (or the volume) to find what grew.',
          'Clear caches, old job outputs and local Time Machine snapshots (`tmutil listlocalsnapshots /`).',
        ],
        references: ['docs/metrics.md (`system.filesystem.utilization`)', `UNVERIFIED: APFS purgeable space may count as used (${VERIFICATION})`],
      },
    }),
  },
  {
    alert: 'MacGpuMemoryNearLimit',
    needs: 'hw.gpu.memory.utilization',
    what: 'GPU memory at 90 % or more of its wired limit',
    rule: () => ({
      alert: 'MacGpuMemoryNearLimit',
      expr: `${sel('hw.gpu.memory.utilization')} >= 0.9`,
      forSeconds: 600,
      severity: 'warning',
      summary: `GPU memory${labelsText('hw.gpu.memory.utilization')} on ${NODE} is at {{ $value | humanizePercentage }} of its limit`,
      description: `GPU memory${labelsText('hw.gpu.memory.utilization')} on ${NODE} has been at least 90 % of its wired limit for 10 minutes; now {{ $value | humanizePercentage }}.`,
      runbook: {
        threshold: '`hw_gpu_memory_utilization_ratio` ≥ 0.9: GPU memory in use against the GPU\'s wired-memory limit (`iogpu.wired_limit_mb`, or macOS\' default share of unified memory).',
        whyFor: 'Ten minutes: loading a model fills GPU memory briefly; staying near the limit means the next allocation fails.',
        meaning: 'The GPU on this Mac Studio is about to be refused memory: Metal allocations fail and GPU jobs (models, renders) crash or fall back to slower paths.',
        steps: [
          'Dashboard, this node: GPU row (memory against limit) and Memory row (wired).',
          'Find the GPU job and its memory settings (model size, batch size).',
          'If the node is dedicated to GPU work, consider raising `iogpu.wired_limit_mb` (leaves less for the CPU side).',
        ],
        references: ['docs/metrics.md (`hw.gpu.memory.utilization`)', `UNVERIFIED: the wired limit on an M3 Ultra (${VERIFICATION})`],
      },
    }),
  },
];

/** Pending rules whose metric the catalog has: generated. */
export const PENDING_GROUP: RuleGroup = {
  name: 'mac-studio-host',
  about: 'The whole host: filesystems and GPU memory (generated once the catalog has their metrics).',
  rules: PENDING.filter((p) => inCatalog(p.needs)).map((p) => {
    const r = p.rule();
    if (r.alert !== p.alert) throw new Error(`alerts: pending ${p.alert} renders as ${r.alert}`);
    return r;
  }),
};

/** Pending rules still waiting for their metric. */
export const STILL_PENDING: readonly PendingRule[] = PENDING.filter((p) => !inCatalog(p.needs));
