/**
 * The request fuzzer (issue 12, "Must show"): more than 10,000 raw HTTP requests over TCP against the
 * real compiled agent (`npm run build` output) replaying fixtures/replay/m2-ultra. Scrapes, HEAD,
 * HTTP/1.0, absolute-form, Upgrade, every method, bad targets, bodies, huge and many headers,
 * pipelining, seeded garbage and mutations of good requests, partial requests, and 20 slow senders
 * at the same time.
 *
 * The agent must stay up; every well-formed request gets its exact answer; every 200 to a GET
 * carries a value read from the replayed capture (fixtures/replay/m2-ultra/sysctl.txt:
 * `hw.memsize: 137438953472`); nothing is ever answered with a 5xx; each kind of bad request is
 * logged once; the agent's RSS stays under the 128 MiB budget throughout.
 *
 * The four targets that each killed the agent before (`new URL` threw outside any handler) are
 * named regression cases, sent first and again last.
 */
import t from 'tap';
import { freePort } from '../helpers/prometheus.ts';
import { waitFor } from '../helpers/wait.ts';
import { rssOf, startAgent } from '../robustness/agent-process.ts';
import { compiledCli } from './compiled-cli.ts';
import { exchange, prng, type RawExchange } from './raw-http.ts';

const MEMSIZE = /^system_memory_limit_bytes\{[^}]*\} 137438953472$/m;
const MiB = 1048576;

interface Case {
  kind: string;
  chunks: Array<string | Buffer>;
  /** Method of each request, in order (HEAD answers have no body). */
  methods: string[];
  /** Exact status of each answer; undefined: anything but a 5xx (or no answer). */
  expect?: number[];
  /** At most this many answers (pipelining over the limit). */
  atMost?: number;
}

export const REGRESSION: Array<[string, number]> = [
  ['//x:99999/metrics', 404],
  ['//[', 400],
  ['http://[/', 400],
  ['//a@b:c/', 404],
];

const get = (target: string, extra = '', version = '1.1', method = 'GET'): string =>
  `${method} ${target} HTTP/${version}\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

// Methods llhttp knows (RFC 9110, WebDAV and friends): on /metrics, all but GET and HEAD are 405.
const OTHER_METHODS = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'COPY', 'LOCK', 'MKCOL', 'MOVE', 'PROPFIND', 'PROPPATCH', 'SEARCH', 'UNLOCK', 'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PURGE', 'MKCALENDAR', 'LINK', 'UNLINK'];
const BAD_TARGETS = ['/[', '/]', '/a"b', '/<x>', '/a{b}', '/%', '/%4', '/%zz/metrics', '/metrics#frag', '/a\\b', '/a|b', '/^', '/`', 'metrics', 'ftp://h/metrics', 'http://a b/', 'http://[::1/metrics', 'http://h:123456/metrics', 'http://h:99999/metrics', 'http://@/', 'http://a@b@c/', '//[::1', '/metrics?a[]=1'];
const OTHER_PATHS = ['/', '/metric', '/metrics/', '/Metrics', '/metrics/x', '//metrics', '/./metrics', '/x/../metrics', '/%6detrics', '*', '/metrics;a', "/a!$&'()*+,;=:@b", '/~user/', '/.well-known/x'];

