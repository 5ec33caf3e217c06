#!/usr/bin/env node
// Entry point for the `silicon-agent` command. An installed package runs the compiled JS in
// dist/ (Node does not strip types under node_modules); a checkout without a build runs the
// TypeScript sources directly on Node >= 24.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
const compiled = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
if (existsSync(compiled)) {
  await import(compiled);
} else if (major >= 24) {
  await import(new URL('../src/cli.ts', import.meta.url).href);
} else {
  console.error(`silicon-agent needs Node.js >= 24 (this is ${process.version}); run it through npm (npm start) or build it (npm run build).`);
  process.exit(1);
}
