/**
 * powermetrics as a Source: ONE long-lived child streaming plist documents
 * (`/usr/bin/powermetrics -f plist -b 0 -i <ms> --samplers <list>`), parsed by the powermetrics
 * stream parser, supervised by the child runner (src/sources/child.ts).
 *
 * Flags (reference §1.1–1.3):
 * - `-f plist`: NUL-separated plist documents, one per interval; the parser frames on `</plist>`.
 * - `-b 0` (no output buffering): stdout is a pipe, and a buffered tail would hold part of each
 *   document until the next interval arrives. GMT runs powermetrics with `-b 0` in production and its
 *   29-document capture (fixtures/powermetrics/m1-pro-…-29samples…) is clean; the effect on latency
 *   itself is UNVERIFIED (reference §8.4).
 * - no `-a`: the same GMT capture was taken with the default `-a 10` and has 29 ordinary documents
 *   (no averaged extra document after the 10th or 20th), so `-a` does not inject documents into a
 *   plist stream there; we leave it at the default rather than add another unverified flag.
 * - no `-n`: run forever (the `-n` default changed meaning across releases, reference §1.1).
 *
 * Privileges: powermetrics needs root. A root LaunchDaemon runs it directly; otherwise set `sudo`
 * and the child is `sudo -n /usr/bin/powermetrics …` (never prompts). The installer writes a
 * sudoers rule for the command lines `powermetricsCommandLine` builds, so both must use
 * `powermetricsArgs`. Without root, powermetrics prints `powermetrics must be invoked as the
 * superuser` and exits: the source becomes `unavailable` with one reason and retries every 60 s.
 */
import type { Logger } from '../../log.ts';
import { binary } from '../../sources/binaries.ts';
import { budgetActions, MAX_LEVEL } from '../../sources/budget-ladder.ts';
import type { ChildSource, ChildTiming, RestartInfo } from '../../sources/child.ts';
import { createChildSource } from '../../sources/child.ts';
import { createPowermetricsParser } from './parser.ts';
import type { ByteSearch } from './document.ts';

/** powermetrics samplers the parser understands (reference §1.2). `tasks`: per-app usage, opt-in. */
export const POWERMETRICS_SAMPLERS = ['cpu_power', 'gpu_power', 'ane_power', 'thermal', 'tasks'] as const;
/** The default: everything but `tasks` (its documents are 120 KB and more; turn it on per node). */
export const DEFAULT_SAMPLERS = ['cpu_power', 'gpu_power', 'ane_power', 'thermal'] as const;
/** The detail powermetrics sheds first under the budget (./budget-ladder.ts "costliest", from level 1). */
export const COSTLIEST_SAMPLERS: readonly string[] = ['tasks'];
/** The detail powermetrics sheds next under the budget (./budget-ladder.ts "secondary"). */
export const SECONDARY_SAMPLERS: readonly string[] = ['ane_power', 'gpu_power'];
/**
 * Flags added with the `tasks` sampler: apps as coalitions, and the per-process GPU time, energy
 * impact, disk and network figures (the flag set of the real M1 Pro capture, reference §1.1).
 */
export const TASKS_FLAGS: readonly string[] = [
  '--show-process-coalition',
  '--show-process-gpu',
  '--show-process-energy',
  '--show-process-io',
  '--show-process-netstats',
];

/** The samplers and interval the budget level asks for, from the configured ones. */
export function budgetedRun(level: number, intervalMs: number, samplers: readonly string[]): { intervalMs: number; samplers: readonly string[] } {
  const a = budgetActions(level, 'heavy');
  let kept = a.shedCostly ? samplers.filter((s) => !COSTLIEST_SAMPLERS.includes(s)) : samplers;
  if (a.shedSecondary) kept = kept.filter((s) => !SECONDARY_SAMPLERS.includes(s));
  return { intervalMs: intervalMs * a.intervalFactor, samplers: kept.length > 0 ? kept : samplers };
}

/**
 * Every powermetrics argument list the agent can run for this configuration: the configured one and
 * each variant the budget can degrade to. A finite list, so the installer's sudoers rule needs no wildcard.
 */
export function powermetricsArgsAtEveryLevel(intervalMs: number, samplers: readonly string[]): string[][] {
  const out = new Map<string, string[]>();
  for (let level = 0; level <= MAX_LEVEL; level++) {
    const r = budgetedRun(level, intervalMs, samplers);
    const args = powermetricsArgs(r.intervalMs, r.samplers);
    out.set(args.join('\u0000'), args);
  }
  return [...out.values()];
}

