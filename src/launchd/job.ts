/**
 * The launchd job, in one place: its label, every path `install` writes, and the rendering of the
 * two templates in `launchd/` (the plist description `io.silicon-agent.plist.json` and the newsyslog
 * file). The templates are the one source of truth for keys and values; this module only fills in
 * `{{placeholders}}` and drops UserName/GroupName when the job runs as root.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.ts';
import { writePlist, type PlistNode } from './plist.ts';

export const LABEL = 'io.silicon-agent';

/** Absolute paths on the node (never prefixed: these strings go into the files we write). */
export const PATHS = {
  plist: `/Library/LaunchDaemons/${LABEL}.plist`,
  configDir: '/usr/local/etc/silicon-agent',
  configFile: '/usr/local/etc/silicon-agent/config.json',
  /** What install wrote and how (user created or not, privilege mode), read by uninstall/status/doctor. */
  installRecord: '/usr/local/etc/silicon-agent/install.json',
  logDir: '/var/log/silicon-agent',
  stateDir: '/usr/local/var/silicon-agent',
  statusFile: '/usr/local/var/silicon-agent/status.json',
  newsyslog: '/etc/newsyslog.d/silicon-agent.conf',
  /** No dot in the name: sudo skips files in sudoers.d whose name contains a `.` or ends in `~`. */
  sudoers: '/etc/sudoers.d/silicon-agent',
} as const;

export const DEFAULT_USER = '_siliconagent';


/** The package root (holds package.json and launchd/): src/package-root.ts is the one finder. */
export { packageRoot } from '../package-root.ts';

export function templatePath(name: 'plist' | 'newsyslog', root: string = packageRoot()): string {
  return join(root, 'launchd', name === 'plist' ? `${LABEL}.plist.json` : 'silicon-agent.newsyslog.conf');
}

export type Privilege = 'user' | 'root';

export interface JobParams {
  /** Absolute path of the node binary (process.execPath at install time). */
  node: string;
  /** Absolute path of the compiled entry point. */
  entry: string;
  privilege: Privilege;
  /** User and group the job runs as when privilege is 'user'. */
  user: string;
  group: string;
}

function fill(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`launchd template: unknown placeholder {{${name}}}`);
    return v;
  });
}

function fillNode(n: unknown, vars: Record<string, string>): PlistNode {
  if (typeof n === 'string') return fill(n, vars);
  if (typeof n === 'number' || typeof n === 'boolean') return n;
  if (Array.isArray(n)) return n.map((x) => fillNode(x, vars));
  if (n && typeof n === 'object') {
    const out: Record<string, PlistNode> = {};
    for (const [k, v] of Object.entries(n)) out[k] = fillNode(v, vars);
    return out;
  }
  throw new Error(`launchd template: unsupported value ${JSON.stringify(n)}`);
}

function vars(p: JobParams): Record<string, string> {
  return {
    label: LABEL,
    node: p.node,
    entry: p.entry,
    configFile: PATHS.configFile,
    logDir: PATHS.logDir,
    stateDir: PATHS.stateDir,
    statusFile: PATHS.statusFile,
    privilege: p.privilege,
    user: p.user,
    group: p.group,
    owner: p.privilege === 'root' ? 'root' : p.user,
  };
}

/** The job dictionary, from the template. */
export function jobDict(p: JobParams): Record<string, PlistNode> {
  for (const [k, v] of Object.entries({ node: p.node, entry: p.entry })) {
    if (!v.startsWith('/')) throw new Error(`launchd job: ${k} must be an absolute path, got ${v}`);
  }
  const template = JSON.parse(readFileSync(templatePath('plist'), 'utf8')) as unknown;
  const dict = fillNode(template, vars(p)) as Record<string, PlistNode>;
  if (p.privilege === 'root') {
    // launchd runs a system-domain job as root when UserName is absent.
    delete dict.UserName;
    delete dict.GroupName;
  }
  return dict;
}

export function renderPlist(p: JobParams): string {
  return writePlist(jobDict(p));
}

export function renderNewsyslog(p: JobParams): string {
  const group = p.privilege === 'root' ? 'wheel' : p.group;
  return fill(readFileSync(templatePath('newsyslog'), 'utf8'), { ...vars(p), group });
}
