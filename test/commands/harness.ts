/**
 * A fake node for install/uninstall/status/doctor tests: a temporary root directory that stands in for
 * `/` (SILICON_AGENT_ROOT), recording fakes of launchctl, dscl, id, visudo, sudo and chown first on
 * PATH (test/fakes/system/), and the test-only overrides that make this Linux box look like macOS as root.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectHost } from '../../src/system/host.ts';
import { execaRunner } from '../../src/system/runner.ts';
import type { CommandContext } from '../../src/system/context.ts';

export const FAKES = fileURLToPath(new URL('../fakes/system/', import.meta.url));

export interface FakeNode {
  root: string;
  state: string;
  env: NodeJS.ProcessEnv;
  ctx: CommandContext;
  out: string[];
  err: string[];
  /** Recorded calls, one array per call: [tool, ...args]. */
  calls(): string[][];
  /** Recorded calls of one tool, without the tool name. */
  callsOf(tool: string): string[][];
  clearCalls(): void;
  /** Make the next `n` calls of a fake fail (bootstrap, enable, kickstart, dscl, visudo, chown). */
  failNext(what: string, n?: number): void;
  /** Every file under the fake root, relative to it, sorted. */
  files(): string[];
  read(path: string): string;
  exists(path: string): boolean;
  /** A world-readable node and entry point for --node/--entry. */
  node: string;
  entry: string;
  cleanup(): void;
}

export function fakeNode(opts: { platform?: string; uid?: number; drain?: number } = {}): FakeNode {
  const base = mkdtempSync(join(tmpdir(), 'sa-node-'));
  chmodSync(base, 0o755); // the agent user must be able to reach node and the entry point
  const root = join(base, 'root');
  const state = join(base, 'state');
  const bin = join(base, 'pkg');
  mkdirSync(root);
  mkdirSync(state);
  mkdirSync(join(bin, 'dist', 'src'), { recursive: true });
  const node = join(bin, 'node');
  const entry = join(bin, 'dist', 'src', 'cli.js');
  writeFileSync(node, '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(entry, '// entry\n', { mode: 0o644 });
  const log = join(state, 'calls.log');
  writeFileSync(log, '');
  const env: NodeJS.ProcessEnv = {
    PATH: `${FAKES}:${process.env.PATH}`,
    FAKE_LOG: log,
    FAKE_STATE: state,
    FAKE_DRAIN: String(opts.drain ?? 2),
    SILICON_AGENT_ROOT: root,
    SILICON_AGENT_TEST_PLATFORM: opts.platform ?? 'darwin',
    SILICON_AGENT_TEST_UID: String(opts.uid ?? 0),
    SILICON_AGENT_BIN_FROM_PATH: '1',
    SILICON_AGENT_TEST_DRAIN_MS: '200',
  };
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = {
    env,
    host: detectHost(env),
    runner: execaRunner(env),
    out: (l) => void out.push(l),
    err: (l) => void err.push(l),
    sleep: async () => {},
    now: () => new Date('2026-11-22T12:00:00Z'),
  };
  const calls = () => readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? [relative(root, p) + '/', ...walk(p)] : [relative(root, p)];
    });
  return {
    root, state, env, ctx, out, err, node, entry,
    calls,
    callsOf: (tool) => calls().filter((c) => c[0] === tool).map((c) => c.slice(1)),
    clearCalls: () => writeFileSync(log, ''),
    failNext: (what, n = 1) => writeFileSync(join(state, `fail.${what}`), String(n)),
    files: () => walk(root).map((p) => '/' + p).sort(),
    read: (p) => readFileSync(join(root, p), 'utf8'),
    exists: (p) => existsSync(join(root, p)),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}
