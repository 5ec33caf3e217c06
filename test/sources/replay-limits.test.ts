/**
 * A replay file larger than the limit (a hostile or corrupt capture folder) makes its source
 * unavailable with the reason, before any byte is read; the other sources of the folder still
 * replay (issue 12: no input grows memory without bound).
 */
import t from 'tap';
import { cpSync, mkdtempSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../src/config.ts';
import { memoryLogger } from '../../src/log.ts';
import { createSources } from '../../src/registry.ts';
import { MAX_REPLAY_FILE_BYTES, readManifest, readReplayFile } from '../../src/sources/replay.ts';
import { takeSnapshot } from '../../src/sources/snapshot.ts';

const M2_ULTRA = new URL('../../fixtures/replay/m2-ultra', import.meta.url).pathname;

t.test('a replay file over the limit: its source is unavailable, the others replay', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-replay-limit-'));
  cpSync(M2_ULTRA, dir, { recursive: true });
  // sparse: 1 byte over the limit without writing 32 MiB
  truncateSync(join(dir, 'vm_stat.txt'), MAX_REPLAY_FILE_BYTES + 1);
  truncateSync(join(dir, 'powermetrics.plist'), MAX_REPLAY_FILE_BYTES + 1);
  await t.rejects(readReplayFile(join(dir, 'vm_stat.txt')), /33554433 bytes, more than the 33554432-byte limit/);
  await t.rejects(readReplayFile(dir), /not a regular file/);
  const sources = await createSources({
    sources: defaultConfig().sources,
    replay: { dir, manifest: readManifest(dir), speed: 50, loop: false },
    logger: memoryLogger('warn'),
  });
  const snap = await takeSnapshot(sources, { timeoutMs: 120_000 });
  for (const s of sources) await s.stop();
  t.match(snap.status.vm_stat?.reason, /more than the 33554432-byte limit for a replay file/);
  t.match(snap.status.powermetrics?.reason, /more than the 33554432-byte limit for a replay file/);
  t.ok(snap.latest.sysctl && snap.latest.iostat, 'sysctl and iostat still replay from the same folder');
});
