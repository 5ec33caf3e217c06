/**
 * The HTTP agent the official OTLP exporter sends through, ours so that the counting wrapper
 * (src/export/otlp.ts) can end an export's open requests at its deadline (a collector that trickles
 * a response forever never trips the exporter's idle timeout) and can see each response's status
 * (after 429/502/503/504 the exporter's final error carries none).
 *
 * Giving the exporter an agent factory replaces the one it builds from the environment, and with it
 * its reading of the TLS files (checked in @opentelemetry/otlp-exporter-base 0.301.0,
 * otlp-node-http-env-configuration: `OTEL_EXPORTER_OTLP_METRICS_*` first, then `OTEL_EXPORTER_OTLP_*`,
 * each path resolved against the working directory, an unreadable file warned about and ignored).
 * So we read the same variables the same way: CERTIFICATE (trusted roots), CLIENT_CERTIFICATE,
 * CLIENT_KEY; an unreadable file is logged once and left out.
 *
 * Requests are recognised by their agent through node:diagnostics_channel
 * (`http.client.request.created`), which sees every ClientRequest, http and https alike.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import type https from 'node:https';
import { resolve } from 'node:path';
import type { Logger } from '../log.ts';

/** The TLS files, as the exporter reads them: the metrics-specific variable first. */
const TLS_FILES = [
  ['ca', 'CERTIFICATE', 'trusted root certificate'],
  ['cert', 'CLIENT_CERTIFICATE', 'client certificate chain'],
  ['key', 'CLIENT_KEY', 'client private key'],
] as const;

export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** The TLS files named by the environment; an unreadable one is logged (once: this runs once per exporter) and left out. */
export function tlsFilesFromEnv(env: NodeJS.ProcessEnv = process.env, log?: Logger): TlsFiles {
  const out: TlsFiles = {};
  for (const [field, suffix, what] of TLS_FILES) {
    const specific = `OTEL_EXPORTER_OTLP_METRICS_${suffix}`;
    const general = `OTEL_EXPORTER_OTLP_${suffix}`;
    const name = env[specific]?.trim() ? specific : env[general]?.trim() ? general : undefined;
    if (name === undefined) continue;
    const path = env[name]!.trim();
    try {
      out[field] = readFileSync(resolve(process.cwd(), path));
    } catch (err) {
      log?.once(`otlp:tls-file:${name}`, 'warn', `OTLP ${what} file unreadable; exporting without it`, {
        variable: name,
        path,
        code: (err as NodeJS.ErrnoException).code ?? 'unknown',
      });
    }
  }
  return out;
}

/** Our agent for the exporter, and what the counting wrapper needs of it. */
export interface ExportHttp {
  /** The agent factory for the exporter's `httpAgentOptions`. */
  readonly agentFactory: (protocol: string) => Promise<http.Agent>;
  /** The last HTTP status a response of ours carried since `begin()`, if any. */
  readonly lastStatus: number | undefined;
  /** A new export starts: forget the last status, stop abandoning requests. */
  begin(): void;
  /** The export's deadline passed: end its open requests, and any it starts until the next `begin()`. */
  abandon(): void;
  /** Requests of ours not yet closed. */
  readonly openRequests: number;
  /** Unsubscribe and close the agent's sockets. */
  close(): void;
}

export function createExportHttp(url: string, log?: Logger, env: NodeJS.ProcessEnv = process.env): ExportHttp {
  const secure = new URL(url).protocol === 'https:';
  // node:https (and TLS with it) is loaded only for an https endpoint: about 1 MiB of RSS otherwise.
  const agent: http.Agent = secure ? new (process.getBuiltinModule('node:https') as typeof https).Agent({ keepAlive: true, ...tlsFilesFromEnv(env, log) }) : new http.Agent({ keepAlive: true });
  const open = new Set<ClientRequest>();
  let lastStatus: number | undefined;
  let abandoning = false;

  const end = (req: ClientRequest) => {
    if (!req.destroyed) req.destroy(new Error('export deadline passed'));
  };
  const onCreated = (m: unknown) => {
    const req = (m as { request: ClientRequest }).request;
    if ((req as ClientRequest & { agent?: unknown }).agent !== agent) return;
    open.add(req);
    req.once('close', () => open.delete(req));
    // The status line has arrived (a collector that trickles its body never finishes the response).
    req.once('response', (res: IncomingMessage) => {
      if (res.statusCode !== undefined) lastStatus = res.statusCode;
    });
    if (abandoning) queueMicrotask(() => end(req));
  };
  subscribe('http.client.request.created', onCreated);

  return {
    agentFactory: async () => agent,
    get lastStatus() {
      return lastStatus;
    },
    get openRequests() {
      return open.size;
    },
    begin() {
      lastStatus = undefined;
      abandoning = false;
    },
    abandon() {
      abandoning = true;
      for (const req of open) end(req);
    },
    close() {
      unsubscribe('http.client.request.created', onCreated);
      for (const req of open) end(req);
      agent.destroy();
    },
  };
}