function cases(port: number): Case[] {
  const rnd = prng(12);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const out: Case[] = [];
  const scrape = get('/metrics');
  const templates: Array<() => Case> = [
    () => ({ kind: 'scrape', chunks: [scrape], methods: ['GET'], expect: [200] }),
    () => ({ kind: 'scrape query', chunks: [get('/metrics?name[]=x'.replace('[]', '%5B%5D'))], methods: ['GET'], expect: [200] }),
    () => ({ kind: 'head', chunks: [get('/metrics', '', '1.1', 'HEAD')], methods: ['HEAD'], expect: [200] }),
    () => ({ kind: 'http/1.0', chunks: [`GET /metrics HTTP/1.0\r\n\r\n`], methods: ['GET'], expect: [200] }),
    () => ({ kind: 'absolute-form', chunks: [get(pick([`http://127.0.0.1:${port}/metrics`, 'HTTP://Example.ORG/metrics?x=1', 'https://u:p@[::1]:1/metrics', 'http://h/metrics']))], methods: ['GET'], expect: [200] }),
    () => ({ kind: 'upgrade', chunks: [get('/metrics', `Connection: Upgrade\r\nUpgrade: ${pick(['websocket', 'h2c', 'TLS/1.2'])}\r\n`)], methods: ['GET'], expect: [200] }),
    () => ({ kind: 'method', chunks: [get('/metrics', '', '1.1', pick(OTHER_METHODS))], methods: ['X'], expect: [405] }),
    () => ({ kind: 'connect', chunks: [`CONNECT ${pick(['127.0.0.1:9464', '/metrics', 'a:1'])} HTTP/1.1\r\n\r\n`], methods: ['CONNECT'], expect: [405] }),
    () => ({ kind: 'unknown method', chunks: [get('/metrics', '', '1.1', pick(['BREW', 'get', 'G ET', 'GET\t', 'FOO', 'PRI']))], methods: ['X'], expect: [400] }),
    () => ({ kind: 'other path', chunks: [get(pick(OTHER_PATHS))], methods: ['GET'], expect: [404] }),
    () => ({ kind: 'bad target', chunks: [get(pick(BAD_TARGETS))], methods: ['GET'], expect: [400] }),
    () => ({ kind: 'body', chunks: [get('/metrics', 'Content-Length: 5\r\n') + 'hello'], methods: ['GET'], expect: [413] }),
    () => ({ kind: 'chunked body', chunks: [get('/metrics', 'Transfer-Encoding: chunked\r\n') + '5\r\nhello\r\n0\r\n\r\n'], methods: ['GET'], expect: [413] }),
    () => ({ kind: 'post body', chunks: [get('/metrics', 'Content-Length: 3\r\n', '1.1', 'POST') + 'abc'], methods: ['POST'], expect: [405] }),
    () => ({ kind: 'huge header', chunks: [get('/metrics', `X-Big: ${'a'.repeat(8200 + Math.floor(rnd() * 60000))}\r\n`)], methods: ['GET'], expect: [431] }),
    () => ({ kind: 'many headers', chunks: [get('/metrics', Array.from({ length: 64 + Math.ceil(rnd() * 200) }, (_, i) => `X-H${i}: v\r\n`).join(''))], methods: ['GET'], expect: [431] }),
    () => ({ kind: '64 headers', chunks: [get('/metrics', Array.from({ length: 63 }, (_, i) => `X-H${i}: v\r\n`).join(''))], methods: ['GET'], expect: [200] }),
    () => {
      const n = 2 + Math.floor(rnd() * 15); // 2..16: all answered
      return { kind: 'pipelined', chunks: [scrape.repeat(n)], methods: Array(n).fill('GET'), expect: Array(n).fill(200) };
    },
    () => {
      const n = 17 + Math.floor(rnd() * 40);
      return { kind: 'pipelined over the limit', chunks: [scrape.repeat(n)], methods: Array(n).fill('GET'), atMost: 16 };
    },
    () => {
      const n = 1 + Math.floor(rnd() * 2000);
      return { kind: 'garbage', chunks: [Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)))], methods: ['X'] };
    },
    () => {
      const b = Buffer.from(pick([scrape, get('/metrics', 'Accept: text/plain\r\n'), get('/metrics', '', '1.1', 'HEAD')]));
      let bytes = [...b];
      for (let k = 1 + Math.floor(rnd() * 5); k > 0; k--) {
        const i = Math.floor(rnd() * bytes.length);
        const op = Math.floor(rnd() * 4);
        if (op === 0) bytes[i] = Math.floor(rnd() * 256);
        else if (op === 1) bytes.splice(i, 0, Math.floor(rnd() * 256));
        else if (op === 2) bytes.splice(i, 1);
        else bytes = [...bytes.slice(0, i), ...bytes.slice(i, i + 8), ...bytes.slice(i)];
      }
      return { kind: 'mutation', chunks: [Buffer.from(bytes)], methods: ['X'] };
    },
    () => ({ kind: 'partial', chunks: [scrape.slice(0, Math.floor(rnd() * (scrape.length - 1)))], methods: ['X'] }),
  ];
  for (let i = 0; i < 6200; i++) out.push(templates[i % templates.length]!());
  return out;
}

