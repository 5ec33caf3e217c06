/**
 * The Prometheus endpoint could not listen. Fatal at start (the CLI exits with `exitCode`, naming
 * host:port); on SIGHUP the agent keeps the endpoint it had (src/agent.ts `reload`).
 */
import { EX_CONFIG, EX_NOPERM, EX_SOFTWARE, EX_UNAVAILABLE } from '../sysexits.ts';

export class ListenError extends Error {
  readonly host: string;
  readonly port: number;
  readonly code: string;
  /** sysexits: 69 port in use, 77 not permitted, 78 an address this host does not have, 70 anything else. */
  readonly exitCode: number;
  constructor(host: string, port: number, cause: unknown) {
    const code = String((cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown');
    const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    super(`the Prometheus endpoint cannot listen on ${shown}: ${code} (${hint(code)})`);
    this.name = 'ListenError';
    this.host = host;
    this.port = port;
    this.code = code;
    this.exitCode = exitCodeOf(code);
  }
}

function exitCodeOf(code: string): number {
  if (code === 'EADDRINUSE') return EX_UNAVAILABLE;
  if (code === 'EACCES' || code === 'EPERM') return EX_NOPERM;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME' || code === 'EINVAL')
    return EX_CONFIG;
  return EX_SOFTWARE;
}

function hint(code: string): string {
  switch (exitCodeOf(code)) {
    case EX_UNAVAILABLE:
      return 'another process holds the port: stop it, or set exporters.prometheus.port';
    case EX_NOPERM:
      return 'the port needs privileges: choose a port above 1023';
    case EX_CONFIG:
      return 'this host has no such address: set exporters.prometheus.host to 127.0.0.1, 0.0.0.0 or one of its addresses';
    default:
      return 'unexpected';
  }
}
