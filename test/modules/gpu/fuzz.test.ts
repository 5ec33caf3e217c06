import t from 'tap';
import { createGpuParser } from '../../../src/modules/gpu/parser.ts';
import { loadFixtures } from '../../fuzz/harness.ts';
import { streamFuzz } from '../../fuzz/stream-fuzz.ts';

streamFuzz(t, {
  name: 'gpu',
  make: () => createGpuParser(),
  fixtures: loadFixtures('fixtures/gpu'),
  tokens: [
    '+-o AGXAcceleratorG16G  <class AGXAcceleratorG16G, id 0x1>', '{', '}', '"PerformanceStatistics" = {', '"In use system memory"=',
    '"In use system memory (driver)"=', '"Device Utilization %"=', '"Alloc system memory"=', '"model" = "Apple M4"', '<6b100000>', '(', ')', ',', '=', '|',
  ],
  seed: 0x60,
});
