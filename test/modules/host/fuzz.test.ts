import t from 'tap';
import { createHostParser } from '../../../src/modules/host/parser.ts';
import { loadFixtures } from '../../fuzz/harness.ts';
import { streamFuzz } from '../../fuzz/stream-fuzz.ts';

// No real os.cpus() capture from a Mac exists: the synthetic readings (fixtures/synthetic/README.md).
const fixtures = loadFixtures('fixtures/synthetic/host');

streamFuzz(t, {
  name: 'host',
  make: () => createHostParser(),
  fixtures,
  tokens: [
    '{"format":"silicon-agent-host/1",', '"platform":"darwin",', '"platform":"linux",', '"cpus":[', '{"user":1200000,"nice":0,"sys":400000,"idle":84400000,"irq":0}',
    ',', ']', '}', '"loadavg":[4.52,3.98,3.61],', '"uptimeS":86400', '1e309', '-1', 'null', '"__proto__":', '\n',
  ],
  seed: 0x40,
});

// The same campaigns with perCpu (the name is the module's: part 4 carries the samples through its store check).
streamFuzz(t, { name: 'host', make: () => createHostParser({ perCpu: true }), fixtures, tokens: ['{"format":"silicon-agent-host/1","platform":"linux","cpus":[{"user":1,"nice":0,"sys":0,"idle":0,"irq":2}],"loadavg":[0,0,0],"uptimeS":1}\n'], seed: 0x41, mutations: 2000, properties: 500, invariance: 100, throughStore: 500 });
