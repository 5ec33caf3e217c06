/**
 * network: bytes, packets, errors and drops per interface, from the addon's in-process read of
 * `net.link.generic.ifalldata` or a slow poll of `netstat -i -b -d -n` (./source.ts), for the
 * interfaces the selection keeps (./select.ts).
 */
import { z } from 'zod';
import { binary } from '../../sources/binaries.ts';
import { describeFailure } from '../../sources/probe.ts';
import type { DoctorCheck, ParseContext, SourceModule } from '../module.ts';
import { sourceConfig } from '../module.ts';
import { NETWORK_IO_DIRECTIONS, NETWORK_METRICS } from './metrics.ts';
import { createNetworkParser, interpretFacts, parseNetwork } from './parser.ts';
import type { NetworkInterface } from './sample.ts';
import { MAX_INTERFACES, NetworkSample } from './sample.ts';
import type { NetworkSelection } from './select.ts';
import { DEFAULT_EXCLUDE, DEFAULT_INCLUDE, DEFAULT_MAX_INTERFACES, PATTERN } from './select.ts';
import { captureNetstat, chooseReader, createNetworkSource, NETSTAT_ARGS, NETWORK_READER_CHOICES, readIfmib } from './source.ts';

const patterns = (def: readonly string[]) => z.array(z.string().regex(PATTERN)).max(32).default([...def]);

export const NetworkConfig = sourceConfig(10_000, {
  /** `auto`: the addon where it is built, else netstat; `netstat` forces the subprocess. */
  reader: z.enum(NETWORK_READER_CHOICES).default('auto'),
  include: patterns(DEFAULT_INCLUDE),
  exclude: patterns(DEFAULT_EXCLUDE),
  maxInterfaces: z.number().int().min(1).max(MAX_INTERFACES).default(DEFAULT_MAX_INTERFACES),
  /** Only interfaces that are up and have moved a packet. */
  activeOnly: z.boolean().default(true),
});
export type NetworkConfig = z.infer<typeof NetworkConfig>;

export function selectionOf(c: Partial<NetworkConfig> | undefined): NetworkSelection {
  const d = NetworkConfig.parse({});
  return {
    include: c?.include ?? d.include,
    exclude: c?.exclude ?? d.exclude,
    maxInterfaces: c?.maxInterfaces ?? d.maxInterfaces,
    activeOnly: c?.activeOnly ?? d.activeOnly,
  };
}

