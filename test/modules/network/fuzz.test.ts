import t from 'tap';
import { createNetworkParser } from '../../../src/modules/network/parser.ts';
import { loadFixtures } from '../../fuzz/harness.ts';
import { streamFuzz } from '../../fuzz/stream-fuzz.ts';

streamFuzz(t, {
  name: 'network',
  make: () => createNetworkParser(),
  fixtures: [...loadFixtures('fixtures/netstat'), ...loadFixtures('fixtures/synthetic/netstat')],
  tokens: [
    'Name       Mtu   Network       Address            Ipkts Ierrs     Ibytes    Opkts Oerrs     Obytes  Coll Drop',
    'en0', 'bridge0*', '<Link#4>', '<Link#99999999>', '1500', '-', '-7', '-2147483649', '18446744073709551615', '9007199254740993',
    '{"reader":"ifmib","interfaces":[', '{"name":"en0","flags":1,"sndDrops":4294967296,', '"ibytes":"12"', ']}', 'fe80:4::9a5a:ebff',
  ],
  seed: 0x4e,
});
