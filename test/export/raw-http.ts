/**
 * Test helper (not a test): raw HTTP/1.1 over TCP, for the request fuzzer and the limit tests. A
 * client writes bytes exactly as given (nothing is fixed up the way fetch or curl would), half-closes,
 * and reads until the server closes; the responses are then split by their content-length.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  responses: RawResponse[];
  /** Bytes after the last complete response (a cut answer), if any. */
  rest: string;
  error: string | undefined;
}

/** Split a response stream; `methods` tells which answers have no body (HEAD). */
export function splitResponses(data: Buffer, methods: string[] = []): { responses: RawResponse[]; rest: string } {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = data.subarray(at, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
    if (!m) break;
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    const method = methods[responses.length] ?? 'GET';
    const len = method === 'HEAD' ? 0 : headers['content-length'] !== undefined ? Number(headers['content-length']) : data.length - end - 4;
    if (end + 4 + len > data.length) break;
    responses.push({ status: Number(m[1]), headers, body: data.subarray(end + 4, end + 4 + len).toString('utf8') });
    at = end + 4 + len;
  }
  return { responses, rest: data.subarray(at).toString('latin1') };
}

export interface ExchangeOptions {
  /** Pause between chunks, ms. */
  gapMs?: number;
  /** Half-close after the last chunk (default true). */
  halfClose?: boolean;
  /** Give up (destroy) after this long, ms: only a bound for a hang, never an assertion. */
  ceilingMs?: number;
  methods?: string[];
}

/** Send `chunks` on a new connection and collect everything until the server closes. */
export function exchange(port: number, chunks: Array<string | Buffer>, o: ExchangeOptions = {}): Promise<RawExchange> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    let error: string | undefined;
    const socket = net.connect(port, '127.0.0.1');
    const ceiling = setTimeout(() => {
      error ??= 'ceiling';
      socket.destroy();
    }, o.ceilingMs ?? 90_000);
    socket.on('data', (d: Buffer) => got.push(d));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => {
      clearTimeout(ceiling);
      resolve({ ...splitResponses(Buffer.concat(got), o.methods), error });
    });
    socket.on('connect', async () => {
      for (let i = 0; i < chunks.length; i++) {
        if (socket.destroyed) return;
        socket.write(chunks[i]!);
        if (o.gapMs && i < chunks.length - 1) await new Promise((r) => setTimeout(r, o.gapMs));
      }
      if (o.halfClose !== false && !socket.destroyed) socket.end();
    });
  });
}

/** A small seeded PRNG (mulberry32): the same cases on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
