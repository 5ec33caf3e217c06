/**
 * Impossible values never leave a parser as data (issue 12 item 5). Each source's real capture with
 * one impossible value planted — the issue's own cases first — goes through the parser, the store
 * (plausibility filter, schema check at the door) and the catalog to /metrics: the value is never on
 * the page, and it never vanishes silently: a typed parse error or a dropped-value count says so.
 */
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { createPlausibilityFilter } from '../../src/plausibility.ts';
import { moduleOf } from '../../src/registry.ts';
import type { BaseSample } from '../../src/samples.ts';
import { pipeline } from '../helpers/pipeline.ts';

const REPLAY = new URL('../../fixtures/replay/m2-ultra/', import.meta.url).pathname;
const HUGE = '9'.repeat(400);

/** Parse `text` with `source`'s parser and feed everything into a fresh pipeline; the page and the counts. */
async function through(source: string, text: string, ctx: Record<string, unknown> = {}) {
  const p = pipeline({ filters: [createPlausibilityFilter()] });
  const sink = p.sink(source, 1000);
  const parser = moduleOf(source)!.parser(ctx);
  for (const r of [...parser.push(Buffer.from(text)), ...parser.end()]) sink.result(r);
  const page = await p.scrape();
  const h = p.health.sources.get(source);
  const parseErrors = Object.fromEntries(h?.parseErrors ?? []);
  const dropped = Object.fromEntries(h?.dropped ?? []);
  return { page, parseErrors, dropped, latest: p.store.latest(source) };
}

function finiteAndSane(t: Test, page: string): void {
  const bad = page.split('\n').filter((l) => l && !l.startsWith('#') && /\s(-?Inf|NaN|-\d)/.test(l) && !/_(celsius|ratio)\b/.test(l));
  t.same(bad, [], 'no infinite, NaN or negative value on /metrics');
}

t.test('vm_stat: "Pages purgeable: 999999999." (the issue) never gives negative used memory', async (t) => {
  const real = readFileSync(`${REPLAY}vm_stat.txt`, 'utf8');
  const planted = real.replace(/^Pages purgeable:\s+\d+\./m, 'Pages purgeable:                   999999999.');
  t.not(planted, real);
  const r = await through('vm_stat', planted);
  t.notMatch(r.page, /system_memory_usage_bytes\{[^}]*system_memory_state="used"[^}]*\} -/);
  finiteAndSane(t, r.page);
  t.ok((r.parseErrors.invalid_value ?? 0) + Object.values(r.dropped).reduce((a: number, n) => a + (n as number), 0) >= 1, `counted: ${JSON.stringify(r)}`.slice(0, 200));
  // the rest of the real sample still arrives: page counters are not derived from purgeable
  t.match(r.page, /system_paging_faults_total\{[^}]*\} \d+/);
});

t.test('iostat and vm.swapusage: a 400-digit number is a typed error, not Infinity and not a silent gap', async (t) => {
  const io = readFileSync(`${REPLAY}iostat.txt`, 'utf8').split('\n');
  const row = io.findIndex((l, i) => i > 3 && /^\s*[\d.]+\s+[\d.]+/.test(l));
  t.ok(row > 0, 'a data row');
  io[row] = io[row]!.replace(/[\d.]+/, HUGE);
  const r = await through('iostat', io.join('\n'), { intervalS: 5 });
  finiteAndSane(t, r.page);
  t.ok((r.parseErrors.invalid_value ?? 0) >= 1, `iostat: invalid_value counted ${JSON.stringify(r.parseErrors)}`);
  t.match(r.page, /system_disk_io_bytes_total\{[^}]*\} \d/, 'the good rows still count');

  const sysctl = readFileSync(`${REPLAY}sysctl.txt`, 'utf8');
  const swap = sysctl.replace(/^vm\.swapusage: total = [\d.]+M/m, `vm.swapusage: total = ${HUGE}M`);
  t.not(swap, sysctl, 'the capture has vm.swapusage');
  const s = await through('sysctl', swap);
  finiteAndSane(t, s.page);
  t.ok((s.parseErrors.invalid_value ?? 0) >= 1, `sysctl: invalid_value counted ${JSON.stringify(s.parseErrors)}`);
  t.match(s.page, /system_memory_limit_bytes\{[^}]*\} 137438953472\n/, 'hw.memsize still exported');
});

t.test('powermetrics: a power above any Apple Silicon ceiling is dropped and counted', async (t) => {
  const real = readFileSync(`${REPLAY}powermetrics.plist`, 'utf8');
  const planted = real
    .replaceAll(/(<key>gpu_energy<\/key>\s*<integer>)\d+/g, '$199999999999')
    .replace(/(<key>gpu_power<\/key>\s*<real>)[\d.]+/, '$199999999.0');
  t.not(planted, real, 'the capture has gpu_energy');
  const r = await through('powermetrics', planted);
  finiteAndSane(t, r.page);
  t.notMatch(r.page, /hw_power_watts\{[^}]*hw_id="gpu"[^}]*\} \d{5,}/, 'no 5-digit GPU watts');
  t.ok(Object.values(r.dropped).reduce((a: number, n) => a + (n as number), 0) >= 1, `dropped: ${JSON.stringify(r.dropped)}`);
});

t.test('smc: an impossible temperature is dropped and counted, never exported', async (t) => {
  const real = readFileSync(`${REPLAY}smc.txt`, 'utf8');
  // TCMb is the CPU die average in this dump; 0x44 0x7a 0x00 0x00 is 1000.0 as a float (flt, little-endian: 00 00 7a 44)
  const planted = real.replace(/^(\s*TCMb\s+\[flt \]\s+)\(bytes [0-9a-f ]+\)/m, '$1(bytes 00 00 7a 44)');
  t.not(planted, real, 'the dump has TCMb');
  const r = await through('smc', planted, { hwModel: 'Mac14,14' });
  t.notMatch(r.page, /hw_temperature_celsius\{[^}]*hw_id="TCMb"/, 'TCMb not exported');
  t.ok((r.dropped.implausible_temperature ?? 0) >= 1, `dropped: ${JSON.stringify(r.dropped)}`);
});

t.test('the store drops a value its schema forbids even when a parser let it through, and counts it', async (t) => {
  const p = pipeline();
  const sink = p.sink('vm_stat', 1000);
  const parser = moduleOf('vm_stat')!.parser({});
  const good = [...parser.push(readFileSync(`${REPLAY}vm_stat.txt`)), ...parser.end()];
  const sample = structuredClone(good.find((x) => x.type === 'vm_stat')) as unknown as BaseSample & { pageSizeBytes: number };
  t.ok(sample, 'a real sample');
  sample.pageSizeBytes = -16384;
  sink.result(sample);
  const page = await p.scrape();
  t.ok((p.health.sources.get('vm_stat')?.dropped.get('out_of_range') ?? 0) >= 1, 'out_of_range counted');
  t.match(page, /silicon_agent_values_dropped_total\{[^}]*silicon_agent_drop_reason="out_of_range"[^}]*silicon_agent_source="vm_stat"[^}]*\} [1-9]/);
  finiteAndSane(t, page);
});
