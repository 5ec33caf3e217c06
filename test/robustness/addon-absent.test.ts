/**
 * Issue 4: "With the addon deliberately absent, the agent still runs and exports everything else,
 * with one clear log line." The whole agent: the SMC source LIVE (no replay file) with
 * SILICON_AGENT_NO_NATIVE=1, the other four sources replaying the M2 Ultra folder; /metrics is
 * scraped several times (and once more after a reload, as SIGHUP would do).
 */
import t from 'tap';
import { createAgent } from '../../src/agent.ts';
import { replayFacts } from '../../src/commands/run.ts';
import { ConfigSchema } from '../../src/config.ts';
import { buildResource } from '../../src/export/resource.ts';
import { memoryLogger } from '../../src/log.ts';
import { createSources } from '../../src/registry.ts';
import { createSmcSource } from '../../src/modules/smc/source.ts';
import { readManifest } from '../../src/sources/replay.ts';
import { freePort } from '../helpers/prometheus.ts';
import { M2_ULTRA } from './agent-process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('SMC addon absent: everything else is exported, smc is down, one log line', async (t) => {
  const saved = process.env.SILICON_AGENT_NO_NATIVE;
  process.env.SILICON_AGENT_NO_NATIVE = '1';
  t.teardown(() => {
    if (saved === undefined) delete process.env.SILICON_AGENT_NO_NATIVE;
    else process.env.SILICON_AGENT_NO_NATIVE = saved;
  });

  const port = await freePort();
  const config = ConfigSchema.parse({ exporters: { otlp: { enabled: false }, prometheus: { host: '127.0.0.1', port } } });
  const { facts, platform } = replayFacts(M2_ULTRA);
  const log = memoryLogger('info'); // the production level
  let smcCreated = 0;
  const agent = createAgent(config, {
    log,
    resource: buildResource({ resource: config.resource, facts, ...(platform ? { platform } : {}), replayDir: M2_ULTRA }),
    sources: (c, hooks) => {
      smcCreated++;
      return [
        // The four tools from the capture folder...
        ...createSources({
          sources: { ...c.sources, smc: { ...c.sources.smc, enabled: false } },
          replay: { dir: M2_ULTRA, manifest: readManifest(M2_ULTRA), speed: 5, loop: true },
          logger: log,
          onRestart: hooks.onRestart,
        }),
        // ...and the SMC live, as on a Mac: no replay file, so it loads the addon (disabled here).
        createSmcSource({ intervalMs: c.sources.smc.intervalMs, logger: log }),
      ];
    },
  });
  t.teardown(() => agent.stop());
  await agent.start();
  t.same(agent.sources.map((s) => s.name).sort(), ['filesystems', 'iostat', 'network', 'powermetrics', 'smc', 'sysctl', 'vm_stat']);

  const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const bodies: string[] = [];
  for (let i = 0; i < 6; i++) {
    await sleep(400);
    bodies.push(await scrape());
  }
  await agent.reload(config);
  await sleep(800);
  bodies.push(await scrape());
  t.equal(smcCreated, 2, 'the reload built the SMC source again');

  const last = bodies.at(-1)!;
  const has = (name: string) => new RegExp(`^${name}[{ ]`, 'm').test(last);
  t.ok(has('hw_power_watts') && has('silicon_agent_cpu_cluster_frequency_hertz'), 'powermetrics metrics');
  t.ok(has('system_disk_io_bytes_total'), 'iostat metrics');
  t.ok(has('system_memory_usage_bytes') && has('silicon_agent_memory_pages_bytes'), 'vm_stat metrics');
  t.ok(has('system_memory_limit_bytes') && has('system_paging_usage_bytes'), 'sysctl metrics');
  for (const [i, body] of bodies.entries()) {
    t.notMatch(body, /^hw_temperature_celsius[{ ]/m, `scrape ${i + 1}: no temperatures`);
    t.notMatch(body, /^(hw_fan_speed_rpm|hw_host_power_watts)[{ ]/m, `scrape ${i + 1}: no fans, no SMC system power`);
    t.match(body, /^silicon_agent_source_up\{[^}]*silicon_agent_source="smc"[^}]*\} 0$/m, `scrape ${i + 1}: smc down`);
  }
  for (const s of ['powermetrics', 'iostat', 'vm_stat', 'sysctl'])
    t.match(last, new RegExp(`^silicon_agent_source_up\\{[^}]*silicon_agent_source="${s}"[^}]*\\} 1$`, 'm'), `${s} up`);

  const smcLines = log.lines.filter((l) => /smc/i.test(String(l.msg)) || l.source === 'smc');
  t.equal(smcLines.length, 1, `one log line about the SMC: ${JSON.stringify(smcLines.map((l) => l.msg))}`);
  t.equal(smcLines[0]?.level, 'warn');
  t.equal(smcLines[0]?.msg, 'source unavailable');
  t.match(String(smcLines[0]?.reason), /^SMC addon unavailable \(no temperatures, fans or system power\): disabled by SILICON_AGENT_NO_NATIVE=1/);
  t.equal(log.lines.filter((l) => l.level === 'error').length, 0, 'and no error');
});
