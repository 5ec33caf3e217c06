/**
 * `silicon-agent install [--dry-run] [--collector URL] [--user NAME | --root] [--node PATH] [--entry PATH]`
 *
 * Writes the config, the LaunchDaemon plist, the newsyslog file and (unprivileged mode, the default)
 * a sudoers drop-in for the exact powermetrics command lines, then bootout (and wait until the job is
 * gone), bootstrap, enable and kickstart in the system domain. Idempotent: a re-install replaces the
 * job and files and keeps the operator's config edits. Any failure undoes every change this run made
 * (files restored, created user deleted, job booted out) and says what failed.
 * README "Install on a node" documents every path.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { escapeControl, hasControl } from '../escape.ts';
import { ConfigError, validateConfig, type Config } from '../config.ts';
import { dryRunEffects, realEffects, type Effects } from '../launchd/effects.ts';
import { DEFAULT_USER, LABEL, PATHS, packageRoot, renderNewsyslog, renderPlist, type JobParams, type Privilege } from '../launchd/job.ts';
import { bootoutAndWait, bootstrap, enable, kickstart, SERVICE, type LaunchctlDeps } from '../launchd/launchctl.ts';
import { readRecord, type InstallRecord } from '../launchd/record.ts';
import { renderSudoers } from '../launchd/sudoers.ts';
import { powermetricsArgsAtEveryLevel } from '../modules/powermetrics/source.ts';
import { runCommand, type CommandContext, type ParsedArgs } from '../system/context.ts';
import { onDisk, refuseReason } from '../system/host.ts';
import { tool } from '../system/runner.ts';

export interface InstallOptions {
  dryRun: boolean;
  collector?: string;
  privilege: Privilege;
  user: string;
  node?: string;
  entry?: string;
}

export const INSTALL_USAGE = `usage: silicon-agent install [--dry-run] [--collector URL] [--user NAME | --root] [--node PATH] [--entry PATH]
  --dry-run         print every file and command; change nothing (works on any OS, as any user)
  --collector URL   OTLP/HTTP base URL (exporters.otlp.endpoint), e.g. http://collector:4318
  --user NAME       run the agent as this user (default ${DEFAULT_USER}, created if missing),
                    with a sudoers rule for the exact powermetrics command lines only
  --root            run the agent as root instead (no sudoers rule)
  --node PATH       node binary for the job (default: the one running this command)
  --entry PATH      compiled entry point (default: <package>/dist/src/cli.js)`;

export function parseInstallArgs(argv: string[]): ParsedArgs<InstallOptions> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'dry-run': { type: 'boolean', default: false },
        collector: { type: 'string' },
        user: { type: 'string' },
        root: { type: 'boolean', default: false },
        node: { type: 'string' },
        entry: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    return { ok: false, error: `${(err as Error).message}\n${INSTALL_USAGE}` };
  }
  if (v.help) return { ok: false, help: true, error: INSTALL_USAGE };
  if (v.root && v.user !== undefined) return { ok: false, error: `--user and --root exclude each other\n${INSTALL_USAGE}` };
  if (v.user !== undefined && !/^[a-z_][a-z0-9_-]{0,31}$/.test(v.user)) return { ok: false, error: `--user: not a valid account name: ${JSON.stringify(v.user)}` };
  if (v.user === 'root') return { ok: false, error: 'use --root to run the agent as root' };
  for (const k of ['node', 'entry'] as const) {
    const p = v[k];
    if (p !== undefined && !p.startsWith('/')) return { ok: false, error: `--${k} must be an absolute path` };
    if (p !== undefined && hasControl(p)) return { ok: false, error: `--${k}: the path holds a control character (shown escaped: ${escapeControl(p)})` };
  }
  // the URL is not echoed: it may carry credentials
  if (v.collector !== undefined && hasControl(v.collector)) return { ok: false, error: '--collector: the URL holds a control character' };
  return {
    ok: true,
    opts: {
      dryRun: v['dry-run'],
      privilege: v.root ? 'root' : 'user',
      user: v.user ?? DEFAULT_USER,
      ...(v.collector !== undefined ? { collector: v.collector } : {}),
      ...(v.node !== undefined ? { node: v.node } : {}),
      ...(v.entry !== undefined ? { entry: v.entry } : {}),
    },
  };
}

/** Fail unless `user` can reach and read (and for node, execute) `path`: every directory on the way needs o+x. */
export function readableByOthers(path: string, exec: boolean): string | undefined {
  try {
    const st = statSync(path);
    if (!(st.mode & 0o004) || (exec && !(st.mode & 0o001))) return `${path} is not ${exec ? 'readable and executable' : 'readable'} by other users (mode ${(st.mode & 0o777).toString(8)})`;
    for (let d = dirname(path); ; d = dirname(d)) {
      if (!(statSync(d).mode & 0o001)) return `directory ${d} is not searchable by other users (mode ${(statSync(d).mode & 0o777).toString(8)})`;
      if (d === dirname(d)) break;
    }
  } catch (err) {
    return `${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  return undefined;
}

interface Account {
  user: string;
  group: string;
  /** The dscl commands that create the user/group (empty when they exist). */
  createUser: boolean;
  createGroup: boolean;
  id: number;
}

function parseDsclList(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 2 && /^-?\d+$/.test(f[f.length - 1]!)) m.set(f[0]!, Number(f[f.length - 1]));
  }
  return m;
}

/** Look the account up (read-only queries, also in --dry-run). */
async function resolveAccount(ctx: CommandContext, user: string): Promise<Account> {
  const idFile = tool('id', ctx.env);
  const exists = await ctx.runner.run(idFile, ['-u', user]);
  if (exists.exitCode === 0) {
    const g = await ctx.runner.run(idFile, ['-gn', user]);
    const group = g.exitCode === 0 && g.stdout.trim() ? g.stdout.trim() : user;
    return { user, group, createUser: false, createGroup: false, id: Number(exists.stdout.trim()) };
  }
  const dscl = tool('dscl', ctx.env);
  const users = parseDsclList((await ctx.runner.run(dscl, ['.', '-list', '/Users', 'UniqueID'])).stdout);
  const groups = parseDsclList((await ctx.runner.run(dscl, ['.', '-list', '/Groups', 'PrimaryGroupID'])).stdout);
  const usedIds = new Set([...users.values(), ...groups.values()]);
  // Hidden system range (< 500), from the top down: Apple's own accounts grow from the bottom.
  let id = 499;
  while (id >= 300 && usedIds.has(id)) id--;
  if (id < 300) throw new Error('no free id between 300 and 499 for the agent user; create one yourself and pass --user NAME');
  const groupId = groups.get(user);
  return { user, group: user, createUser: true, createGroup: groupId === undefined, id: groupId ?? id };
}

async function createAccount(fx: Effects, a: Account): Promise<void> {
  const dscl = (args: string[], undo?: string[]) => fx.run('dscl', ['.', ...args], undo ? { tool: 'dscl', args: ['.', ...undo] } : undefined);
  if (a.createGroup) {
    fx.note(`creating group ${a.group} (PrimaryGroupID ${a.id})`);
    await dscl(['-create', `/Groups/${a.group}`], ['-delete', `/Groups/${a.group}`]);
    await dscl(['-create', `/Groups/${a.group}`, 'PrimaryGroupID', String(a.id)]);
    await dscl(['-create', `/Groups/${a.group}`, 'RealName', 'silicon-agent']);
    await dscl(['-create', `/Groups/${a.group}`, 'Password', '*']);
  }
  if (a.createUser) {
    fx.note(`creating hidden user ${a.user} (UniqueID ${a.id}, no shell, no home, no password)`);
    await dscl(['-create', `/Users/${a.user}`], ['-delete', `/Users/${a.user}`]);
    await dscl(['-create', `/Users/${a.user}`, 'UniqueID', String(a.id)]);
    await dscl(['-create', `/Users/${a.user}`, 'PrimaryGroupID', String(a.id)]);
    await dscl(['-create', `/Users/${a.user}`, 'UserShell', '/usr/bin/false']);
    await dscl(['-create', `/Users/${a.user}`, 'NFSHomeDirectory', '/var/empty']);
    await dscl(['-create', `/Users/${a.user}`, 'RealName', 'silicon-agent']);
    await dscl(['-create', `/Users/${a.user}`, 'Password', '*']);
    await dscl(['-create', `/Users/${a.user}`, 'IsHidden', '1']);
  }
}

/** The config file's new content: the existing file (operator edits kept) plus what install decides. */
export function mergeConfig(existing: string | undefined, opts: InstallOptions): { text: string; config: Config } {
  let raw: Record<string, unknown> = {};
  if (existing !== undefined) {
    try {
      raw = JSON.parse(existing) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError('(file)', `${PATHS.configFile} is not valid JSON (${(err as Error).message}); fix or remove it and re-run install`);
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('(root)', `${PATHS.configFile} must hold a JSON object`);
  }
  const obj = (o: Record<string, unknown>, k: string): Record<string, unknown> => {
    const v = o[k];
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    return (o[k] = {});
  };
  if (opts.collector !== undefined) obj(obj(raw, 'exporters'), 'otlp').endpoint = opts.collector;
  obj(obj(raw, 'sources'), 'powermetrics').sudo = opts.privilege === 'user';
  const config = validateConfig(structuredClone(raw));
  return { text: JSON.stringify(raw, null, 2) + '\n', config };
}

function defaultEntry(): string {
  return join(packageRoot(), 'dist', 'src', 'cli.js');
}

export async function install(opts: InstallOptions, ctx: CommandContext): Promise<number> {
  const say = ctx.out;
  if (!opts.dryRun) {
    const refuse = refuseReason(ctx.host, 'install');
    if (refuse) {
      ctx.err(refuse);
      return 1;
    }
  }
  const node = opts.node ?? process.execPath;
  const entry = opts.entry ?? defaultEntry();
  const problems: string[] = [];
  // Every path written into the plist and the sudoers rule, the defaults included (a package unpacked
  // under a hostile directory name): a newline there would add lines to either file.
  for (const [what, p] of [['node', node], ['entry point', entry], ['package', packageRoot()]] as const) {
    if (hasControl(p)) {
      ctx.err(`silicon-agent install: the ${what} path holds a control character (shown escaped: ${escapeControl(p)}); move it to a plain path`);
      return 64;
    }
  }
  if (!existsSync(entry)) problems.push(`the compiled entry point ${entry} does not exist: run \`npm run build\` first (the job runs compiled JavaScript)`);
  if (node.includes('/Cellar/')) say(`warning: ${node} is a versioned Homebrew path that \`brew upgrade\` removes; consider --node /opt/homebrew/bin/node`);
  if (opts.privilege === 'user' && existsSync(entry)) {
    for (const [p, x] of [[node, true], [entry, false], [join(packageRoot(), 'package.json'), false]] as const) {
      const why = readableByOthers(p, x);
      if (why) problems.push(`${opts.user} could not start the agent: ${why}. Install the package somewhere world-readable (e.g. /usr/local/lib/silicon-agent) or use --root`);
    }
  }
  if (problems.length > 0) {
    if (!opts.dryRun) {
      for (const p of problems) ctx.err(`silicon-agent install: ${p}`);
      return 1;
    }
    for (const p of problems) say(`# warning (a real install would refuse): ${p}`);
  }

  let account: Account;
  try {
    account = opts.privilege === 'root' ? { user: 'root', group: 'wheel', createUser: false, createGroup: false, id: 0 } : await resolveAccount(ctx, opts.user);
  } catch (err) {
    ctx.err(`silicon-agent install: ${(err as Error).message}`);
    return 1;
  }

  let merged: { text: string; config: Config };
  const configOnDisk = onDisk(ctx.host, PATHS.configFile);
  try {
    merged = mergeConfig(existsSync(configOnDisk) ? readFileSync(configOnDisk, 'utf8') : undefined, opts);
  } catch (err) {
    ctx.err(`silicon-agent install: ${(err as Error).message}`);
    return 78;
  }
  const job: JobParams = { node, entry, privilege: opts.privilege, user: account.user, group: account.group };
  const pm = merged.config.sources.powermetrics;
  const agentOwner = `${account.user}:${account.group}`;
  const previous = readRecord(onDisk(ctx.host, PATHS.installRecord));

  const fx: Effects = opts.dryRun ? dryRunEffects(ctx) : realEffects(ctx);
  if (opts.dryRun) say(`# silicon-agent install --dry-run: nothing is changed; a real run (as root, on macOS) would do this, in this order:`);
  try {
    if (account.createUser || account.createGroup) await createAccount(fx, account);
    else if (opts.privilege === 'user') fx.note(`user ${account.user} exists (group ${account.group}); not creating it`);

    // Validate the sudoers rule before anything else is put in place.
    if (opts.privilege === 'user') {
      const text = renderSudoers(account.user, powermetricsArgsAtEveryLevel(pm.intervalMs, pm.samplers));
      await fx.writeChecked(PATHS.sudoers, text, 0o440, 'root:wheel', { tool: 'visudo', args: (tmp) => ['-cf', tmp] });
    } else {
      await fx.remove(PATHS.sudoers); // a previous unprivileged install's rule is not needed as root
    }
    await fx.mkdir(PATHS.configDir, 0o755, 'root:wheel');
    await fx.write(PATHS.configFile, merged.text, 0o640, `root:${account.group}`);
    await fx.mkdir(PATHS.logDir, 0o755, agentOwner);
    await fx.mkdir(PATHS.stateDir, 0o750, agentOwner);
    await fx.write(PATHS.newsyslog, renderNewsyslog(job), 0o644, 'root:wheel');
    await fx.write(PATHS.plist, renderPlist(job), 0o644, 'root:wheel');

    if (opts.dryRun) {
      say(`$ ${tool('launchctl', ctx.env)} bootout ${SERVICE}    # only if loaded; then poll \`launchctl print ${SERVICE}\` until it fails`);
      say(`$ ${tool('launchctl', ctx.env)} bootstrap system ${PATHS.plist}    # on "Bootstrap failed: 5": wait, enable, retry once`);
      say(`$ ${tool('launchctl', ctx.env)} enable ${SERVICE}`);
      say(`$ ${tool('launchctl', ctx.env)} kickstart -k ${SERVICE}`);
    } else {
      const deps: LaunchctlDeps = { runner: ctx.runner, env: ctx.env, sleep: ctx.sleep, ...launchctlTiming(ctx.env) };
      const wasLoaded = await bootoutAndWait(deps);
      if (wasLoaded) say(`stopped the running job ${SERVICE}`);
      await bootstrap(deps, onDisk(ctx.host, PATHS.plist));
      await enable(deps);
      await kickstart(deps);
    }
    const record: InstallRecord = {
      version: 1,
      installedAt: ctx.now().toISOString(),
      privilege: opts.privilege,
      user: account.user,
      group: account.group,
      createdUser: account.createUser || (previous?.createdUser === true && previous.user === account.user),
      createdGroup: account.createGroup || (previous?.createdGroup === true && previous.group === account.group),
      node,
      entry,
      files: [PATHS.plist, PATHS.newsyslog, PATHS.configFile, PATHS.installRecord, ...(opts.privilege === 'user' ? [PATHS.sudoers] : [])],
      dirs: [PATHS.configDir, PATHS.stateDir, PATHS.logDir],
    };
    await fx.write(PATHS.installRecord, JSON.stringify(record, null, 2) + '\n', 0o644, 'root:wheel');
  } catch (err) {
    const message = (err as Error).message;
    if (opts.dryRun) {
      ctx.err(`silicon-agent install --dry-run: ${message}`);
      return 1;
    }
    const real = fx as ReturnType<typeof realEffects>;
    const deps: LaunchctlDeps = { runner: ctx.runner, env: ctx.env, sleep: ctx.sleep, ...launchctlTiming(ctx.env) };
    let unloadProblem: string | undefined;
    try {
      await bootoutAndWait(deps);
    } catch (e) {
      unloadProblem = (e as Error).message;
    }
    const failed = await real.rollback();
    ctx.err(`silicon-agent install failed: ${message}`);
    if (failed.length === 0 && !unloadProblem) {
      ctx.err(previous
        ? `every change of this run was undone and the previous files were restored; the job is not loaded: fix the problem and run install again (or \`sudo launchctl bootstrap system ${PATHS.plist}\` to start the previous version)`
        : 'every change of this run was undone; nothing is installed');
    } else {
      ctx.err('could not undo everything; left over:');
      for (const f of [...failed, ...(unloadProblem ? [unloadProblem] : [])]) ctx.err(`  ${f}`);
      ctx.err('run `sudo silicon-agent uninstall` to remove the rest');
    }
    return 1;
  }
  if (!opts.dryRun) {
    (fx as ReturnType<typeof realEffects>).commit();
    say(`installed ${LABEL}: running as ${opts.privilege === 'root' ? 'root' : account.user}, config ${PATHS.configFile}, logs ${PATHS.logDir}/agent.log`);
    say(`check it with: sudo silicon-agent status   and   sudo silicon-agent doctor`);
  }
  return 0;
}

/** Tests shorten launchctl's polling with SILICON_AGENT_TEST_DRAIN_MS (honoured only under a fake root). */
export function launchctlTiming(env: NodeJS.ProcessEnv): { drainTimeoutMs?: number; pollMs?: number } {
  if (env.SILICON_AGENT_ROOT && env.SILICON_AGENT_TEST_DRAIN_MS && /^\d+$/.test(env.SILICON_AGENT_TEST_DRAIN_MS)) {
    return { drainTimeoutMs: Number(env.SILICON_AGENT_TEST_DRAIN_MS), pollMs: 1 };
  }
  return {};
}

export async function main(argv: string[]): Promise<number> {
  return runCommand(argv, parseInstallArgs, install);
}
