import t from 'tap';
import { createSysctlParser } from '../../../src/modules/sysctl/parser.ts';
import { loadFixtures } from '../../fuzz/harness.ts';
import { streamFuzz } from '../../fuzz/stream-fuzz.ts';

streamFuzz(t, {
  name: 'sysctl',
  make: () => createSysctlParser(),
  fixtures: [...loadFixtures('fixtures/sysctl'), ...loadFixtures('fixtures/synthetic/sysctl')],
  tokens: [
    'vm.swapusage:', 'total = 2048.00M', 'used = 1.25M', 'free = 2046.75M', '(encrypted)', 'hw.memsize:', 'hw.model:',
    'kern.memorystatus_vm_pressure_level:', 'hw.perflevel0.name:', 'Performance', 'machdep.cpu.brand_string:', '=',
  ],
  seed: 0x30,
});
