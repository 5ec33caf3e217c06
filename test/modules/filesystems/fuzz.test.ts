import t from 'tap';
import { createFilesystemsParser } from '../../../src/modules/filesystems/parser.ts';
import { loadFixtures } from '../../fuzz/harness.ts';
import { streamFuzz } from '../../fuzz/stream-fuzz.ts';

streamFuzz(t, {
  name: 'filesystems',
  make: () => createFilesystemsParser(),
  fixtures: [...loadFixtures('fixtures/df'), ...loadFixtures('fixtures/mount'), ...loadFixtures('fixtures/synthetic/filesystems')],
  tokens: [
    'Filesystem', '1024-blocks', '512-blocks', 'Size', 'Used', 'Available', 'Avail', 'Capacity', 'Mounted on', '/dev/disk3s5',
    ' on ', '/System/Volumes/Data', '(apfs, local, journaled, nobrowse)', 'type ext4 (rw)', '460Gi', '60%', 'map auto_home',
    '{"format":"silicon-agent-filesystems/1","mounts":[', '"statfs":{"bsize":4096,"blocks":1,"bfree":2,"bavail":0}', '"flags":4096',
  ],
  seed: 0x46,
});
