import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../../../src/config.ts';
import { createLogger, memoryLogger } from '../../../src/log.ts';
import type { IfmibFacts } from '../../../src/modules/network/facts.ts';
import { compareReaders, network, NetworkConfig } from '../../../src/modules/network/index.ts';
import { parseNetwork } from '../../../src/modules/network/parser.ts';
import type { NetworkSample } from '../../../src/modules/network/sample.ts';
import { chooseReader, createNetworkSource } from '../../../src/modules/network/source.ts';
import type { DoctorContext } from '../../../src/modules/module.ts';
import { createSources } from '../../../src/registry.ts';
import type { ParseError, BaseSample as Sample } from '../../../src/samples.ts';
import type { NativeAddon, NativeLoader } from '../../../src/sources/native.ts';
import type { SourceStatus } from '../../../src/sources/source.ts';
import { waitFor } from '../../helpers/wait.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TOOLS = `${ROOT}test/fakes/tools`;
const REAL = `${ROOT}fixtures/netstat/applesilicon-inferred-anpi-shovans-mac-netstat-ib.fixture.txt`;
const SYN_TABLE = `${ROOT}fixtures/synthetic/netstat/mac-studio-like-netstat-ibdn.txt`;
const SYN_FACTS = `${ROOT}fixtures/synthetic/netstat/mac-studio-like-ifmib-facts.json`;
const FACTS = JSON.parse(readFileSync(SYN_FACTS, 'utf8')) as IfmibFacts;
const quiet = () => createLogger({ write: () => {} });

