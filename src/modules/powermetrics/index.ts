/**
 * powermetrics: CPU/GPU/ANE power and energy, cluster and per-CPU frequency and residency per die,
 * GPU frequency and residency, thermal pressure. One long-lived root child streaming plist documents.
 */
import { z } from 'zod';
import { binary } from '../../sources/binaries.ts';
import { byteSearch } from '../../sources/native.ts';
import { firstOutput, showCommand, describeFailure } from '../../sources/probe.ts';
import type { DoctorCheck, SourceModule } from '../module.ts';
import { sourceConfig } from '../module.ts';
import { powermetricsSampleProblem } from './check.ts';
import { APP_GROUPINGS, POWERMETRICS_METRICS } from './metrics.ts';
import type { ByteSearch } from './document.ts';
import { createPowermetricsParser } from './parser.ts';
import { plistUnits } from './replay-units.ts';
import { PowermetricsSample } from './sample.ts';
import { DEFAULT_TOP_APPS, MAX_TOP_APPS } from './apps.ts';
import { createPowermetricsSource, DEFAULT_SAMPLERS, POWERMETRICS_SAMPLERS, powermetricsCommandLine } from './source.ts';

export const PowermetricsConfig = sourceConfig(5000, {
  /** `tasks` (per-app usage) is opt-in: add it to the list; it brings TASKS_FLAGS (source.ts). */
  samplers: z.array(z.enum(POWERMETRICS_SAMPLERS)).min(1).default([...DEFAULT_SAMPLERS]),
  /** Apps with their own series when `tasks` is on; the rest are summed as `other` (./apps.ts). */
  topApps: z.number().int().min(1).max(MAX_TOP_APPS).default(DEFAULT_TOP_APPS),
  /** Run powermetrics through `sudo -n` when the agent is not root (needs a sudoers rule). */
  sudo: z.boolean().default(false),
});
export type PowermetricsConfig = z.infer<typeof PowermetricsConfig>;

const W = (w: number | undefined) => (w === undefined ? '-' : `${w.toFixed(2)} W`);
const MHZ = (hz: number | undefined) => (hz === undefined ? '-' : `${Math.round(hz / 1e6)} MHz`);
const withSearch = (search: ByteSearch | undefined) => (search === undefined ? {} : { search });

const PCT = (r: number | undefined) => (r === undefined ? '-' : `${(r * 100).toFixed(1)} %`);

const commandLine = (c: PowermetricsConfig, sudo: boolean, env: NodeJS.ProcessEnv) =>
  powermetricsCommandLine({
    intervalMs: c.intervalMs,
    samplers: c.samplers,
    sudo,
    command: binary('powermetrics', undefined, env),
    sudoCommand: binary('sudo', undefined, env),
  });

