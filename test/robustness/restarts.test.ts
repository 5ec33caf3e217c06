/**
 * Restart counting: a crash-looping powermetrics (the fake tool in `die` mode: it prints one stderr
 * line and exits 3 at once, every time) restarts again and again with the same reason. The exported
 * `silicon_agent_source_restarts_total{silicon_agent_source="powermetrics"}` must equal the number
 * of restarts the child runner itself reports (`restarts`), not the number of status changes (one).
 */
import { join } from 'node:path';
import t from 'tap';
import { createAgent } from '../../src/agent.ts';
import { ConfigSchema } from '../../src/config.ts';
import { memoryLogger } from '../../src/log.ts';
import { BIN_FROM_PATH_ENV } from '../../src/sources/binaries.ts';
import type { ChildSource } from '../../src/sources/child.ts';
import { createSources } from '../../src/registry.ts';
import { withEnv } from '../helpers/env.ts';
import { freePort } from '../helpers/prometheus.ts';
import { waitFor } from '../helpers/wait.ts';

const FAKES = new URL('../fakes/tools', import.meta.url).pathname;

t.test('a crash loop: restarts_total equals the restarts the child runner reports', async (t) => {
  withEnv(t, { PATH: `${FAKES}:${process.env.PATH}`, [BIN_FROM_PATH_ENV]: '1', FAKE_POWERMETRICS_MODE: 'die' });

  const port = await freePort();
  const config = ConfigSchema.parse({
    sources: { iostat: { enabled: false }, vm_stat: { enabled: false }, sysctl: { enabled: false }, smc: { enabled: false } },
    exporters: { otlp: { enabled: false }, prometheus: { host: '127.0.0.1', port } },
  });
  const log = memoryLogger('debug');
  const agent = createAgent(config, {
    log,
    sources: (c, hooks) =>
      createSources({
        sources: c.sources,
        logger: log,
        onRestart: hooks.onRestart,
        // Restart quickly: many restarts in a short test.
        timing: { baseMs: 10, capMs: 20, minDelayMs: 5 },
      }),
  });
  t.teardown(() => agent.stop());
  await agent.start();

  const pm = agent.sources.find((s) => s.name === 'powermetrics') as ChildSource;
  t.ok(pm, 'powermetrics runs');
  await waitFor(() => pm.restarts >= 5, { what: 'five restarts' });
  // Stop the runner so the count is final, then scrape (the exporters are still up).
  await pm.stop();
  const restarts = pm.restarts;
  t.ok(restarts >= 5, `the fake crashed and was restarted ${restarts} times`);

  const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = /^silicon_agent_source_restarts_total\{[^}]*silicon_agent_source="powermetrics"[^}]*\} (\d+)$/m.exec(body);
  t.ok(m, 'the restarts counter is exported');
  t.equal(Number(m?.[1]), restarts, 'one count per restart, although the status changed into restarting only once');
  t.equal(agent.health.sources.get('powermetrics')?.restarts, restarts);
  t.match(body, /^silicon_agent_source_up\{[^}]*silicon_agent_source="powermetrics"[^}]*\} 0$/m, 'and the source reads as down');
});
