/**
 * The one table of the macOS tools the agent and its admin commands run. Defaults are the absolute
 * paths macOS ships (so PATH tricks cannot substitute a binary for a root agent, and the sudoers
 * rule can name the exact path). Two ways to change them, documented in docs/child-processes.md:
 * - per source, the `command` option of each source factory;
 * - `SILICON_AGENT_BIN_FROM_PATH=1` in the environment: every default becomes its bare name,
 *   resolved through PATH (the process-level tests put fake executables first on PATH this way).
 */
export const TOOL_PATHS = {
  powermetrics: '/usr/bin/powermetrics',
  iostat: '/usr/sbin/iostat',
  vm_stat: '/usr/bin/vm_stat',
  sysctl: '/usr/sbin/sysctl',
  netstat: '/usr/sbin/netstat',
  mount: '/sbin/mount',
  ioreg: '/usr/sbin/ioreg',
  sudo: '/usr/bin/sudo',
  ps: '/bin/ps',
  launchctl: '/bin/launchctl',
  dscl: '/usr/bin/dscl',
  id: '/usr/bin/id',
  visudo: '/usr/sbin/visudo',
  chown: '/usr/sbin/chown',
  sw_vers: '/usr/bin/sw_vers',
} as const;
export type ToolName = keyof typeof TOOL_PATHS;

export const BIN_FROM_PATH_ENV = 'SILICON_AGENT_BIN_FROM_PATH';

/** The executable for a tool: an explicit override, else the default (bare name when BIN_FROM_PATH is set). */
export function binary(name: ToolName, override?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (override) return override;
  const fromPath = env[BIN_FROM_PATH_ENV];
  if (fromPath === '1' || fromPath === 'true') return name;
  return TOOL_PATHS[name];
}
