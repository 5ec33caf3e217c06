/**
 * `silicon-agent doctor [--config FILE]`: check this node the way the agent will use it, print a
 * PASS/FAIL/WARN table, exit 1 on any FAIL (WARN: could not tell, never fails the run).
 *
 * Checks: macOS; the installed layout (doctor-layout.ts: dist/, the addon's build, launchd/);
 * the configuration is valid; powermetrics runs with the configured privilege (as
 * root directly, or through `sudo -n` with the exact command line — and, when doctor runs as root
 * for an unprivileged install, that the sudoers rule lets the agent user run that line); the SMC
 * addon loads and opens AppleSMC; iostat and vm_stat run and parse; the OTLP endpoint answers HTTP;
 * the Prometheus port is served by the running agent or free for it; the clock agrees with the OTLP
 * endpoint's `Date` header. Every check is a function of injectable dependencies (tests use fakes).
 */
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, otlpMetricsUrl, type Config } from '../config.ts';
import { PATHS } from '../launchd/job.ts';
import { jobState } from '../launchd/launchctl.ts';
import { readRecord } from '../launchd/record.ts';
import type { AnyModule, BaseSourceConfig, DoctorCheck } from '../modules/module.ts';
import { MODULES } from '../registry.ts';
import type { NativeLoader } from '../sources/native.ts';
import { loadNative } from '../sources/native.ts';
import { checkLayout } from './doctor-layout.ts';
import { redactUrl } from '../secrets.ts';
import { defaultContext, runCommand, type CommandContext, type ParsedArgs } from '../system/context.ts';
import { onDisk } from '../system/host.ts';

export type CheckStatus = 'PASS' | 'FAIL' | 'WARN';
export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface DoctorDeps {
  /** The native addon loader (tests pass their own). */
  native?: NativeLoader;
  fetch?: typeof fetch;
  /** Largest tolerated clock difference with the OTLP endpoint (default 5 s). */
  maxSkewMs?: number;
  /** The installed layout's rows (default: doctor-layout.ts on this package). */
  layout?: () => CheckResult[];
}

const pass = (name: string, detail: string): CheckResult => ({ name, status: 'PASS', detail });
const fail = (name: string, detail: string): CheckResult => ({ name, status: 'FAIL', detail });
const warn = (name: string, detail: string): CheckResult => ({ name, status: 'WARN', detail });

const STATUS: Record<DoctorCheck['status'], CheckStatus> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

/** Each enabled source's own checks (its module's `doctor`), in registry order. */
async function checkSources(ctx: CommandContext, config: Config, agentUser: string | undefined, native: NativeLoader): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const m of MODULES as readonly AnyModule[]) {
    const c = (config.sources as Record<string, BaseSourceConfig>)[m.name];
    if (!c?.enabled) {
      out.push(warn(m.name, 'disabled in the configuration'));
      continue;
    }
    if (!m.doctor) continue;
    try {
      const checks = await m.doctor({
        config: c,
        env: ctx.env,
        uid: ctx.host.uid,
        native,
        run: (file, args, o) => ctx.runner.run(file, args, o),
        ...(agentUser !== undefined ? { agentUser } : {}),
      });
      for (const ch of checks) out.push({ name: ch.name, status: STATUS[ch.status], detail: ch.detail });
    } catch (err) {
      out.push(fail(m.name, `the check failed: ${(err as Error)?.message ?? String(err)}`));
    }
  }
  return out;
}

export async function checkOtlp(config: Config, f: typeof fetch, now: () => Date, maxSkewMs: number): Promise<CheckResult[]> {
  const o = config.exporters.otlp;
  if (!o.enabled) return [warn('OTLP endpoint', 'OTLP export is disabled'), warn('clock', 'not checked (no OTLP endpoint to compare with)')];
  const target = otlpMetricsUrl(config);
  const url = redactUrl(target);
  const started = now().getTime();
  let res: Response;
  try {
    res = await f(target, {
      method: 'POST',
      headers: { 'content-type': o.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf', ...o.headers },
      body: o.protocol === 'http/json' ? '{}' : new Uint8Array(0),
      signal: AbortSignal.timeout(Math.min(o.timeoutMs, 10_000)),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return [fail('OTLP endpoint', `${url} did not answer: ${cause?.code ?? cause?.message ?? (err as Error).message}`), warn('clock', 'not checked (the OTLP endpoint did not answer)')];
  }
  const ended = now().getTime();
  await res.arrayBuffer().catch(() => undefined);
  const endpoint = res.status < 500
    ? pass('OTLP endpoint', `${url} answered HTTP ${res.status}${res.status >= 400 ? ' (reachable; an empty request may be refused)' : ''}`)
    : fail('OTLP endpoint', `${url} answered HTTP ${res.status}`);
  const date = res.headers.get('date');
  const serverMs = date ? Date.parse(date) : NaN;
  if (!Number.isFinite(serverMs)) return [endpoint, warn('clock', 'the OTLP endpoint sent no Date header to compare with')];
  // Date has whole seconds: allow the request time plus one second of truncation.
  const mid = (started + ended) / 2;
  const skew = mid - serverMs;
  const slack = (ended - started) / 2 + 1000;
  const off = Math.abs(skew) > slack ? Math.abs(skew) - slack : 0;
  const clock = off <= maxSkewMs
    ? pass('clock', `within ${Math.ceil((off + slack) / 1000)} s of the OTLP endpoint's clock`)
    : fail('clock', `${(skew / 1000).toFixed(0)} s ${skew > 0 ? 'ahead of' : 'behind'} the OTLP endpoint's clock: check time sync (System Settings → Date & Time, or \`sudo sntp -sS time.apple.com\`)`);
  return [endpoint, clock];
}

function canListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.listen(port, host, () => s.close(() => resolve(undefined)));
  });
}

