// The macOS-only sources compile (syntax only, -Wall -Wextra -Werror) on Linux against
// test/native/iokit_stub.h, which declares the IOKit/CoreFoundation symbols they use. The real
// <IOKit/IOKitLib.h> and <CoreFoundation/CoreFoundation.h> are replaced by one-line headers in a
// temporary directory that include the stub, so the production sources stay untouched.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STUB = join(ROOT, 'test/native/iokit_stub.h');
const NAPI = execFileSync('node', ['-p', "require('node-addon-api').include"], { cwd: ROOT, encoding: 'utf8' })
  .trim()
  .replace(/^"|"$/g, '');

function compile(file: string, extra: string[] = []): { ok: boolean; out: string } {
  const path = file.startsWith('/') ? file : join(ROOT, file);
  const inc = mkdtempSync(join(tmpdir(), 'sa-stub-'));
  try {
    for (const h of ['IOKit/IOKitLib.h', 'CoreFoundation/CoreFoundation.h', 'sys/sysctl.h', 'net/if.h', 'net/if_mib.h', 'sys/mount.h', 'sys/ucred.h']) {
      mkdirSync(join(inc, h, '..'), { recursive: true });
      writeFileSync(join(inc, h), `#include "${STUB}"\n`);
    }
    const args = ['-std=c++17', '-fsyntax-only', '-Wall', '-Wextra', '-Werror', '-include', STUB, '-I', inc, '-I', join(ROOT, 'native'), ...extra, path];
    try {
      execFileSync('g++', args, { stdio: 'pipe' });
      return { ok: true, out: '' };
    } catch (err) {
      return { ok: false, out: String((err as { stderr?: Buffer }).stderr ?? err) };
    }
  } finally {
    rmSync(inc, { recursive: true, force: true });
  }
}

t.test('native/smc_iokit.cc compiles against the stub', async (t) => {
  const r = compile('native/smc_iokit.cc');
  t.ok(r.ok, r.out);
});

t.test('native/hid_temps.cc compiles against the stub', async (t) => {
  const r = compile('native/hid_temps.cc');
  t.ok(r.ok, r.out);
});

t.test('native/net_ifmib.cc compiles against the stub', async (t) => {
  const r = compile('native/net_ifmib.cc');
  t.ok(r.ok, r.out);
});

t.test('native/fsstat.cc compiles against the stub', async (t) => {
  const r = compile('native/fsstat.cc');
  t.ok(r.ok, r.out);
});

t.test('native/iokit_registry.cc compiles against the stub', async (t) => {
  const r = compile('native/iokit_registry.cc', ['-DNAPI_VERSION=8', '-DNAPI_DISABLE_CPP_EXCEPTIONS', '-I', NAPI, '-I', '/usr/include/node']);
  t.ok(r.ok, r.out);
});

t.test('native/addon.cc compiles with HAVE_IOKIT (its macOS branch)', async (t) => {
  const r = compile('native/addon.cc', ['-DHAVE_IOKIT=1', '-DNAPI_VERSION=8', '-DNAPI_DISABLE_CPP_EXCEPTIONS', '-I', NAPI, '-I', '/usr/include/node']);
  t.ok(r.ok, r.out);
});

t.test('the check is real: a wrong call fails against the stub', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-neg-'));
  try {
    const bad = join(dir, 'bad.cc');
    // IOServiceOpen takes 4 arguments in IOKitLib.h; 3 must not compile.
    writeFileSync(bad, '#include <IOKit/IOKitLib.h>\nint f(io_service_t s, io_connect_t* c) { return IOServiceOpen(s, mach_task_self(), c); }\n');
    const r = compile(bad);
    t.notOk(r.ok, 'wrong arity is rejected');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.test('the stub names its source header on every declaration line', async (t) => {
  const lines = readFileSync(STUB, 'utf8').split('\n');
  const decls = lines.filter((l) => /^(typedef|extern |enum|#define k|#define mach|[A-Za-z_][\w ]*\*?\s*\w+\()/.test(l) && !l.startsWith('extern "C"'));
  t.ok(decls.length >= 30, `${decls.length} declarations`);
  const unnamed = decls.filter((l) => !/\/\/ .*(\.h|MacTypes)/.test(l));
  t.same(unnamed, [], 'each declaration names its Apple header');
});
