/**
 * vm_stat: memory by state (Activity Monitor's breakdown), page queues, compressor, paging. Polled
 * one-shot `vm_stat`.
 */
import type { z } from 'zod';
import { binary } from '../../sources/binaries.ts';
import { describeFailure } from '../../sources/probe.ts';
import type { SourceModule } from '../module.ts';
import { sourceConfig } from '../module.ts';
import { MEMORY_STATES, PAGE_STATES, COMPRESSOR_DIRECTIONS, PAGING_KINDS, SYSTEM_MEMORY_STATES, VM_STAT_METRICS } from './metrics.ts';
import { createVmStatParser, parseVmStat } from './parser.ts';
import { VmStatSample } from './sample.ts';
import { createVmStatSource } from './source.ts';

export const VmStatConfig = sourceConfig(10_000);
export type VmStatConfig = z.infer<typeof VmStatConfig>;

const GIB = (b: number | undefined) => (b === undefined ? '-' : `${(b / 2 ** 30).toFixed(2)} GiB`);

export const vm_stat: SourceModule<VmStatSample, VmStatConfig> = {
  name: 'vm_stat',
  title: 'vm_stat: memory',
  config: VmStatConfig,
  sample: VmStatSample,
  parser: () => createVmStatParser(),
  live: (c, ctx) => createVmStatSource({ intervalMs: c.intervalMs, command: binary('vm_stat', undefined, ctx.env), logger: ctx.logger }),
  replay: { file: 'vm_stat.txt', mode: { kind: 'poll' } },
  metrics: VM_STAT_METRICS,
  attributes: {
    'system.memory.state': { doc: 'OTel memory state.', values: SYSTEM_MEMORY_STATES },
    'silicon_agent.memory.state': { doc: 'Activity Monitor breakdown.', values: MEMORY_STATES },
    'silicon_agent.memory.page_state': { doc: 'Kernel page queue. The queues overlap: not additive.', values: PAGE_STATES },
    'silicon_agent.compressor.direction': { doc: 'Compressor direction.', values: COMPRESSOR_DIRECTIONS },
    'silicon_agent.paging.kind': { doc: '`file` (pageins/pageouts) or `swap` (swapins/swapouts).', values: PAGING_KINDS },
  },
  dump: { kind: 'oneshot', argv: (ctx) => [binary('vm_stat', undefined, ctx.env)] },
  describe: (r) => `vm_stat page ${r.pageSizeBytes} B, ${Object.keys(r.counters).length} counters, used ${GIB(r.derived?.usedBytes)}`,
  sections: [
    {
      heading: 'Memory (vm_stat)',
      rows: (vm) => [
        ['used', GIB(vm.derived?.usedBytes), 'app', GIB(vm.derived?.appBytes), 'wired', GIB(vm.derived?.wiredBytes)],
        ['compressed', GIB(vm.derived?.compressedBytes), 'cached files', GIB(vm.derived?.cachedFilesBytes), 'free', GIB(vm.derived?.freeBytes)],
      ],
    },
  ],
  async doctor(ctx) {
    const file = binary('vm_stat', undefined, ctx.env);
    const r = await ctx.run(file, [], { timeoutMs: 10_000 });
    if (r.exitCode !== 0) return [{ name: 'vm_stat', status: 'fail', detail: describeFailure(file, [], r) }];
    const results = parseVmStat(r.stdout);
    const sample = results.find((x): x is VmStatSample => x.type === 'vm_stat');
    const error = results.find((x) => x.type === 'error');
    if (!sample) {
      const why = error && error.type === 'error' ? `: ${error.kind}: ${error.message}` : '';
      return [{ name: 'vm_stat', status: 'fail', detail: `output did not parse${why}` }];
    }
    return [{ name: 'vm_stat', status: 'pass', detail: `page size ${sample.pageSizeBytes} B, ${Object.keys(sample.counters).length} counters` }];
  },
};
