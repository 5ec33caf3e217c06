// Where Node's compile cache may live for this process (bin/silicon-agent.js enables it).
//
// Not as root in a shared directory: Node's default is <tmpdir>/node-compile-cache, and a root process
// (sudo … sample|run|doctor|install, as the README says) would then write ~120 files into /tmp, following
// any symlink another user planted there. So, as root, the cache is used only where
// SILICON_AGENT_COMPILE_CACHE names an absolute directory whose existing ancestors are all real
// directories (no symlink), owned by root and writable by nobody else — the launchd job sets it to the
// agent's state directory. Otherwise no cache: start-up is a little slower, nothing is written. Any other
// user gets Node's default (its own files), or SILICON_AGENT_COMPILE_CACHE's directory. (Node itself
// enables a cache when NODE_COMPILE_CACHE is set, before this code runs: that variable is the caller's
// explicit choice, and the agent never sets it.)
import { lstatSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

/** True when `dir` and every existing ancestor are root-owned, non-symlink directories not writable by group or others. */
export function safeForRoot(dir, lstat = lstatSync) {
  if (typeof dir !== 'string' || !isAbsolute(dir) || /[\0\n\r]/.test(dir)) return false;
  let p = resolve(dir);
  for (;;) {
    let st;
    try {
      st = lstat(p);
    } catch (err) {
      if (err && err.code === 'ENOENT') {
        // Not created yet: Node creates it; its parent decides.
        const up = dirname(p);
        if (up === p) return false;
        p = up;
        continue;
      }
      return false;
    }
    if (st.isSymbolicLink() || !st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) return false;
    const up = dirname(p);
    if (up === p) return true;
    p = up;
  }
}

/**
 * The compile-cache decision: `{ dir }` to enable it there, `{ dir: undefined }` for Node's default,
 * or `undefined` for no cache at all.
 */
export function chooseCompileCache({ uid, env, lstat = lstatSync }) {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const wanted = env.SILICON_AGENT_COMPILE_CACHE;
  if (uid !== 0) return { dir: wanted || undefined };
  return wanted && safeForRoot(wanted, lstat) ? { dir: resolve(wanted) } : undefined;
}
