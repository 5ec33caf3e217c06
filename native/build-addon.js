// npm's `install` script (package.json): build the SMC N-API addon where this machine can, and
// never fail the install where it cannot. Plain JavaScript: it runs before anything is compiled,
// under whichever Node runs npm.
//
// 1. An addon that already loads (build/Release from an earlier build, or prebuilds/) is kept,
//    unless npm_config_build_from_source=true.
// 2. Otherwise `node-gyp rebuild`: the node-gyp package where one is installed (a checkout's
//    devDependency), else the `node-gyp` that npm puts on PATH for install scripts (npm carries its
//    own). Its output goes to this script's stdout/stderr as it comes.
// 3. If that fails (on a Mac, usually no Xcode command-line tools), build/ADDON-NOT-BUILT.txt
//    records why, one line on stderr says so, and the script exits 0: the agent runs without the
//    SMC source, and `silicon-agent doctor` shows the reason.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const note = join(root, 'build', 'ADDON-NOT-BUILT.txt');
const require = createRequire(import.meta.url);
/** The end of the build output kept for the note (the whole output can be megabytes). */
const TAIL_BYTES = 16 * 1024;

function alreadyLoads() {
  if (process.env.npm_config_build_from_source === 'true') return false;
  try {
    require('node-gyp-build')(root);
    return true;
  } catch {
    return false;
  }
}

function nodeGyp() {
  try {
    const pkgFile = require.resolve('node-gyp/package.json');
    const pkg = require(pkgFile);
    const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['node-gyp'];
    return { file: process.execPath, args: [join(dirname(pkgFile), bin), 'rebuild'] };
  } catch {
    return { file: 'node-gyp', args: ['rebuild'] };
  }
}

/** One line saying why the build failed, from node-gyp's output. */
function failureReason(output, exitCode) {
  const lines = output.split(/\r?\n/);
  const pick = (re) => {
    for (const l of lines) {
      const m = re.exec(l);
      if (m) return (m[1] ?? m[0]).trim();
    }
    return undefined;
  };
  // gyp's own complaints ("gyp: No Xcode or CLT version detected!", a missing common.gypi), then
  // the command-line tools' ("xcrun: error: invalid active developer path"), then node-gyp's summary.
  const reason =
    pick(/^gyp: (.+)/) ??
    pick(/((?:xcode-select|xcrun): error: .*)/) ??
    pick(/gyp ERR! stack Error: (.*)/) ??
    pick(/gyp ERR! (?:configure|build) error(.*)/) ??
    `node-gyp exited with code ${exitCode}`;
  return reason.length > 300 ? `${reason.slice(0, 300)}…` : reason;
}

function giveUp(reason, output) {
  const text = [
    `silicon-agent: the SMC addon was not built (${new Date().toISOString()}, Node ${process.version}, ${process.platform}-${process.arch}).`,
    `reason: ${reason}`,
    'effect: the agent runs without the SMC source: no temperatures, fans or whole-system power.',
    'fix: install the Xcode command-line tools (xcode-select --install), then run `npm rebuild silicon-agent` in the folder it was installed into (in a checkout: npm run build:native).',
    '',
    'last lines of the build output:',
    output,
  ].join('\n');
  try {
    mkdirSync(dirname(note), { recursive: true });
    writeFileSync(note, text.endsWith('\n') ? text : `${text}\n`);
  } catch {
    // a read-only package folder: the line below still says it
  }
  process.stderr.write(`silicon-agent: SMC addon not built (${reason}); the agent runs without the SMC source. \`silicon-agent doctor\` says more.\n`);
  process.exitCode = 0;
}

if (alreadyLoads()) {
  rmSync(note, { force: true });
} else {
  const { file, args } = nodeGyp();
  let tail = '';
  const keep = (chunk) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  let done = false;
  const child = spawn(file, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (b) => {
    process.stdout.write(b);
    keep(b);
  });
  child.stderr.on('data', (b) => {
    process.stderr.write(b);
    keep(b);
  });
  child.on('error', (err) => {
    if (done) return;
    done = true;
    giveUp(err.code === 'ENOENT' ? `${file} not found` : `cannot run ${file}: ${err.message}`, tail);
  });
  child.on('close', (code, signal) => {
    if (done) return;
    done = true;
    if (code === 0) rmSync(note, { force: true });
    else giveUp(failureReason(tail, code ?? signal), tail);
  });
}
