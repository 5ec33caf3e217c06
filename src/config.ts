/**
 * The agent's configuration: one JSON file validated by zod, with the standard OpenTelemetry
 * environment variables taking precedence over it. This schema is the single source of every
 * knob (README "## Configuration" documents them; the launchd installer writes files that
 * validate against it).
 *
 * Precedence, lowest first: schema defaults < config file (`--config FILE`, else
 * `$SILICON_AGENT_CONFIG`) < environment variables (OTEL_* and SILICON_AGENT_*).
 * A bad value, from the file or from the environment, is a `ConfigError` naming the field (and the
 * variable it came from); the CLI exits with 78 (EX_CONFIG from sysexits.h) on it.
 * Header values are secrets: no error message or log line ever contains one.
 */
import { isPathOnly } from './export/request-target.ts';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AnyModule } from './modules/module.ts';
import { MODULES, type SourcesConfig } from './registry.ts';
import { addSecrets, redactUrl, urlSecrets } from './secrets.ts';

/** sysexits.h EX_CONFIG: the exit code for a bad configuration. */
export const EX_CONFIG = 78;

export class ConfigError extends Error {
  /** Dotted path of the offending field (`exporters.otlp.timeoutMs`), or `(file)` for an unreadable file. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`invalid configuration: ${field}: ${message}`);
    this.name = 'ConfigError';
    this.field = field;
  }
}

/** `sources.<name>`: each module's own schema, every field defaulted (src/modules/<name>/index.ts). */
const SourcesSchema = z
  .strictObject(Object.fromEntries((MODULES as readonly AnyModule[]).map((m) => [m.name, m.config.prefault({})])))
  .prefault({}) as unknown as z.ZodType<SourcesConfig, unknown>;

const AttributeValue = z.union([z.string(), z.number(), z.boolean()]);

/** RFC 9110 §5.1: a field name is a token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 9110 §5.5: no control characters in a field value (horizontal tab allowed). */
const HEADER_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;
const HEADER_NAME_MESSAGE = 'a header name is not an HTTP token (headers are written key=value, not "key: value")';
const HEADER_VALUE_MESSAGE = 'a header value holds a control character';

/** An http(s) URL without whitespace or control characters (the URL parser would drop or encode them silently). */
const HttpUrl = z
  .url({ protocol: /^https?$/ })
  .refine((v) => !/[\s\x00-\x1f\x7f]/.test(v), 'must not hold whitespace or control characters');

export const ConfigSchema = z.strictObject({
  sources: SourcesSchema,
  exporters: z
    .strictObject({
      otlp: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** Base URL; `/v1/metrics` is appended (like OTEL_EXPORTER_OTLP_ENDPOINT). */
          endpoint: HttpUrl.default('http://localhost:4318'),
          /** Full metrics URL used as is (like OTEL_EXPORTER_OTLP_METRICS_ENDPOINT); wins over `endpoint`. */
          metricsEndpoint: HttpUrl.optional(),
          protocol: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
          headers: z.record(z.string().regex(HEADER_NAME, HEADER_NAME_MESSAGE), z.string().regex(HEADER_VALUE, HEADER_VALUE_MESSAGE)).default({}),
          timeoutMs: z.number().int().min(1).max(600_000).default(10_000),
          intervalMs: z.number().int().min(1000).max(3_600_000).default(15_000),
        })
        .prefault({}),
      prometheus: z
        .strictObject({
          enabled: z.boolean().default(true),
          host: z.string().regex(/^[A-Za-z0-9.:%_-]+$/, 'must be a host name or an IP address (no brackets, spaces or ports)').default('127.0.0.1'),
          port: z.number().int().min(0).max(65535).default(9464),
          path: z
            .string()
            .max(1024)
            .refine(isPathOnly, 'must be an absolute path of RFC 3986 path characters, such as /metrics')
            .default('/metrics'),
          /** Open connections at most; more are closed on arrival and counted (docs/security.md). */
          maxConnections: z.number().int().min(1).max(512).default(64),
        })
        .prefault({}),
    })
    .prefault({}),
  resource: z
    .strictObject({
      serviceName: z.string().min(1).default('silicon-agent'),
      /** Extra resource attributes; OTEL_RESOURCE_ATTRIBUTES wins over these. */
      attributes: z.record(z.string().min(1), AttributeValue).default({}),
    })
    .prefault({}),
  budget: z
    .strictObject({
      /** Agent + children CPU, percent of one core, averaged (docs/budget.md). */
      cpuPercent: z.number().positive().max(100).default(1),
      /** Agent + children resident memory. */
      rssMiB: z.number().positive().max(65_536).default(128),
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).prefault({}),
});
export type Config = z.infer<typeof ConfigSchema>;
/** What a config file may contain: every field optional. */
export type ConfigInput = z.input<typeof ConfigSchema>;

