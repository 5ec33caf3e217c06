/**
 * The connection cap under `ulimit -n 256` (issue 12, "Must show"), what a LaunchDaemon probably gets
 * on macOS. Before the cap, about 230 idle sockets made /metrics refuse every other client and
 * nothing was logged.
 *
 * The real compiled agent runs under `sh -c 'ulimit -n 256; exec node …'`. 64 clients (the default
 * cap) each scrape once and then hold their keep-alive connection open; while they hold, a new scrape
 * is refused at once (closed on arrival, no answer), and so are 300 more connections; the agent never
 * runs out of descriptors; /metrics counts every refusal; one warning and one summary line are
 * logged; once the 64 let go, scrapes are answered again.
 */
import { readdirSync } from 'node:fs';
import net from 'node:net';
import t from 'tap';
import { freePort } from '../helpers/prometheus.ts';
import { waitFor } from '../helpers/wait.ts';
import { startAgent } from '../robustness/agent-process.ts';
import { compiledCli } from './compiled-cli.ts';
import { exchange, splitResponses } from './raw-http.ts';

const MEMSIZE = /^system_memory_limit_bytes\{[^}]*\} 137438953472$/m;
const SCRAPE = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

/** A client that scrapes once and keeps its keep-alive connection open. */
function holder(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(SCRAPE));
    let got = Buffer.alloc(0);
    s.on('error', reject);
    s.on('close', () => reject(new Error('holder closed before its answer')));
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const r = splitResponses(got).responses[0];
      if (r !== undefined && MEMSIZE.test(r.body)) {
        s.removeAllListeners('close');
        resolve(s);
      }
    });
  });
}

const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

t.test('at the cap with 64 idle connections held, under ulimit -n 256', async (t) => {
  const cli = await compiledCli(t);
  const port = await freePort();
  const agent = startAgent({ exporters: { otlp: { enabled: false }, prometheus: { port } } }, [], { cli, shellPrefix: 'ulimit -n 256' });
  t.teardown(() => void agent.child.kill('SIGKILL'));
  await agent.waitLog((l) => l.msg === 'Prometheus endpoint listening');
  const pid = agent.child.pid!;
  t.match(
    (await import('node:fs')).readFileSync(`/proc/${pid}/limits`, 'utf8'),
    /Max open files\s+256\s/,
    'the agent runs with 256 descriptors',
  );
  await waitFor(async () => MEMSIZE.test((await exchange(port, [SCRAPE])).responses[0]?.body ?? ''), { what: 'a first scrape with the capture' });

  const held: net.Socket[] = [];
  for (let i = 0; i < 64; i++) held.push(await holder(port));
  t.equal(held.length, 64, '64 connections scraped once and are held open');

  const refusedNow = await exchange(port, [SCRAPE]);
  t.same(refusedNow.responses, [], 'a new scrape while they hold: closed on arrival, no answer (refused fast, never left waiting)');

  let peakFds = 0;
  const more = await Promise.all(
    Array.from({ length: 300 }, async () => {
      const r = await exchange(port, [SCRAPE]);
      peakFds = Math.max(peakFds, fdCount(pid));
      return r.responses.length;
    }),
  );
  t.equal(more.filter((n) => n === 0).length, 300, '300 more connections: every one refused');
  t.ok(peakFds > 64 && peakFds < 200, `descriptors bounded: peak ${peakFds} of 256`);
  t.notOk(agent.lines.some((l) => JSON.stringify(l).includes('EMFILE')), 'never out of descriptors (no EMFILE)');
  t.equal(agent.child.exitCode, null, 'the agent is running');

  const warnings = agent.lines.filter((l) => l.msg === 'Prometheus endpoint at its connection cap: refusing new connections');
  t.equal(warnings.length, 1, 'one warning for the burst');
  t.equal(warnings[0]?.maxConnections, 64);

  for (const s of held) s.destroy();
  // The agent may see some closes a moment late: a scrape refused meanwhile is counted here too.
  let refusedWhileReleasing = 0;
  await waitFor(
    async () => {
      const r = await exchange(port, [SCRAPE]);
      if (r.responses.length === 0) refusedWhileReleasing++;
      return MEMSIZE.test(r.responses[0]?.body ?? '');
    },
    { what: 'a scrape answered after release' },
  );
  t.pass(`scrapes are answered again once the holders let go (${refusedWhileReleasing} refused meanwhile)`);
  const expected = 301 + refusedWhileReleasing;

  // A rendering up to 250 ms old may be served again (shared rendering): poll until a fresh one is.
  const counted = async (): Promise<number> => {
    const body = (await exchange(port, [SCRAPE])).responses[0]?.body ?? '';
    return Number(/^silicon_agent_http_connections_refused_total\{[^}]*\} (\d+)$/m.exec(body)?.[1]);
  };
  await waitFor(async () => (await counted()) >= expected, { what: 'the refusals on /metrics' });
  t.equal(await counted(), expected, '/metrics counts each refused connection (1 + 300, and any while releasing)');

  const summary = await agent.waitLog((l) => l.msg === 'Prometheus endpoint accepting connections again');
  t.equal(summary.refused, expected, 'one summary line after 10 s without refusals, with the count');
  t.equal(agent.lines.filter((l) => l.msg === 'Prometheus endpoint at its connection cap: refusing new connections').length, 1, 'still one warning');
});
