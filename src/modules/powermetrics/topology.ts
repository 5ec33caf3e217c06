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
 * Die assignment for multi-die (Ultra) chips, from CPU numbering rather than cluster order:
 * every die starts with its E cluster and its CPU numbers are contiguous (M2 Ultra, reference
 * §1.5: E0 0–3, P0 4–7, P1 8–11, E1 12–15, P2 16–19, P3 20–23), so the lowest CPU number of each
 * E cluster, sorted, marks where a die starts, and a CPU belongs to the last die start at or below
 * it. Cluster order is not used: the M1 Ultra text lists E0, E1 before the P clusters.
 * With fewer than two E clusters the chip is one die. When clusters carry no CPU list, dies fall
 * back to name indices (E<n> → die n; other tiers split evenly: P0,P1 → 0, P2,P3 → 1).
 * UNVERIFIED for the M3 Ultra (no capture exists): expected E0,P0,P1,E1,P2,P3 with die-0 CPUs first,
 * which this rule handles; a layout that numbers both dies' E cores first would be mis-assigned.
 */
export function assignDies(clusters: ReadonlyArray<{ kind: string; index: number; cpus: ReadonlyArray<{ cpu: number }> }>): {
  dies: number;
  clusterDie: number[];
  cpuDie: (cpu: number) => number;
} {
  const eStarts: number[] = [];
  let eCount = 0;
  let allHaveCpus = true;
  for (const c of clusters) {
    if (c.cpus.length === 0) allHaveCpus = false;
    if (c.kind !== 'E') continue;
    eCount++;
    let min = Number.POSITIVE_INFINITY;
    for (const x of c.cpus) if (x.cpu < min) min = x.cpu;
    if (min !== Number.POSITIVE_INFINITY) eStarts.push(min);
  }
  if (eCount < 2) return { dies: 1, clusterDie: clusters.map(() => 0), cpuDie: () => 0 };
  if (allHaveCpus && eStarts.length === eCount) {
    eStarts.sort((a, b) => a - b);
    const cpuDie = (cpu: number): number => {
      let d = 0;
      for (let i = 1; i < eStarts.length; i++) if (cpu >= eStarts[i]!) d = i;
      return d;
    };
    const clusterDie = clusters.map((c) => {
      let min = Number.POSITIVE_INFINITY;
      for (const x of c.cpus) if (x.cpu < min) min = x.cpu;
      return cpuDie(min);
    });
    return { dies: eCount, clusterDie, cpuDie };
  }
  // No CPU lists: name indices.
  const perKind = new Map<string, number>();
  for (const c of clusters) perKind.set(c.kind, Math.max(perKind.get(c.kind) ?? 0, c.index + 1));
  const clusterDie = clusters.map((c) => {
    const n = perKind.get(c.kind) ?? 1;
    return Math.min(eCount - 1, Math.floor((c.index * eCount) / Math.max(n, eCount)));
  });
  return { dies: eCount, clusterDie, cpuDie: () => 0 };
}
