/**
 * host in a replay folder: `host.jsonl` played one reading per interval through the registry, with the
 * source's configuration (`perCpu`) reaching the replay parser.
 */
import t, { type Test } from 'tap';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../../src/config.ts';
import { memoryLogger } from '../../../src/log.ts';
import type { HostSample } from '../../../src/modules/host/sample.ts';
import { createSources } from '../../../src/registry.ts';
import type { ParseError } from '../../../src/samples.ts';
import { waitFor } from '../../helpers/wait.ts';

const M3 = 'fixtures/synthetic/host/m3-ultra-32cpu-darwin-two-readings.jsonl';

async function play(t: Test, perCpu: boolean): Promise<Array<HostSample | ParseError>> {
  const dir = t.testdir({});
  copyFileSync(M3, join(dir, 'host.jsonl'));
  const sources = { ...defaultConfig().sources, host: { enabled: true, intervalMs: 1000, perCpu } };
  const [src, ...others] = createSources({
    sources,
    replay: { dir, manifest: { format: 'silicon-agent-replay/1', composite: true, sources: {} }, speed: 20 },
    logger: memoryLogger(),
  });
  t.same(others, [], 'only host has a file in this folder');
  t.equal(src!.name, 'host');
  const got: Array<HostSample | ParseError> = [];
  src!.start({ result: (r) => got.push(r as HostSample | ParseError), status: () => {} });
  await waitFor(() => got.length >= 2, { what: 'both readings' });
  await src!.stop();
  return got;
}

t.test('replay plays one reading per interval; summed by default', async (t) => {
  const got = await play(t, false);
  t.same(got.map((r) => r.type), ['host', 'host']);
  const [a, b] = got as HostSample[];
  t.same(a!.cpuTimes, [{ userS: 35696, niceS: 0, systemS: 12248, idleS: 2704056 }]);
  t.equal(b!.uptimeS, 86403);
});

t.test('sources.host.perCpu reaches the replay parser', async (t) => {
  const [a] = (await play(t, true)) as HostSample[];
  t.equal(a!.cpuTimes.length, 32);
  t.same(a!.cpuTimes[31], { cpu: 31, userS: 831, niceS: 0, systemS: 315.5, idleS: 84853.5 });
});
