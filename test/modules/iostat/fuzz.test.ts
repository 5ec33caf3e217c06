import t from 'tap';
import { createIostatParser } from '../../../src/modules/iostat/parser.ts';
import { loadFixtures } from '../../fuzz/harness.ts';
import { streamFuzz } from '../../fuzz/stream-fuzz.ts';

streamFuzz(t, {
  name: 'iostat',
  make: () => createIostatParser({ intervalS: 1 }),
  fixtures: [...loadFixtures('fixtures/iostat'), ...loadFixtures('fixtures/synthetic/iostat')],
  tokens: ['disk0', 'disk4', 'KB/t', 'tps', 'MB/s', 'us', 'sy', 'id', '1m', '5m', '15m', 'cpu', 'load average', '16.00', '0'],
  seed: 0x10,
});
