// binding.gyp generated for macOS includes the IOKit and HID readers and frameworks; the Linux
// generation leaves them out. gyp is the copy node-gyp ships; nothing is compiled here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GYP = join(ROOT, 'node_modules/node-gyp/gyp/gyp_main.py');

// The node headers' own gypi files (nodedir=/usr, as node-gyp uses them here), plus the variables
// node-gyp's configure step adds, so the generation sees what a real `node-gyp configure` sees.
const NODEDIR = process.env.npm_config_nodedir || '/usr';
const NODE_GYPI = join(NODEDIR, 'include/node');

function generate(os: string, format: 'make' | 'xcode'): string {
  const out = mkdtempSync(join(tmpdir(), `sa-gyp-${os}-`));
  try {
    execFileSync(
      'python3',
      [
        GYP, 'binding.gyp', '-f', format, `-DOS=${os}`, '--depth=.', '--generator-output', out, `-Goutput_dir=${out}`,
        '-I', join(NODE_GYPI, 'config.gypi'), '-I', join(ROOT, 'node_modules/node-gyp/addon.gypi'), '-I', join(NODE_GYPI, 'common.gypi'),
        '-Dstandalone_static_library=1', `-Dnode_root_dir=${NODEDIR}`, `-Dnode_gyp_dir=${join(ROOT, 'node_modules/node-gyp')}`,
        '-Dnode_lib_file=node.lib', `-Dmodule_root_dir=${ROOT}`, '-Dnode_engine=v8', '-Dlibrary=shared_library', '-Dvisibility=default',
      ],
      { cwd: ROOT, stdio: 'pipe' },
    );
    const all: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else all.push(readFileSync(p, 'utf8'));
      }
    };
    walk(out);
    return all.join('\n');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

t.test('macOS generation includes the IOKit/HID sources and frameworks', async (t) => {
  for (const format of ['make', 'xcode'] as const) {
    const mk = generate('mac', format);
    const ext = format === 'make' ? '.o' : '.cc';
    for (const s of ['smc_iokit', 'hid_temps', 'net_ifmib', 'fsstat', 'addon', 'smc_decode']) t.match(mk, `${s}${ext}`, `${format}: native/${s}.cc is compiled`);
    t.match(mk, '-framework IOKit', `${format}: links IOKit`);
    t.match(mk, '-framework CoreFoundation', `${format}: links CoreFoundation`);
    t.match(mk, 'HAVE_IOKIT=1', `${format}: HAVE_IOKIT`);
    t.notMatch(mk, 'iokit_stub', `${format}: the test-only stub header is never part of the build`);
    if (format === 'xcode') t.match(mk, 'MACOSX_DEPLOYMENT_TARGET = 12.0', 'xcode: deployment target 12.0');
  }
});

t.test('Linux generation leaves them out', async (t) => {
  const mk = generate('linux', 'make');
  t.match(mk, 'addon.o');
  t.match(mk, 'smc_decode.o');
  t.notMatch(mk, 'smc_iokit');
  t.notMatch(mk, 'hid_temps');
  t.notMatch(mk, 'net_ifmib');
  t.notMatch(mk, 'fsstat');
  t.notMatch(mk, '-framework');
  t.notMatch(mk, 'HAVE_IOKIT');
});
