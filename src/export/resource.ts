/**
 * The OTel resource, computed once at startup (reference §6.1, trap 15).
 *
 * - service.name (config, default `silicon-agent`; OTEL_SERVICE_NAME wins), service.version (package.json),
 *   service.instance.id (a name-based UUID of service name + host name, so it is stable across restarts
 *   and Prometheus `target_info` does not churn);
 * - host.name, host.arch (`arm64`, `amd64`), host.type = `hw.model` (e.g. `Mac15,14`),
 *   host.cpu.model.name = `machdep.cpu.brand_string` (the chip, e.g. `Apple M3 Ultra`);
 * - os.type, os.version = `kern.osproductversion` (the macOS version, e.g. `14.4.1`; never the Darwin
 *   kernel version that @opentelemetry/resources' detector reports), os.build_id = `kern.osversion`.
 *
 * Precedence, lowest first: detected facts < `resource.attributes` (where src/config.ts has already
 * merged OTEL_RESOURCE_ATTRIBUTES over the file, and OTEL_SERVICE_NAME as `service.name` over both) <
 * nothing: `service.name` falls back to `resource.serviceName`. Replayed data always carries
 * `silicon_agent.replay = true` (and the capture folder's name), set last so nothing can remove it.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { basename } from 'node:path';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { packageVersion } from '../package-root.ts';

export type ResourceAttributes = Record<string, string | number | boolean>;

/** Facts about the Mac (from the sysctl module's reading, or a replay's manifest). */
export interface HostFacts {
  hwModel?: string;
  cpuBrand?: string;
  osProductVersion?: string;
  osBuild?: string;
}

/** The configuration's `resource` section (environment already merged in, src/config.ts). */
export interface ResourceConfig {
  serviceName: string;
  attributes: Readonly<Record<string, string | number | boolean>>;
}

/** OTel `host.arch` for a Node `os.arch()` value. */
export function hostArch(arch: string): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm32', ia32: 'x86', ppc64: 'ppc64', s390x: 's390x' };
  return map[arch] ?? arch;
}

/** A name-based (version 5 layout) UUID: stable for the same inputs. */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update('silicon-agent/service.instance.id\0').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export interface ResourceInputs {
  resource: ResourceConfig;
  facts?: HostFacts;
  /** Set when replaying a capture folder. */
  replayDir?: string;
  hostname?: string;
  arch?: string;
  platform?: NodeJS.Platform;
  release?: string;
  version?: string;
}

/** The resource attributes, with every precedence rule applied. */
export function resourceAttributes(inp: ResourceInputs): ResourceAttributes {
  const platform = inp.platform ?? process.platform;
  const facts = inp.facts ?? {};
  const hostName = inp.hostname ?? os.hostname();
  const attrs: ResourceAttributes = {
    'host.name': hostName,
    'host.arch': hostArch(inp.arch ?? os.arch()),
    'os.type': platform === 'win32' ? 'windows' : platform,
  };
  if (facts.hwModel) attrs['host.type'] = facts.hwModel;
  if (facts.cpuBrand) attrs['host.cpu.model.name'] = facts.cpuBrand;
  if (facts.osProductVersion) attrs['os.version'] = facts.osProductVersion;
  else if (platform !== 'darwin') attrs['os.version'] = inp.release ?? os.release();
  if (facts.osBuild) attrs['os.build_id'] = facts.osBuild;
  if (platform === 'darwin') attrs['os.name'] = 'macOS';

  Object.assign(attrs, inp.resource.attributes);

  // service.name: OTEL_SERVICE_NAME > OTEL_RESOURCE_ATTRIBUTES > config resource.attributes (all merged
  // into `attributes` in that order by src/config.ts) > config serviceName.
  const fromAttrs = typeof attrs['service.name'] === 'string' && attrs['service.name'] !== '' ? (attrs['service.name'] as string) : undefined;
  const serviceName = fromAttrs ?? inp.resource.serviceName;
  attrs['service.name'] = serviceName;
  attrs['service.version'] ??= inp.version ?? packageVersion();
  attrs['service.instance.id'] ??= nameUuid(`${serviceName}\0${hostName}`);

  if (inp.replayDir !== undefined) {
    attrs['silicon_agent.replay'] = true;
    attrs['silicon_agent.replay.capture'] = basename(inp.replayDir.replace(/\/+$/, ''));
  }
  return attrs;
}

export function buildResource(inp: ResourceInputs): Resource {
  return resourceFromAttributes(resourceAttributes(inp));
}