export async function checkPrometheus(config: Config, agentRunning: boolean, f: typeof fetch): Promise<CheckResult> {
  const p = config.exporters.prometheus;
  if (!p.enabled) return warn('Prometheus port', 'the Prometheus endpoint is disabled');
  const where = `${p.host}:${p.port}`;
  if (agentRunning) {
    try {
      const r = await f(`http://${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}${p.path}`, { signal: AbortSignal.timeout(5000) });
      const body = await r.text();
      return r.ok && body.includes('silicon_agent_')
        ? pass('Prometheus port', `the agent serves ${where}${p.path}`)
        : fail('Prometheus port', `${where}${p.path} answered HTTP ${r.status} without the agent's metrics (another program on the port?)`);
    } catch (err) {
      return fail('Prometheus port', `the agent is running but ${where}${p.path} did not answer: ${(err as Error).message}`);
    }
  }
  const why = await canListen(p.host, p.port);
  return why === undefined ? pass('Prometheus port', `${where} is free for the agent`) : fail('Prometheus port', `cannot listen on ${where}: ${why} (in use by another program?)`);
}

export async function runChecks(ctx: CommandContext, configFile: string | undefined, deps: DoctorDeps = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  results.push(ctx.host.platform === 'darwin' ? pass('macOS', 'running on macOS') : fail('macOS', `this is ${ctx.host.platform}: the live sources exist only on macOS (replays work anywhere)`));
  results.push(...(deps.layout ?? checkLayout)());
  let config: Config | undefined;
  try {
    const installed = onDisk(ctx.host, PATHS.configFile);
    const file = configFile ?? (existsSync(installed) ? installed : undefined);
    config = loadConfig({ ...(file !== undefined ? { file } : {}), env: ctx.env }).config;
    results.push(pass('config', file ? `${file} is valid` : 'no config file: built-in defaults and environment are valid'));
  } catch (err) {
    results.push(fail('config', err instanceof ConfigError ? err.message : (err as Error).message));
  }
  if (!config) return results;
  const record = readRecord(onDisk(ctx.host, PATHS.installRecord));
  const agentUser = record?.privilege === 'user' ? record.user : undefined;
  results.push(...(await checkSources(ctx, config, agentUser, deps.native ?? loadNative)));
  const f = deps.fetch ?? fetch;
  results.push(...(await checkOtlp(config, f, ctx.now, deps.maxSkewMs ?? 5000)));
  const job = await jobState({ runner: ctx.runner, env: ctx.env });
  results.push(await checkPrometheus(config, job.loaded && job.state === 'running', f));
  return results;
}

export function formatTable(results: CheckResult[]): string[] {
  const w = Math.max(5, ...results.map((r) => r.name.length));
  return [`${'check'.padEnd(w)}  result  detail`, ...results.map((r) => `${r.name.padEnd(w)}  ${r.status.padEnd(6)}  ${r.detail}`)];
}

export const DOCTOR_USAGE = `usage: silicon-agent doctor [--config FILE]
  --config FILE   check this configuration file (default: the installed one, else built-in defaults)
Exit status: 0 no check failed, 1 at least one FAIL, 64 usage.`;

export function parseDoctorArgs(argv: string[]): ParsedArgs<{ config: string | undefined }> {
  try {
    const v = parseArgs({ args: argv, strict: true, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } }).values;
    return v.help ? { ok: false, help: true, error: DOCTOR_USAGE } : { ok: true, opts: { config: v.config } };
  } catch (err) {
    return { ok: false, error: `${(err as Error).message}\n${DOCTOR_USAGE}` };
  }
}

export async function doctor(argv: string[], ctx: CommandContext, deps: DoctorDeps = {}): Promise<number> {
  return runCommand(argv, parseDoctorArgs, async ({ config }) => {
    const results = await runChecks(ctx, config, deps);
    for (const l of formatTable(results)) ctx.out(l);
    const failed = results.filter((r) => r.status === 'FAIL').length;
    ctx.out(failed === 0 ? 'all checks passed' : `${failed} check(s) failed`);
    return failed === 0 ? 0 : 1;
  }, ctx);
}

export async function main(argv: string[]): Promise<number> {
  return doctor(argv, defaultContext());
}