export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}

// ---------------------------------------------------------------------------------------------
// environment

type Env = Record<string, string | undefined>;

/** Parse a W3C-baggage-style `k=v,k2=v2` list (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES). */
export function parseKeyValueList(text: string, varName: string): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const raw of text.split(',')) {
    const item = raw.trim();
    n++;
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? '' : item.slice(0, eq).trim();
    // Never echo the item, nor its key: for headers a malformed key may hold the secret itself.
    if (key === '') throw new ConfigError(varName, `entry ${n}: expected a comma-separated list of key=value pairs`);
    try {
      out[decodeURIComponent(key)] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      throw new ConfigError(varName, `entry ${n}: bad percent-encoding`);
    }
  }
  return out;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let o = obj;
  for (const p of path.slice(0, -1)) {
    const next = o[p];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[path[path.length - 1]!] = value;
}

function getPath(obj: unknown, path: string[]): unknown {
  let o = obj;
  for (const p of path) {
    if (o === null || typeof o !== 'object') return undefined;
    o = (o as Record<string, unknown>)[p];
  }
  return o;
}

function intFromEnv(v: string, varName: string): number {
  if (!/^\s*\d+\s*$/.test(v)) throw new ConfigError(varName, 'expected a non-negative integer');
  return Number(v);
}

function boolFromEnv(v: string, varName: string): boolean {
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw new ConfigError(varName, 'expected true or false');
}

/**
 * Overlay the environment on a raw config object. Returns which dotted field each variable
 * set, so a validation error can name the variable too.
 */
export function applyEnv(raw: Record<string, unknown>, env: Env): Map<string, string> {
  const origin = new Map<string, string>();
  const set = (path: string, value: unknown, varName: string) => {
    setPath(raw, path.split('.'), value);
    origin.set(path, varName);
  };
  const first = (...names: string[]): [string, string] | undefined => {
    for (const n of names) {
      const v = env[n];
      if (v !== undefined && v.trim() !== '') return [n, v.trim()];
    }
    return undefined;
  };

  let e = first('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  if (e) set('exporters.otlp.metricsEndpoint', e[1], e[0]);
  e = first('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (e) set('exporters.otlp.endpoint', e[1], e[0]);
  e = first('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (e) set('exporters.otlp.protocol', e[1], e[0]);
  e = first('OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT');
  if (e) set('exporters.otlp.timeoutMs', intFromEnv(e[1], e[0]), e[0]);
  e = first('OTEL_METRIC_EXPORT_INTERVAL');
  if (e) set('exporters.otlp.intervalMs', intFromEnv(e[1], e[0]), e[0]);
  // Headers: the generic list first, the metrics-specific list overrides per key (both over the file).
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS']) {
    const v = env[name];
    if (v === undefined || v.trim() === '') continue;
    const prev = getPath(raw, ['exporters', 'otlp', 'headers']);
    const base = prev && typeof prev === 'object' && !Array.isArray(prev) ? (prev as Record<string, unknown>) : {};
    set('exporters.otlp.headers', { ...base, ...parseKeyValueList(v, name) }, name);
  }
  // OTEL_METRICS_EXPORTER: comma list of otlp, prometheus, none (spec: "Exporter Selection").
  e = first('OTEL_METRICS_EXPORTER');
  if (e) {
    const names = e[1].split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const bad = names.find((n) => !['otlp', 'prometheus', 'none'].includes(n));
    if (bad !== undefined) throw new ConfigError(e[0], `unknown exporter "${bad}" (expected otlp, prometheus or none)`);
    set('exporters.otlp.enabled', names.includes('otlp'), e[0]);
    set('exporters.prometheus.enabled', names.includes('prometheus'), e[0]);
  }
  e = first('OTEL_EXPORTER_PROMETHEUS_HOST');
  if (e) set('exporters.prometheus.host', e[1], e[0]);
  e = first('OTEL_EXPORTER_PROMETHEUS_PORT');
  if (e) set('exporters.prometheus.port', intFromEnv(e[1], e[0]), e[0]);
  e = first('SILICON_AGENT_PROMETHEUS_ENABLED');
  if (e) set('exporters.prometheus.enabled', boolFromEnv(e[1], e[0]), e[0]);
  e = first('SILICON_AGENT_OTLP_ENABLED');
  if (e) set('exporters.otlp.enabled', boolFromEnv(e[1], e[0]), e[0]);
  e = first('SILICON_AGENT_LOG_LEVEL');
  if (e) set('log.level', e[1], e[0]);
  // Resource: OTEL_RESOURCE_ATTRIBUTES over the file's attributes, then OTEL_SERVICE_NAME as service.name
  // over both (the spec's precedence); src/export/resource.ts falls back to resource.serviceName.
  const attrsVar = env.OTEL_RESOURCE_ATTRIBUTES;
  const serviceVar = env.OTEL_SERVICE_NAME?.trim();
  if ((attrsVar !== undefined && attrsVar.trim() !== '') || serviceVar) {
    const prev = getPath(raw, ['resource', 'attributes']);
    const merged: Record<string, unknown> = prev && typeof prev === 'object' && !Array.isArray(prev) ? { ...(prev as Record<string, unknown>) } : {};
    let from = 'OTEL_RESOURCE_ATTRIBUTES';
    if (attrsVar !== undefined && attrsVar.trim() !== '') Object.assign(merged, parseKeyValueList(attrsVar, 'OTEL_RESOURCE_ATTRIBUTES'));
    if (serviceVar) {
      merged['service.name'] = serviceVar;
      from = attrsVar !== undefined && attrsVar.trim() !== '' ? 'OTEL_RESOURCE_ATTRIBUTES or OTEL_SERVICE_NAME' : 'OTEL_SERVICE_NAME';
    }
    set('resource.attributes', merged, from);
  }
  return origin;
}

// ---------------------------------------------------------------------------------------------
// loading

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key' && issue.path.join('.').startsWith('exporters.otlp.headers')) return HEADER_NAME_MESSAGE;
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}

/** Validate a raw config object (file contents with the environment applied). */
export function validateConfig(raw: unknown, origin: Map<string, string> = new Map()): Config {
  const r = ConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  // A headers entry is never named: a malformed entry's "key" may hold the credential itself
  // (`Authorization: Basic …=` splits at the padding's "="), and zod's messages never quote values.
  let path = issue.path.map(String);
  if (path.slice(0, 3).join('.') === 'exporters.otlp.headers') path = path.slice(0, 3);
  const field = path.length > 0 ? path.join('.') : '(root)';
  let from = origin.get(field);
  while (from === undefined && path.length > 0) {
    path = path.slice(0, -1);
    from = origin.get(path.join('.'));
  }
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem(s))` : '';
  throw new ConfigError(field, `${describeIssue(issue)}${from ? ` (from ${from})` : ''}${more}`);
}

export interface LoadOptions {
  /** `--config FILE`; falls back to $SILICON_AGENT_CONFIG; no file means defaults + environment. */
  file?: string;
  env?: Env;
}

export interface LoadedConfig {
  config: Config;
  /** The file read, if any. */
  file?: string;
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const file = opts.file ?? (env.SILICON_AGENT_CONFIG?.trim() || undefined);
  let raw: unknown = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError('(file)', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ConfigError('(file)', `${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new ConfigError('(root)', `${file} must hold a JSON object`);
  }
  const origin = applyEnv(raw as Record<string, unknown>, env);
  registerSecrets(raw);
  const config = validateConfig(raw, origin);
  return file !== undefined ? { config, file } : { config };
}