function collect() {
  const results: Array<Sample | ParseError> = [];
  const statuses: SourceStatus[] = [];
  return { results, statuses, sink: { result: (r: Sample | ParseError) => results.push(r), status: (s: SourceStatus) => statuses.push(s) } };
}
const base = (): NativeAddon => ({ decode: () => null, hasIOKit: true, keyDataLayout: {} });
const withFacts = (facts: IfmibFacts = FACTS): NativeLoader => () => ({ addon: { ...base(), readNetworkInterfaces: () => ({ ok: true, interfaces: facts.interfaces }) } });
const noAddon: NativeLoader = () => ({ error: 'native addon not available: No native build was found' });
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${TOOLS}:${process.env.PATH}`,
  SILICON_AGENT_BIN_FROM_PATH: '1',
  ...extra,
});
const sel = network.config.parse({}) as NetworkConfig;
const selection = { include: sel.include, exclude: sel.exclude, maxInterfaces: sel.maxInterfaces, activeOnly: sel.activeOnly };

t.test('configuration defaults and limits', async (t) => {
  t.same(sel, {
    enabled: true,
    intervalMs: 10_000,
    reader: 'auto',
    include: ['en*', 'bridge*', 'vmenet*'],
    exclude: ['lo*', 'gif*', 'stf*', 'anpi*', 'ap*', 'awdl*', 'llw*', 'utun*', 'ipsec*', 'ppp*', 'pktap*', 'iptap*'],
    maxInterfaces: 6,
    activeOnly: true,
  });
  t.notOk(NetworkConfig.safeParse({ maxInterfaces: 17 }).success, 'at most 16');
  t.notOk(NetworkConfig.safeParse({ include: ['en0; rm'] }).success, 'patterns are names and *');
  t.notOk(NetworkConfig.safeParse({ reader: 'iflist2' }).success);
  t.equal(defaultConfig().sources.network.maxInterfaces, 6, 'in the agent configuration');
});

t.test('reader choice: the addon where it is built, else netstat', async (t) => {
  t.equal(chooseReader('auto', withFacts()), 'addon');
  t.equal(chooseReader('auto', noAddon), 'netstat');
  t.equal(chooseReader('auto', () => ({ addon: base() })), 'netstat', 'an addon without the network reader (Linux build)');
  t.equal(chooseReader('netstat', withFacts()), 'netstat');
});

t.test('live, netstat: a fake netstat printing the real Apple Silicon capture', async (t) => {
  const dir = t.testdir({});
  const log = `${dir}/calls.log`;
  const e = env({ FAKE_NETSTAT_FILE: REAL, FAKE_LOG: log });
  const c = collect();
  const src = createNetworkSource({ intervalMs: 1000, reader: 'auto', selection, env: e, native: noAddon, logger: quiet(), command: 'netstat' });
  src.start(c.sink);
  await waitFor(() => c.results.length >= 1, { what: 'one netstat reading' });
  await src.stop();
  const s = c.results[0] as NetworkSample;
  t.equal(s.type, 'network');
  t.equal(s.reader, 'netstat');
  t.same(s.interfaces.map((i) => [i.name, i.rxBytes, i.txBytes]), [['en1', 51846588555, 12542712983]]);
  t.match(readFileSync(log, 'utf8'), /start \d+ \d+ netstat -i -b -d -n\n/, 'netstat -i -b -d -n, argument array');
});

t.test('live, addon: its facts through the same interpretation; 8 values per interface', async (t) => {
  const c = collect();
  const src = createNetworkSource({ intervalMs: 200, reader: 'auto', selection, native: withFacts(), logger: quiet() });
  src.start(c.sink);
  await waitFor(() => c.results.length >= 1, { what: 'one addon reading' });
  await src.stop();
  const s = c.results[0] as NetworkSample;
  t.equal(s.reader, 'ifmib');
  t.same(s.interfaces.map((i) => i.name), ['en0', 'en1', 'en2', 'en3', 'bridge0', 'bridge100', 'vmenet0']);
  const en0 = s.interfaces[0]!;
  t.same([en0.rxBytes, en0.rxDropped, en0.txDropped], [11723998871040, 12, 4294967289]);
});

t.test('live, addon forced but not built: unavailable with one reason', async (t) => {
  const c = collect();
  const src = createNetworkSource({ intervalMs: 200, reader: 'addon', selection, native: noAddon, logger: quiet(), unavailableRetryMs: 60_000 });
  src.start(c.sink);
  await waitFor(() => c.statuses.some((s) => s.state === 'unavailable'), { what: 'unavailable' });
  await src.stop();
  t.match(c.statuses.find((s) => s.state === 'unavailable')?.reason, /network addon reader unavailable.*reader: "netstat"/);
});

t.test('dump: netstat output unchanged, or the addon facts as JSON that parse back the same', async (t) => {
  if (network.dump.kind !== 'inprocess') throw new Error('inprocess dump expected');
  const viaNetstat = await network.dump.capture({ config: sel, env: env({ FAKE_NETSTAT_FILE: REAL }), root: false, native: noAddon });
  t.same(viaNetstat, { text: readFileSync(REAL, 'utf8') });
  const viaAddon = await network.dump.capture({ config: sel, env: env(), root: false, native: withFacts() });
  if (!('text' in viaAddon)) throw new Error(viaAddon.error);
  const back = parseNetwork(viaAddon.text);
  const direct = parseNetwork(readFileSync(SYN_FACTS, 'utf8'));
  t.same(back, direct, 'a dump of the facts reads as the facts');
  const failed = await network.dump.capture({ config: { ...sel, reader: 'addon' }, env: env(), root: false, native: noAddon });
  t.match(failed, { error: /network addon reader unavailable/ });
});

t.test('replay through the registry uses the configured selection', async (t) => {
  const dir = t.testdir({ 'network.txt': readFileSync(SYN_TABLE) });
  const cfg = defaultConfig();
  const [src] = createSources({
    sources: { network: { ...cfg.sources.network, intervalMs: 200, include: ['bridge*'], maxInterfaces: 1 } as typeof cfg.sources.network },
    replay: { dir, manifest: { format: 'silicon-agent-replay/1', composite: true, sources: {} } },
    logger: memoryLogger(),
  });
  const c = collect();
  src!.start(c.sink);
  await waitFor(() => c.results.length >= 1, { what: 'one replayed reading' });
  await src!.stop();
  const s = c.results[0] as NetworkSample;
  t.same(s.interfaces.map((i) => [i.name, i.rxBytes]), [['bridge0', 6913020978923], ['bridge100', 40937528651]]);
  t.equal(s.maxInterfaces, 1, 'the configured cap travels with the sample to the counters');
});

function doctorCtx(over: Partial<DoctorContext<NetworkConfig>>): DoctorContext<NetworkConfig> {
  return {
    config: sel,
    env: env(),
    uid: 501,
    native: withFacts(),
    run: async () => ({ exitCode: 0, stdout: readFileSync(SYN_TABLE, 'utf8'), stderr: '', notFound: false, timedOut: false }),
    ...over,
  };
}

t.test('doctor: netstat and the addon agree; a floored or 32-bit addon value warns', async (t) => {
  const ok = await network.doctor!(doctorCtx({}));
  t.same(ok.map((c) => [c.name, c.status]), [['network netstat', 'pass'], ['network addon', 'pass']]);
  t.match(ok[0]!.detail, /19 interfaces, selected: en0, en1, en2, en3, bridge0, bridge100/);
  // What NET_RT_IFLIST2 gives a non-Apple binary: bytes floored to 1 KiB and cut to 32 bits.
  const cut: IfmibFacts = {
    reader: 'ifmib',
    interfaces: FACTS.interfaces.map((f) => ({ ...f, ibytes: String((Math.floor(Number(f.ibytes) / 1024) * 1024) % 2 ** 32) })),
  };
  const warn = await network.doctor!(doctorCtx({ native: withFacts(cut) }));
  t.equal(warn[1]!.status, 'warn');
  t.match(warn[1]!.detail, /en0 rxBytes: addon \d+, netstat 11723998871040.*reader: "netstat"/);
  const none = await network.doctor!(doctorCtx({ native: noAddon }));
  t.same(none.map((c) => c.status), ['pass', 'warn']);
  const broken = await network.doctor!(doctorCtx({ run: async () => ({ exitCode: 1, stdout: '', stderr: 'x', notFound: true, timedOut: false }) }));
  t.equal(broken[0]!.status, 'fail');
  t.same(compareReaders([], []), []);
});
