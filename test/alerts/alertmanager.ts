/**
 * Test helpers for Debian's real Alertmanager (package `prometheus-alertmanager`, 0.25, which also
 * ships amtool) and a webhook receiver, on loopback with free ports and a scratch directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { freePort, requireTool, waitFor } from '../helpers/prometheus.ts';

export interface RunningAlertmanager {
  url: string;
  /** host:port, for Prometheus' alertmanagers target. */
  address: string;
  stop(): Promise<void>;
}

/** Start `prometheus-alertmanager` with the given configuration text; clustering off; wait until ready. */
export async function startAlertmanager(config: string): Promise<RunningAlertmanager> {
  const bin = requireTool('prometheus-alertmanager', 'prometheus-alertmanager');
  const dir = mkdtempSync(join(tmpdir(), 'silicon-agent-alertmanager-'));
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const child: ResultPromise = execa(
    bin,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { reject: false, stdin: 'ignore', all: true, buffer: true },
  );
  let exited = false;
  void child.finally(() => (exited = true));
  const stop = async () => {
    child.kill('SIGTERM');
    await child;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('Alertmanager to be ready', async () => {
      if (exited) throw new Error(`alertmanager exited: ${String((await child).all)}`);
      const r = await fetch(`http://${address}/-/ready`);
      return r.ok ? true : undefined;
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `http://${address}`, address, stop };
}

/** One webhook notification as Alertmanager posts it (the fields the test reads). */
export interface WebhookMessage {
  path: string;
  receiver: string;
  status: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

export interface WebhookReceiver {
  url: string;
  messages: WebhookMessage[];
  stop(): Promise<void>;
}

/** An HTTP server on a free loopback port that records every JSON body posted to it, with its path. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const messages: WebhookMessage[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        messages.push({ path: req.url ?? '', ...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<WebhookMessage, 'path'>) });
      } catch {
        // not JSON: not a notification
      }
      res.writeHead(200).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
