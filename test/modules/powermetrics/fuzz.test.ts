import t from 'tap';
import { createPowermetricsParser } from '../../../src/modules/powermetrics/parser.ts';
import { loadFixtures } from '../../fuzz/harness.ts';
import { streamFuzz } from '../../fuzz/stream-fuzz.ts';

// Single documents and short streams keep 10,000+ cases fast. The 3.4 MB 29-document capture
// contributes its first document only (a real doc with every sampler); the 260 KB tasks capture is
// left out for speed.
const all = loadFixtures('fixtures/powermetrics', (n) => n.endsWith('.plist'));
const big = all.find((f) => f.name.includes('29samples'))!;
const firstDoc = big.bytes.subarray(0, big.bytes.indexOf('</plist>') + '</plist>'.length + 1);
const fixtures = [
  ...all.filter((f) => f.bytes.length < 100_000),
  { name: `${big.name}#doc1`, bytes: Buffer.from(firstDoc) },
];

streamFuzz(t, {
  name: 'powermetrics',
  make: () => createPowermetricsParser(),
  fixtures,
  tokens: [
    '<?xml version="1.0" encoding="UTF-8"?>', '<plist version="1.0">', '</plist>', '\u0000', '<dict>', '</dict>',
    '<array>', '</array>', '<key>elapsed_ns</key>', '<integer>1000</integer>', '<real>1.5</real>', '<key>processor</key>',
    '<key>clusters</key>', '<key>name</key>', '<string>P0-Cluster</string>', '<key>cpu_energy</key>', '<true/>',
    '<key>gpu</key>', '<key>freq_hz</key>', '<date>2024-04-12T22:42:39Z</date>', '<key>cpus</key>',
  ],
  seed: 0x40,
});
