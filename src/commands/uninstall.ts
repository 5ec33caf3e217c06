/**
 * `silicon-agent uninstall [--dry-run] [--keep-logs]`: stop and unload the job (waiting until launchd
 * has really let go), then remove every path `install` writes — plist, sudoers rule, newsyslog file,
 * config directory, state directory, log directory (unless --keep-logs) — and the user and group if
 * install created them (install.json says so; an account install found existing is left alone).
 * Safe to run twice: what is already gone is skipped.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { dryRunEffects, realEffects } from '../launchd/effects.ts';
import { PATHS } from '../launchd/job.ts';
import { bootoutAndWait, SERVICE } from '../launchd/launchctl.ts';
import { readRecord } from '../launchd/record.ts';
import { runCommand, type CommandContext, type ParsedArgs } from '../system/context.ts';
import { onDisk, refuseReason } from '../system/host.ts';
import { tool } from '../system/runner.ts';
import { launchctlTiming } from './install.ts';

export interface UninstallOptions {
  dryRun: boolean;
  keepLogs: boolean;
}

export const UNINSTALL_USAGE = `usage: silicon-agent uninstall [--dry-run] [--keep-logs]
  --dry-run     print what would be removed; change nothing
  --keep-logs   leave ${PATHS.logDir} in place`;

export function parseUninstallArgs(argv: string[]): ParsedArgs<UninstallOptions> {
  try {
    const { values: v } = parseArgs({
      args: argv,
      strict: true,
      options: { 'dry-run': { type: 'boolean', default: false }, 'keep-logs': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (v.help) return { ok: false, help: true, error: UNINSTALL_USAGE };
    return { ok: true, opts: { dryRun: v['dry-run'], keepLogs: v['keep-logs'] } };
  } catch (err) {
    return { ok: false, error: `${(err as Error).message}\n${UNINSTALL_USAGE}` };
  }
}

export async function uninstall(opts: UninstallOptions, ctx: CommandContext): Promise<number> {
  if (!opts.dryRun) {
    const refuse = refuseReason(ctx.host, 'uninstall');
    if (refuse) {
      ctx.err(refuse);
      return 1;
    }
  }
  const record = readRecord(onDisk(ctx.host, PATHS.installRecord));
  const real = opts.dryRun ? undefined : realEffects(ctx);
  const fx = real ?? dryRunEffects(ctx);
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };

  if (opts.dryRun) {
    ctx.out('# silicon-agent uninstall --dry-run: nothing is changed; a real run would do this:');
    ctx.out(`$ ${tool('launchctl', ctx.env)} bootout ${SERVICE}    # only if loaded; then poll until \`launchctl print\` fails`);
  } else {
    await attempt('unloading the job', async () => {
      if (await bootoutAndWait({ runner: ctx.runner, env: ctx.env, sleep: ctx.sleep, ...launchctlTiming(ctx.env) })) ctx.out(`stopped and unloaded ${SERVICE}`);
    });
    if (problems.length > 0) {
      // Removing the files of a job launchd still runs would leave it orphaned: stop here.
      for (const p of problems) ctx.err(`silicon-agent uninstall: ${p}`);
      ctx.err('nothing was removed; retry once the job is gone');
      return 1;
    }
  }

  const paths = [PATHS.plist, PATHS.sudoers, PATHS.newsyslog, PATHS.configDir, PATHS.stateDir, ...(opts.keepLogs ? [] : [PATHS.logDir])];
  let removed = 0;
  for (const p of paths) {
    if (!opts.dryRun && !existsSync(onDisk(ctx.host, p))) continue;
    await attempt(`removing ${p}`, () => fx.remove(p));
    if (!opts.dryRun) ctx.out(`removed ${p}`);
    removed++;
  }
  if (record?.createdUser || record?.createdGroup) {
    if (record.createdUser) await attempt(`deleting user ${record.user}`, () => fx.run('dscl', ['.', '-delete', `/Users/${record.user}`]));
    if (record.createdGroup) await attempt(`deleting group ${record.group}`, () => fx.run('dscl', ['.', '-delete', `/Groups/${record.group}`]));
    if (!opts.dryRun) ctx.out(`deleted the account install created (${record.user})`);
  } else if (record && record.privilege === 'user') {
    ctx.out(`# the user ${record.user} existed before install: left in place`);
  }
  if (opts.keepLogs) ctx.out(`kept ${PATHS.logDir}`);
  if (problems.length > 0) {
    for (const p of problems) ctx.err(`silicon-agent uninstall: ${p}`);
    return 1;
  }
  if (!opts.dryRun) ctx.out(removed === 0 && !record ? 'nothing was installed' : 'silicon-agent is uninstalled');
  real?.commit(); // nothing to undo: an uninstall is not rolled back
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  return runCommand(argv, parseUninstallArgs, uninstall);
}
