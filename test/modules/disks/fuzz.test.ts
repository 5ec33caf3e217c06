import t from 'tap';
import { createDisksParser } from '../../../src/modules/disks/parser.ts';
import { loadFixtures } from '../../fuzz/harness.ts';
import { streamFuzz } from '../../fuzz/stream-fuzz.ts';

streamFuzz(t, {
  name: 'disks',
  make: () => createDisksParser(),
  fixtures: loadFixtures('fixtures/disks'),
  tokens: [
    '+-o IOBlockStorageDriver  <class IOBlockStorageDriver, id 0x1>', '  +-o Media  <class IOMedia, id 0x2>', '  | {', '  | }', '"Statistics" = {',
    '"Bytes (Read)"=', '"Total Time (Write)"=', '"Whole" = Yes', '"BSD Name" = "disk0"', '18446744073709551616', ',', '=', '|',
  ],
  seed: 0x70,
});