function check(c: Case, r: RawExchange): string | undefined {
  for (const res of r.responses) {
    if (res.status >= 500) return `${c.kind}: answered ${res.status}`;
    if (res.status === 200 && c.methods[r.responses.indexOf(res)] === 'GET' && !MEMSIZE.test(res.body))
      return `${c.kind}: a 200 without hw.memsize from the capture`;
    if (res.status === 200 && c.methods[r.responses.indexOf(res)] === 'HEAD' && res.body !== '') return `${c.kind}: HEAD with a body`;
  }
  if (c.atMost !== undefined && r.responses.length > c.atMost) return `${c.kind}: ${r.responses.length} answers (at most ${c.atMost})`;
  if (c.expect !== undefined) {
    const got = r.responses.map((x) => x.status);
    if (JSON.stringify(got) !== JSON.stringify(c.expect)) return `${c.kind}: got ${JSON.stringify(got)}, expected ${JSON.stringify(c.expect)} (${r.error ?? ''})`;
  }
  return undefined;
}

t.test('10,000+ hostile and well-formed requests: the agent stays up and answers each correctly', async (t) => {
  const cli = await compiledCli(t);
  const port = await freePort();
  const agent = startAgent({ exporters: { otlp: { enabled: false }, prometheus: { port } } }, [], { cli });
  t.teardown(() => void agent.child.kill('SIGKILL'));
  await agent.waitLog((l) => l.msg === 'Prometheus endpoint listening');
  await waitFor(async () => MEMSIZE.test((await exchange(port, [get('/metrics')])).responses[0]?.body ?? ''), { what: 'the first scrape with sysctl values' });
  const pid = agent.child.pid!;
  let peakRss = 0;
  const sampler = setInterval(() => void rssOf(pid).then((b) => (peakRss = Math.max(peakRss, b ?? 0))), 500);
  t.teardown(() => clearInterval(sampler));

  const regression = (): Case[] => REGRESSION.map(([target, status]) => ({ kind: `regression ${target}`, chunks: [get(target)], methods: ['GET'], expect: [status] }));
  const all = [...regression(), ...cases(port), ...regression()];
  const requests = all.reduce((n, c) => n + c.methods.length, 0);
  t.ok(requests >= 10_000, `${requests} requests in ${all.length} connections`);

  // 20 slow senders at the same time: one header line a second, never finishing. The header timeout
  // (5 s) answers 408 and closes each.
  const slow = Array.from({ length: 20 }, () =>
    exchange(port, ['GET /metrics HTTP/1.1\r\n', ...Array.from({ length: 90 }, (_, i) => `X-Slow-${i}: a\r\n`)], { gapMs: 1000 }),
  );

  const failures: string[] = [];
  const kinds = new Map<string, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < all.length) {
      const c = all[next++]!;
      const r = await exchange(port, c.chunks, { methods: c.methods });
      kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
      const f = check(c, r);
      if (f !== undefined && failures.length < 20) failures.push(f);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const slowResults = await Promise.all(slow);
  clearInterval(sampler);

  t.same(failures, [], 'every answer as expected, never a 5xx');
  t.ok(kinds.size >= 20, `case kinds: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  t.same(slowResults.map((r) => r.responses[0]?.status ?? r.error), Array(20).fill(408), 'each slow sender was answered 408 and closed by the header timeout');
  t.equal(agent.child.exitCode, null, 'the agent is still running');
  t.equal(agent.child.signalCode, null);
  const after = await exchange(port, [get('/metrics')]);
  t.match(after.responses[0]?.body, MEMSIZE, 'and still serves the capture afterwards');
  t.ok(peakRss > 0 && peakRss < 128 * MiB, `peak RSS ${(peakRss / MiB).toFixed(1)} MiB < 128 MiB`);

  const perKind = new Map<string, number>();
  for (const l of agent.lines) if (typeof l.kind === 'string' && l.kind.startsWith('prometheus:')) perKind.set(l.kind, (perKind.get(l.kind) ?? 0) + 1);
  t.ok(perKind.size >= 4, `logged kinds: ${[...perKind.keys()].join(', ')}`);
  t.same([...perKind].filter(([, n]) => n > 1), [], 'each kind of bad request logged once');
  t.notOk(
    agent.lines.some((l) => l.level === 'error' || l.msg === 'request handling failed'),
    'no error line: nothing reached the 500 boundary',
  );
});
