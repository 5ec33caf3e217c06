#!/usr/bin/env node
// Entry point for the `silicon-agent` command.
// - In a checkout (not under node_modules) on Node >= 24, it runs the TypeScript sources directly,
//   so a stale dist/ can never shadow the code being worked on.
// - An installed package (under node_modules, where Node does not strip types), or a launchd job
//   pointing here, runs the compiled JS in dist/ (`npm run build`).
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { chooseCompileCache } from './compile-cache.js';

// Start-up time: keep V8's compiled code (and Node's type-stripped sources) in Node's on-disk compile
// cache (default <tmpdir>/node-compile-cache, NODE_COMPILE_CACHE overrides, NODE_DISABLE_COMPILE_CACHE=1
// turns it off), so every start after the first skips most of the parsing and compiling. `run`
// flushes it once the agent is up. A cache that cannot be written is simply not used. As root, only
// in a root-owned directory nobody else can write (./compile-cache.js): never in a shared /tmp.
const cache = chooseCompileCache({ uid: typeof process.getuid === 'function' ? process.getuid() : -1, env: process.env });
if (cache) module.enableCompileCache?.(cache.dir);

const major = Number(process.versions.node.split('.')[0]);
const source = new URL('../src/cli.ts', import.meta.url);
const compiled = new URL('../dist/src/cli.js', import.meta.url);
const underNodeModules = fileURLToPath(import.meta.url).split(/[\\/]/).includes('node_modules');

if (major < 24) {
  // Checked first: the dependencies (OTel SDK 3, execa 10) fail on older Node with obscure errors.
  console.error(`silicon-agent needs Node.js >= 24 (this is ${process.version}).`);
  process.exit(1);
} else if (!underNodeModules && existsSync(source)) {
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  console.error('silicon-agent: no compiled build found (run `npm run build`).');
  process.exit(1);
}
