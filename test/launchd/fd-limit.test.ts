/**
 * The launchd job and file descriptors (issue 12; launchd/README.md "File descriptors and the
 * connection cap"). The job sets no `SoftResourceLimits`/`HardResourceLimits` `NumberOfFiles`: in a
 * system-wide daemon launchd.plist(5) says they also set `kern.maxfiles`/`kern.maxfilesperproc` for
 * the whole machine. Shown here:
 * - the rendered job, read back by libplist's plistutil, has neither dict;
 * - the default connection cap fits the 256 descriptors a LaunchDaemon probably gets (the measured
 *   peak is test/export/connection-cap.test.ts; here, the static margin);
 * - with a soft limit of 256 under a higher hard limit (launchd's defaults: 256 soft, unlimited hard),
 *   the agent runs with soft = hard anyway: Node raises its own RLIMIT_NOFILE soft limit to the hard
 *   one at start-up (its POSIX platform initialization; on macOS, as far as kern.maxfilesperproc
 *   allows). Shown on Linux; UNVERIFIED on macOS under launchd.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { ConfigSchema } from '../../src/config.ts';
import { renderPlist } from '../../src/launchd/job.ts';
import { parsePlist } from '../../src/parsers/plist.ts';
import type { PlistDict } from '../../src/parsers/plist-model.ts';
import { freePort } from '../helpers/prometheus.ts';
import { startAgent } from '../robustness/agent-process.ts';
import { plistutilRoundTrip } from './tools.ts';

t.test('the job sets no NumberOfFiles, soft or hard (system-wide sysctls in a daemon)', async (t) => {
  for (const privilege of ['user', 'root'] as const) {
    const r = parsePlist(plistutilRoundTrip(renderPlist({ node: '/n/node', entry: '/e/cli.js', privilege, user: '_siliconagent', group: '_siliconagent' })));
    if (!r.ok) throw new Error(r.message);
    const d = r.value as PlistDict;
    t.notOk('SoftResourceLimits' in d, `${privilege}: no SoftResourceLimits`);
    t.notOk('HardResourceLimits' in d, `${privilege}: no HardResourceLimits`);
  }
});

t.test('the default cap leaves most of 256 descriptors to the agent itself', async (t) => {
  const cap = ConfigSchema.parse({}).exporters.prometheus.maxConnections;
  t.equal(cap, 64);
  t.ok(cap <= 256 / 2, 'the cap takes at most half of a LaunchDaemon\'s probable soft limit');
});

t.test('a soft limit of 256 under a higher hard limit (launchd\'s defaults): Node raises its own soft limit to the hard one', async (t) => {
  const hardBefore = /Max open files\s+\d+\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
  t.not(hardBefore, '256', `this machine's hard limit (${hardBefore}) is above 256`);
  const agent = startAgent({ exporters: { otlp: { enabled: false }, prometheus: { port: await freePort() } } }, [], { shellPrefix: 'ulimit -S -n 256' });
  t.teardown(() => void agent.child.kill('SIGKILL'));
  await agent.waitLog((l) => l.msg === 'Prometheus endpoint listening');
  const m = /Max open files\s+(\d+)\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${agent.child.pid}/limits`, 'utf8'));
  t.equal(m?.[1], hardBefore, 'the agent (exec: the same pid) runs with soft = hard: Node raised it at start-up');
  t.equal(m?.[2], hardBefore, 'hard limit unchanged');
});
