/**
 * Keep Node's bundled undici out of memory when `node:http` is imported as an ES module.
 *
 * `node:http` exposes `WebSocket`, `CloseEvent` and `MessageEvent` as lazy getters that load
 * undici (Node's fetch/WebSocket implementation, a ~760 KB script). `require('node:http')` leaves
 * them alone, but the first ESM import of `node:http` (ours in src/export/prometheus.ts, the OTLP
 * exporter's `import("http")`) builds the module's ESM facade by reading every enumerable export,
 * which runs those getters. Measured on Node 24.21: a bare process importing `node:http` is 46 MiB
 * of RSS without undici and 59 MiB with it; the agent (compiled, replay, 1 Hz) 83.1 -> 77.1 MiB.
 * Nothing in the agent uses WebSockets.
 *
 * The fix only makes those three getters non-enumerable, so the facade skips them: they stay lazy
 * and still work (`http.WebSocket` loads undici on first access, as before). What changes: a
 * named ESM import `import { WebSocket } from 'node:http'` would not link (use the global
 * `WebSocket`), and `Object.keys(http)` no longer lists them. Must run before anything imports
 * `node:http` as ESM: src/cli.ts calls it first for `run`. A Node version without these getters (or with
 * them non-configurable) is left as it is.
 */
const LAZY_UNDICI_EXPORTS = ['WebSocket', 'CloseEvent', 'MessageEvent'] as const;

/** Returns the names it changed (for tests). */
export function keepUndiciLazy(): string[] {
  // getBuiltinModule returns the CommonJS exports object without creating the ESM facade.
  const http = process.getBuiltinModule('node:http') as unknown as Record<string, unknown>;
  const changed: string[] = [];
  for (const name of LAZY_UNDICI_EXPORTS) {
    const d = Object.getOwnPropertyDescriptor(http, name);
    if (!d || !d.get || !d.enumerable || !d.configurable) continue;
    Object.defineProperty(http, name, { ...d, enumerable: false });
    changed.push(name);
  }
  return changed;
}