export const powermetrics: SourceModule<PowermetricsSample, PowermetricsConfig> = {
  name: 'powermetrics',
  title: 'powermetrics: power, energy, CPU and GPU',
  config: PowermetricsConfig,
  sample: PowermetricsSample,
  check(sample) {
    const p = powermetricsSampleProblem(sample);
    return p && { path: p.path === '' ? [] : p.path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)), message: p.message };
  },
  // The addon's `</plist>` search where it loads (same answers as without: test/modules/powermetrics/search.test.ts).
  parser: () => createPowermetricsParser(withSearch(byteSearch())),
  live: (c, ctx) =>
    createPowermetricsSource({
      intervalMs: c.intervalMs,
      samplers: c.samplers,
      topApps: c.topApps,
      ...withSearch(byteSearch(ctx.native)),
      sudo: c.sudo,
      command: binary('powermetrics', undefined, ctx.env),
      sudoCommand: binary('sudo', undefined, ctx.env),
      logger: ctx.logger,
      ...(ctx.timing ? { timing: ctx.timing } : {}),
      ...(ctx.onRestart ? { onRestart: ctx.onRestart } : {}),
    }),
  // A quick snapshot at 1 s, unless through sudo: the sudoers rule allows the configured command lines only.
  quick: (c) => (c.sudo ? c : { ...c, intervalMs: Math.min(c.intervalMs, 1000) }),
  replay: { file: 'powermetrics.plist', mode: { kind: 'stream', units: plistUnits } },
  metrics: POWERMETRICS_METRICS,
  attributes: {
    'silicon_agent.cpu.cluster': { doc: 'Cluster name without the `-Cluster` suffix: `E0`, `P1`, `S`, `M0`, … (at most 8 per die).' },
    'silicon_agent.cpu.kind': { doc: "Core tier, the cluster name's letter: `E`, `P`, `S`, `M` (kept as printed for future tiers)." },
    'silicon_agent.app.name': {
      doc: 'An app (tasks sampler): the coalition name powermetrics prints (usually a bundle id, e.g. `com.docker.docker`), or the process name when there are no coalitions; `other` for every app outside the top N. At most `topApps` + 1 values at a time.',
    },
    'silicon_agent.app.grouping': { doc: 'What `silicon_agent.app.name` names: a `coalition` (an app and its helpers), a `process` name, or `other`.', values: APP_GROUPINGS },
    'process.executable.name': { doc: 'semconv: the process name, on per-app series that are processes (no coalitions); the same value as `silicon_agent.app.name`.' },
    'disk.io.direction': { doc: 'semconv: disk I/O direction.', values: ['read', 'write'] },
    'network.io.direction': { doc: 'semconv: network I/O direction.', values: ['receive', 'transmit'] },
  },
  dropReasons: ['above_ceiling', 'negative', 'beyond_dvfs'],
  dump: {
    kind: 'stream',
    // Root runs powermetrics directly; anyone else goes through the installed rule (sudo -n: no prompt).
    argv: (ctx) => commandLine(ctx.config, !ctx.root, ctx.env),
    intervalMs: (c) => c.intervalMs,
    complete: (bytes) => bytes.includes('</plist>'),
  },
  describe: (r) =>
    `powermetrics ${r.timestamp ?? ''} ${r.elapsedS.toFixed(3)} s, cpu ${r.cpu?.powerW.toFixed(3) ?? '-'} W, gpu ${r.gpu?.powerW.toFixed(3) ?? '-'} W, ${r.clusters.length} clusters on ${r.dies} die(s)`,
  sections: [
    {
      heading: 'Power (powermetrics)',
      rows: (pm) => [
        ['CPU', W(pm.cpu?.powerW), 'GPU', W(pm.gpu?.powerW), 'ANE', W(pm.ane?.powerW), 'combined', W(pm.combined?.powerW)],
        ['window', `${pm.elapsedS.toFixed(3)} s`, 'thermal pressure', pm.thermalPressure?.raw ?? '-'],
      ],
    },
    {
      heading: 'CPU clusters',
      rows: (pm) => [
        ['die', 'cluster', 'freq', 'active', 'cpus'],
        ...[...pm.clusters].sort((a, b) => a.die - b.die).map((c) => [String(c.die), c.name, MHZ(c.freqHz), PCT(c.activeRatio), c.cpus.join(',')]),
      ],
    },
    { heading: 'GPU', rows: (pm) => [['freq', MHZ(pm.gpuFreqHz), 'active', PCT(pm.gpuActiveRatio), 'power', W(pm.gpu?.powerW)]] },
  ],
  async doctor(ctx): Promise<DoctorCheck[]> {
    const c = ctx.config;
    const root = ctx.uid === 0;
    const out: DoctorCheck[] = [];
    if (c.sudo) {
      // The rule must cover the configured line for the agent's user.
      const plain = commandLine(c, false, ctx.env);
      const sudoFile = binary('sudo', undefined, ctx.env);
      const forOther = root && ctx.agentUser !== undefined;
      const listArgs = forOther ? ['-n', '-l', '-U', ctx.agentUser!, ...plain] : ['-n', '-l', ...plain];
      const l = await ctx.run(sudoFile, listArgs);
      const who = forOther ? ctx.agentUser! : 'this user';
      out.push(
        l.exitCode === 0
          ? { name: 'sudoers rule', status: 'pass', detail: `${who} may run \`${showCommand(plain[0]!, plain.slice(1))}\` without a password` }
          : {
              name: 'sudoers rule',
              status: 'fail',
              detail: `${who} may not run the configured powermetrics line through sudo -n (re-run \`sudo silicon-agent install\` after changing sources.powermetrics): ${describeFailure(sudoFile, listArgs, l)}`,
            },
      );
    } else if (!root) {
      return [{ name: 'powermetrics', status: 'fail', detail: 'the agent runs powermetrics as root (sources.powermetrics.sudo is false), but doctor is not root: run `sudo silicon-agent doctor`' }];
    }
    const line = commandLine(c, c.sudo && !root, ctx.env);
    const timeout = c.intervalMs + 5000;
    const r = await firstOutput(line[0]!, line.slice(1), ctx.env, timeout, (o) => o.includes('</plist>'));
    const cmd = showCommand(line[0]!, line.slice(1));
    if (r.ok) out.push({ name: 'powermetrics', status: 'pass', detail: `\`${cmd}\` produced a plist document` });
    else if (r.notFound) out.push({ name: 'powermetrics', status: 'fail', detail: `${line[0]} not found` });
    else {
      const why = r.err.trim() ? `: ${r.err.trim().split('\n')[0]}` : r.exitCode !== undefined ? ` (exit ${r.exitCode})` : '';
      out.push({ name: 'powermetrics', status: 'fail', detail: `\`${cmd}\` gave no plist document within ${timeout / 1000} s${why}` });
    }
    return out;
  },
};