/** powermetrics' arguments (without the executable). Reused by the installer's sudoers rule. */
export function powermetricsArgs(intervalMs: number, samplers: readonly string[] = DEFAULT_SAMPLERS): string[] {
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError(`powermetrics interval must be a positive integer ms, got ${intervalMs}`);
  if (samplers.length === 0) throw new RangeError('powermetrics needs at least one sampler');
  for (const s of samplers)
    if (!/^[a-z_]+$/.test(s)) throw new RangeError(`not a powermetrics sampler name: ${JSON.stringify(s)}`);
  const args = ['-f', 'plist', '-b', '0', '-i', String(intervalMs), '--samplers', samplers.join(',')];
  return samplers.includes('tasks') ? [...args, ...TASKS_FLAGS] : args;
}

export interface PowermetricsCommandOptions {
  intervalMs: number;
  samplers?: readonly string[];
  sudo?: boolean;
  /** powermetrics executable (default /usr/bin/powermetrics, see binaries.ts). */
  command?: string;
  /** sudo executable (default /usr/bin/sudo). */
  sudoCommand?: string;
}

/** The full command line [file, ...args] the source runs; `sudo -n <powermetrics> …` when sudo is set. */
export function powermetricsCommandLine(o: PowermetricsCommandOptions): string[] {
  const pm = binary('powermetrics', o.command);
  const args = powermetricsArgs(o.intervalMs, o.samplers ?? DEFAULT_SAMPLERS);
  return o.sudo ? [binary('sudo', o.sudoCommand), '-n', pm, ...args] : [pm, ...args];
}

/** stderr lines that mean powermetrics cannot run as configured, with the one reason we report. */
export function powermetricsUnavailableReason(line: string): string | undefined {
  if (/must be invoked as the superuser/i.test(line))
    return 'powermetrics must run as root: run the agent as a LaunchDaemon, or set sources.powermetrics.sudo with the sudoers rule `silicon-agent install` writes';
  if (/^sudo:.*(password is required|a terminal is required|not allowed to execute|may not run sudo)/i.test(line) || /^Sorry, user .* is not allowed/i.test(line))
    return 'sudo -n refused to run powermetrics: no sudoers rule allows this exact command line (run `silicon-agent install`)';
  if (/^sudo:.*command not found/i.test(line)) return 'powermetrics: command not found (via sudo)';
  if (/unrecognized sampler/i.test(line)) return `powermetrics rejected the sampler list: ${line.slice(0, 160)}`;
  return undefined;
}

export interface PowermetricsSourceOptions {
  intervalMs: number;
  /** Apps with their own series (tasks sampler, default 10). */
  topApps?: number;
  /** The parser's `</plist>` search (PowermetricsOptions.search: the addon's, where it loads). */
  search?: ByteSearch;
  samplers?: readonly string[];
  sudo?: boolean;
  command?: string;
  sudoCommand?: string;
  logger?: Logger;
  timing?: Partial<ChildTiming>;
  onRestart?: (info: RestartInfo) => void;
}

export interface PowermetricsSource extends ChildSource {
  /** The samplers the running (or next) child uses. */
  readonly samplers: readonly string[];
}

export function createPowermetricsSource(opts: PowermetricsSourceOptions): PowermetricsSource {
  const configured: readonly string[] = [...(opts.samplers ?? DEFAULT_SAMPLERS)];
  let samplers: readonly string[] = configured;
  const line = (intervalMs: number) =>
    powermetricsCommandLine({ intervalMs, samplers, sudo: opts.sudo ?? false, command: opts.command, sudoCommand: opts.sudoCommand });
  const first = line(opts.intervalMs); // validates the options now, not at spawn
  const child = createChildSource({
    name: 'powermetrics',
    intervalMs: opts.intervalMs,
    file: first[0]!,
    args: (ms) => line(ms).slice(1),
    createParser: () =>
      createPowermetricsParser({ ...(opts.topApps === undefined ? {} : { topApps: opts.topApps }), ...(opts.search === undefined ? {} : { search: opts.search }) }),
    unavailableWhen: powermetricsUnavailableReason,
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.timing ? { timing: opts.timing } : {}),
    ...(opts.onRestart ? { onRestart: opts.onRestart } : {}),
  });
  return {
    name: 'powermetrics',
    get intervalMs() {
      return child.intervalMs;
    },
    get restarts() {
      return child.restarts;
    },
    get pid() {
      return child.pid;
    },
    get commandLine() {
      return child.commandLine;
    },
    get status() {
      return child.status;
    },
    get samplers() {
      return samplers;
    },
    start: (sink) => child.start(sink),
    stop: () => child.stop(),
    reconfigure: (change) => child.reconfigure(change),
    /** Heavy source (./budget-ladder.ts): interval × 2 and `tasks` shed from level 1, the secondary samplers shed from level 2. */
    async applyBudget(level) {
      const want = budgetedRun(level, opts.intervalMs, configured);
      if (want.intervalMs === child.intervalMs && want.samplers.join() === samplers.join()) return;
      powermetricsArgs(want.intervalMs, want.samplers); // validate first
      samplers = want.samplers;
      await child.reconfigure({ intervalMs: want.intervalMs });
    },
  };
}
