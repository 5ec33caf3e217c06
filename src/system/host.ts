/**
 * Facts about the host that install/uninstall refuse on (macOS, root), and the filesystem prefix
 * they write under. Tests run these commands on Linux as any user by setting SILICON_AGENT_ROOT to a
 * temporary directory: every system path is then written under it, and only then are the
 * SILICON_AGENT_TEST_PLATFORM / SILICON_AGENT_TEST_UID overrides honoured. Without a prefix the
 * overrides are ignored, so they can never make the real /Library or /etc writable by accident.
 */
import { join } from 'node:path';

export interface Host {
  platform: NodeJS.Platform;
  uid: number;
  /** '' for the real filesystem, else the fake root directory. */
  root: string;
}

export function detectHost(env: NodeJS.ProcessEnv = process.env): Host {
  const root = env.SILICON_AGENT_ROOT && env.SILICON_AGENT_ROOT !== '/' ? env.SILICON_AGENT_ROOT : '';
  let platform = process.platform;
  let uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (root) {
    if (env.SILICON_AGENT_TEST_PLATFORM) platform = env.SILICON_AGENT_TEST_PLATFORM as NodeJS.Platform;
    if (env.SILICON_AGENT_TEST_UID && /^\d+$/.test(env.SILICON_AGENT_TEST_UID)) uid = Number(env.SILICON_AGENT_TEST_UID);
  }
  return { platform, uid, root };
}

/** Where an absolute system path lives on this host's filesystem. */
export function onDisk(host: Host, path: string): string {
  return host.root ? join(host.root, path) : path;
}

/** Why this host cannot install, or undefined. */
export function refuseReason(host: Host, command: string): string | undefined {
  if (host.platform !== 'darwin')
    return `silicon-agent ${command}: this is ${host.platform}, not macOS; the launchd job only exists on a Mac (use --dry-run to see what it would do)`;
  if (host.uid !== 0)
    return `silicon-agent ${command}: must run as root (it writes /Library/LaunchDaemons and /etc, and runs launchctl in the system domain); try: sudo silicon-agent ${command}`;
  return undefined;
}
