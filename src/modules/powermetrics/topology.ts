/**
 * The chip's layout from a powermetrics document: what a cluster name says (tier letter and index),
 * which chips' cluster-level activity is unreliable, and which die each cluster and CPU is on. Pure.
 */
const CLUSTER_NAME = /^([A-Z])(\d*)-Cluster$/;

/**
 * Cluster name → tier letter and index. `P1-Cluster` → P/1, `E-Cluster` → E/0, also forms not yet
 * seen (`X12-Cluster`). A name outside `^[A-Z]\d*-Cluster$` is `known: false`: its kind is its first
 * letter when that is A–Z (index from the digits after it, else 0); `undefined` when even that fails.
 */
export function classifyCluster(name: string): { kind: string; index: number; known: boolean } | undefined {
  const m = CLUSTER_NAME.exec(name);
  if (m) return { kind: m[1]!, index: m[2] ? Number(m[2]) : 0, known: true };
  const c = name.charCodeAt(0);
  if (!(c >= 65 && c <= 90)) return undefined;
  const digits = /^[A-Z](\d+)/.exec(name);
  const index = digits ? Number(digits[1]) : 0;
  return { kind: name[0]!, index: Number.isSafeInteger(index) ? index : 0, known: false };
}

/**
 * True on machines whose cluster-level `idle_ratio` is known to be unreliable: the M3 generation
 * (reference §1.6: reported as 0, i.e. 100 % busy, on M3 Max; asitop and mactop switched to the
 * per-CPU mean). Every M3 Mac has a `Mac15,*` model identifier (Mac15,3 … Mac15,13 for the M3/M3
 * Pro/M3 Max laptops and iMacs, Mac15,14 for the Mac Studio M3 Ultra), and no other generation uses
 * it. Applying the rule to the M3 Ultra is UNVERIFIED (no capture exists); it follows the
 * reference's advice.
 *
 * Why not always use the per-CPU mean: it is a different quantity. A cluster is active when any of
 * its CPUs is, so its residency is higher than the mean of its CPUs (M2 Ultra E1: cluster 0.555,
 * CPU mean 0.077 in the fixture) and can even exceed their sum, so no data-only test can spot the
 * bad figure either. We keep the cluster's own figure where it is sound and say which one we
 * used in `activeFrom`.
 */
export function clusterActivityUnreliable(hwModel: string | undefined): boolean {
  return hwModel !== undefined && hwModel.startsWith('Mac15,');
}


/**
 * Model identifiers of two-die (Ultra) Macs: Mac13,2 (Mac Studio M1 Ultra), Mac14,14 (Mac Studio
 * M2 Ultra, real capture), Mac14,8 (Mac Pro M2 Ultra), Mac15,14 (Mac Studio M3 Ultra, reference
 * §0). Only Mac14,14 is backed by a capture; the others come from public model tables (UNVERIFIED).
 * A model not listed is no evidence either way: a future Ultra is recognised by its layout alone.
 */
export const ULTRA_MODELS: ReadonlySet<string> = new Set(['Mac13,2', 'Mac14,8', 'Mac14,14', 'Mac15,14']);

type DieInput = ReadonlyArray<{ kind: string; index: number; cpus: ReadonlyArray<{ cpu: number }> }>;

export interface DieMap {
  dies: number;
  clusterDie: number[];
  cpuDie: (cpu: number) => number;
  /**
   * Set when the evidence disagrees (a known Ultra model whose layout does not split into two equal
   * dies): the map is then one die with every cluster and CPU on die 0, and the caller reports a
   * typed `unknown_layout` error so the die labels of that sample are known to be untrusted.
   */
  conflict?: string;
}

const ONE_DIE = (n: number): DieMap => ({ dies: 1, clusterDie: new Array<number>(n).fill(0), cpuDie: () => 0 });

/**
 * Two-die split from CPU numbers, or a reason why the layout is not two equal dies. Evidence used,
 * none of it the cluster letters' meaning: (1) CPU numbering puts die 0 first (M2 Ultra capture:
 * E0 0–3, P0 4–7, P1 8–11 | E1 12–15, P2 16–19, P3 20–23), so the lower half of the sorted CPU
 * numbers is die 0; (2) the halves are equal and no cluster straddles them; (3) each tier (clusters
 * sharing a name letter, whatever the letter) has as many clusters and CPUs on one die as on the
 * other — or, on a known Ultra model only, the two dies' cluster sizes do (tiers by size). Cluster
 * order is not used (the M1 Ultra text lists E0, E1 first).
 */
