import t from 'tap';
import { createVmStatParser } from '../../../src/modules/vm_stat/parser.ts';
import { loadFixtures } from '../../fuzz/harness.ts';
import { streamFuzz } from '../../fuzz/stream-fuzz.ts';

streamFuzz(t, {
  name: 'vm_stat',
  make: () => createVmStatParser(),
  fixtures: [...loadFixtures('fixtures/vm_stat'), ...loadFixtures('fixtures/synthetic/vm_stat')],
  tokens: [
    'Mach Virtual Memory Statistics: (page size of 16384 bytes)', 'Pages free:', 'Pages active:', 'Pages wired down:',
    '"Translation faults":', 'Pages stored in compressor:', 'Swapins:', 'free', 'active', '12345.', '16384',
  ],
  seed: 0x20,
});