/**
 * Register the configuration's secrets for scrubbing (src/secrets.ts) before anything can print
 * them, an error about them included: header values, and a URL's password and query.
 */
function registerSecrets(raw: unknown): void {
  const otlp = getPath(raw, ['exporters', 'otlp']);
  if (!otlp || typeof otlp !== 'object') return;
  const o = otlp as Record<string, unknown>;
  const headers = o.headers;
  if (headers && typeof headers === 'object' && !Array.isArray(headers))
    addSecrets(Object.values(headers).filter((v): v is string => typeof v === 'string'));
  for (const u of [o.endpoint, o.metricsEndpoint]) if (typeof u === 'string') addSecrets(urlSecrets(u));
}

// ---------------------------------------------------------------------------------------------
// derived values

/** The URL the OTLP exporter posts to. */
export function otlpMetricsUrl(config: Config): string {
  const o = config.exporters.otlp;
  if (o.metricsEndpoint) return o.metricsEndpoint;
  return o.endpoint.replace(/\/+$/, '') + '/v1/metrics';
}

/** A copy safe to log: header values, and the URLs' user:password and query, replaced by `[redacted]`. */
export function redactedConfig(config: Config): unknown {
  const o = config.exporters.otlp;
  return {
    ...config,
    exporters: {
      ...config.exporters,
      otlp: {
        ...o,
        endpoint: redactUrl(o.endpoint),
        ...(o.metricsEndpoint !== undefined ? { metricsEndpoint: redactUrl(o.metricsEndpoint) } : {}),
        headers: Object.fromEntries(Object.keys(config.exporters.otlp.headers).map((k) => [k, '[redacted]'])),
      },
    },
  };
}