function splitByCpus(clusters: DieInput, ultra: boolean): { clusterDie: number[]; boundary: number } | string {
  const all: number[] = [];
  for (const c of clusters) for (const x of c.cpus) all.push(x.cpu);
  if (all.length < 2 || all.length % 2 !== 0) return `${all.length} CPUs cannot split into two equal dies`;
  all.sort((a, b) => a - b);
  const boundary = all[all.length / 2]!;
  const clusterDie: number[] = [];
  const perTier = new Map<string, [clusters0: number, clusters1: number, cpus0: number, cpus1: number]>();
  for (let i = 0; i < clusters.length; i++) {
    const c = clusters[i]!;
    let lo = 0;
    for (const x of c.cpus) if (x.cpu < boundary) lo++;
    if (lo !== 0 && lo !== c.cpus.length) return `cluster ${i} (${c.kind}${c.index}) straddles the CPU-number midpoint ${boundary}`;
    const die = lo > 0 ? 0 : 1;
    clusterDie.push(die);
    const t = perTier.get(c.kind) ?? [0, 0, 0, 0];
    if (die === 0) {
      t[0] += 1;
      t[2] += c.cpus.length;
    } else {
      t[1] += 1;
      t[3] += c.cpus.length;
    }
    perTier.set(c.kind, t);
  }
  for (const [kind, t] of perTier) {
    if (t[0] === t[1] && t[2] === t[3]) continue;
    // The letters do not balance (a rename that hit one die's cluster only?): on a known Ultra
    // model, accept the split when the cluster sizes still pair up one for one (tiers told apart
    // by size). Never without the model: an M1's E-Cluster 0–3 and P-Cluster 4–7 pair up by size.
    const sizes = (die: number) =>
      clusters
        .filter((_, i) => clusterDie[i] === die)
        .map((c) => c.cpus.length)
        .sort((a, b) => a - b)
        .join(',');
    if (ultra && sizes(0) === sizes(1)) break;
    return `tier ${kind} has ${t[0]} clusters/${t[2]} CPUs below CPU ${boundary} and ${t[1]}/${t[3]} above, and cluster sizes differ (${sizes(0)} | ${sizes(1)})`;
  }
  return { clusterDie, boundary };
}

/** Without CPU lists: every tier must have an even number of clusters; the lower half of each tier's name indices is die 0. */
function splitByTierRanks(clusters: DieInput): number[] | string {
  const indices = new Map<string, number[]>();
  for (const c of clusters) {
    const l = indices.get(c.kind) ?? [];
    l.push(c.index);
    indices.set(c.kind, l);
  }
  for (const [kind, l] of indices) {
    if (l.length % 2 !== 0) return `tier ${kind} has ${l.length} clusters, not an even number`;
    l.sort((a, b) => a - b);
  }
  return clusters.map((c) => {
    const l = indices.get(c.kind)!;
    return l.indexOf(c.index) < l.length / 2 ? 0 : 1;
  });
}

/**
 * Die assignment, independent of what the cluster letters are (M5-generation chips already print
 * `S-Cluster` and `M0-Cluster`). A chip is two dies when its layout splits into two equal dies
 * (see splitByCpus; by name indices per tier when clusters carry no CPU lists) — a single-die chip
 * never does, because its efficiency tier has one cluster or a P cluster straddles the midpoint.
 * The model identifier is the second witness: a known Ultra (ULTRA_MODELS) whose layout does not
 * split is a conflict, reported, never resolved by guessing. A single-die layout on a model not
 * known as Ultra is one die. UNVERIFIED for the M3 Ultra (no capture): a layout numbering both
 * dies' E cores first would not split and would be reported as a conflict on Mac15,14.
 */
export function assignDies(clusters: DieInput, hwModel?: string): DieMap {
  const ultra = hwModel !== undefined && ULTRA_MODELS.has(hwModel);
  if (clusters.length === 0) return ONE_DIE(0);
  const withCpus = clusters.every((c) => c.cpus.length > 0);
  if (withCpus) {
    const s = splitByCpus(clusters, ultra);
    if (typeof s !== 'string') {
      const boundary = s.boundary;
      return { dies: 2, clusterDie: s.clusterDie, cpuDie: (cpu) => (cpu < boundary ? 0 : 1) };
    }
    if (!ultra) return ONE_DIE(clusters.length);
    return { ...ONE_DIE(clusters.length), conflict: `model ${hwModel} is a two-die Ultra but the CPU layout is not two equal dies: ${s}` };
  }
  // Some cluster carries no CPU list: only name indices are left; two dies only with a witness,
  // i.e. a known Ultra model (or two clusters in every tier, the layout of every Ultra so far, with
  // at least two tiers so that a chip of two equal clusters is not split).
  const r = splitByTierRanks(clusters);
  const tiers = new Set(clusters.map((c) => c.kind)).size;
  if (typeof r !== 'string' && (ultra || tiers >= 2)) {
    const byCpu = new Map<number, number>();
    clusters.forEach((c, i) => {
      for (const x of c.cpus) byCpu.set(x.cpu, r[i]!);
    });
    return { dies: 2, clusterDie: r, cpuDie: (cpu) => byCpu.get(cpu) ?? 0 };
  }
  if (!ultra) return ONE_DIE(clusters.length);
  return { ...ONE_DIE(clusters.length), conflict: `model ${hwModel} is a two-die Ultra but the clusters (no CPU lists) do not split: ${typeof r === 'string' ? r : 'one tier only'}` };
}