const GB = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`);

function rows(s: NetworkSample): string[][] {
  if (s.interfaces.length === 0) return [['interfaces', `none selected (of ${s.seen} read)`]];
  return [
    ['interface', 'received', 'sent', 'errors in/out', 'drops in/out'],
    ...s.interfaces.map((i: NetworkInterface) => [
      i.name,
      GB(i.rxBytes),
      GB(i.txBytes),
      `${i.rxErrors}/${i.txErrors}`,
      `${i.rxDropped ?? '-'}/${i.txDropped ?? '-'}`,
    ]),
  ];
}

/**
 * Does the addon agree with netstat (read just before it)? Each interface in both: the addon's bytes
 * at least netstat's and within what can flow in between (64 MiB or 1 %). A floored or 32-bit value
 * fails this.
 */
export function compareReaders(netstat: readonly NetworkInterface[], addon: readonly NetworkInterface[]): string[] {
  const byName = new Map(addon.map((x) => [x.name, x]));
  const out: string[] = [];
  for (const n of netstat) {
    const a = byName.get(n.name);
    if (!a) continue;
    for (const f of ['rxBytes', 'txBytes'] as const) {
      const d = a[f] - n[f];
      if (d < 0 || d > Math.max(64 * 2 ** 20, n[f] / 100)) out.push(`${n.name} ${f}: addon ${a[f]}, netstat ${n[f]}`);
    }
  }
  return out;
}

export const network: SourceModule<NetworkSample, NetworkConfig> = {
  name: 'network',
  title: 'network: bytes, packets, errors and drops per interface',
  config: NetworkConfig,
  sample: NetworkSample,
  parser: (ctx: ParseContext) => createNetworkParser(selectionOf(ctx.config as Partial<NetworkConfig> | undefined)),
  live: (c, ctx) =>
    createNetworkSource({
      intervalMs: c.intervalMs,
      reader: c.reader,
      selection: selectionOf(c),
      command: binary('netstat', undefined, ctx.env),
      env: ctx.env,
      native: ctx.native,
      logger: ctx.logger,
    }),
  replay: { file: 'network.txt', mode: { kind: 'poll' } },
  metrics: NETWORK_METRICS,
  attributes: {
    'network.interface.name': {
      doc: `Interface name as the kernel gives it (\`en0\`, \`bridge0\`; netstat cuts names to 10 characters); at most \`maxInterfaces\` (default ${DEFAULT_MAX_INTERFACES}, at most ${MAX_INTERFACES}) names over the agent's life.`,
    },
    'network.io.direction': { doc: 'OTel network direction.', values: NETWORK_IO_DIRECTIONS },
  },
  dump: {
    kind: 'inprocess',
    label: 'netstat -i -b -d -n, or the addon\'s interface facts as JSON',
    async capture(ctx) {
      if (chooseReader(ctx.config.reader, ctx.native) === 'addon') {
        const r = readIfmib(ctx.native);
        if ('error' in r) return { error: r.error };
        return { text: `{"reader":"ifmib","interfaces":[\n${r.interfaces.map((i) => JSON.stringify(i)).join(',\n')}\n]}\n` };
      }
      return captureNetstat(ctx.env);
    },
  },
  describe: (s) =>
    `network (${s.reader}) ${s.interfaces.length} of ${s.seen} interfaces${s.interfaces.length ? `: ${s.interfaces.map((i) => i.name).join(', ')}` : ''}`,
  sections: [{ heading: 'Network interfaces (network)', rows }],
  async doctor(ctx) {
    const checks: DoctorCheck[] = [];
    const sel = selectionOf(ctx.config);
    const file = binary('netstat', undefined, ctx.env);
    const r = await ctx.run(file, [...NETSTAT_ARGS], { timeoutMs: 10_000 });
    let fromNetstat: NetworkSample | undefined;
    if (r.exitCode !== 0) checks.push({ name: 'network netstat', status: 'fail', detail: describeFailure(file, [...NETSTAT_ARGS], r) });
    else {
      const res = parseNetwork(r.stdout, sel);
      fromNetstat = res.find((x): x is NetworkSample => x.type === 'network');
      const e = res.find((x) => x.type === 'error');
      if (!fromNetstat) checks.push({ name: 'network netstat', status: 'fail', detail: `output did not parse${e && e.type === 'error' ? `: ${e.kind}: ${e.message}` : ''}` });
      else
        checks.push({
          name: 'network netstat',
          status: 'pass',
          detail: `${fromNetstat.seen} interfaces, selected: ${fromNetstat.interfaces.map((i) => i.name).join(', ') || 'none'}`,
        });
    }
    if (ctx.config.reader === 'netstat') return checks;
    const facts = readIfmib(ctx.native);
    if ('error' in facts) {
      checks.push({ name: 'network addon', status: 'warn', detail: `${facts.error}: netstat is polled instead (every 10 s at most)` });
      return checks;
    }
    const fromAddon = interpretFacts(facts, { ...sel, activeOnly: false, maxInterfaces: MAX_INTERFACES }).find((x): x is NetworkSample => x.type === 'network');
    if (!fromAddon) {
      checks.push({ name: 'network addon', status: 'warn', detail: 'its facts did not parse: set sources.network.reader: "netstat"' });
      return checks;
    }
    const all = fromNetstat ? parseNetwork(r.stdout, { ...sel, activeOnly: false, maxInterfaces: MAX_INTERFACES }).find((x): x is NetworkSample => x.type === 'network') : undefined;
    const diff = all ? compareReaders(all.interfaces, fromAddon.interfaces) : [];
    if (diff.length > 0)
      checks.push({ name: 'network addon', status: 'warn', detail: `disagrees with netstat (${diff.slice(0, 3).join('; ')}): set sources.network.reader: "netstat"` });
    else checks.push({ name: 'network addon', status: 'pass', detail: `${fromAddon.seen} interfaces read${all ? '; agrees with netstat' : ''}` });
    return checks;
  },
};
