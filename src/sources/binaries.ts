/**
 * Where the agent finds the macOS tools it runs. Defaults are the absolute paths macOS ships
 * (so PATH tricks cannot substitute a binary for a root agent, and the sudoers rule can name
 * the exact path). Two ways to change them, documented in docs/child-processes.md:
 * - per source, the `command` option of each source factory (and `binaries` in createSources);
 * - `SILICON_AGENT_BIN_FROM_PATH=1` in the environment: every default becomes its bare name,
 *   resolved through PATH (the process-level tests put fake executables first on PATH this way).
 */
export const DEFAULT_BINARIES = {
  powermetrics: '/usr/bin/powermetrics',
  iostat: '/usr/sbin/iostat',
  vm_stat: '/usr/bin/vm_stat',
  sysctl: '/usr/sbin/sysctl',
  sudo: '/usr/bin/sudo',
} as const;
export type BinaryName = keyof typeof DEFAULT_BINARIES;

export const BIN_FROM_PATH_ENV = 'SILICON_AGENT_BIN_FROM_PATH';

/** The executable for a tool: an explicit override, else the default (bare name when BIN_FROM_PATH is set). */
export function binary(name: BinaryName, override?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (override) return override;
  const fromPath = env[BIN_FROM_PATH_ENV];
  if (fromPath === '1' || fromPath === 'true') return name;
  return DEFAULT_BINARIES[name];
}
