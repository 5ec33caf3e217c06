/**
 * Only what the last collection observed is exported. The OTel SDK's cumulative storage keeps
 * reporting, at every later collection, the last value of every attribute set an observable instrument
 * ever reported — so a source gone stale (its sample older than 3 intervals: the store expires it and
 * the catalog emits nothing) would stay on /metrics and in every OTLP export with its last value, and a
 * `yieldsTo` fallback would show beside its primary. The catalog's batch callback records each series it
 * emits (src/export/instruments.ts); both exporters keep only those points of our own scope.
 *
 * Cost: a metric whose points are exactly what the collection observed (the usual case: nothing went
 * stale since the SDK first saw each series) is kept as it is, without a key per point. That holds when
 * the SDK has as many points for it as the collection observed distinct attribute sets: every observed
 * set is one of the SDK's points, so equal counts leave no room for a stale one. The count is trusted
 * only when every attribute value was a string, a boolean or a finite number, where the key here and the
 * SDK's own attribute identity agree on which sets are the same.
 */
import type { Attributes as OtelAttributes } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { attributesKey } from '../catalog/accumulate.ts';
import type { Attributes } from '../catalog/types.ts';

type Seen = Map<string, Set<string>>;

/** Does the SDK tell attribute sets apart exactly as attributesKey does for this one? */
function plainValues(a: Attributes): boolean {
  for (const k in a) {
    const v = a[k];
    if (typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number' && Number.isFinite(v)) continue;
    return false;
  }
  return true;
}

export class ObservedSeries {
  /** Per metric name, the keys of the attribute sets the last collection observed. */
  private current: Seen = new Map();
  /** The counts in `current` can be compared with the SDK's (see plainValues). */
  private countable = true;
  private next: Seen | undefined;
  private nextCountable = true;

  /** A collection starts: what it emits replaces the previous set when it ends. */
  begin(): void {
    this.next = new Map();
    this.nextCountable = true;
  }
  add(metric: string, attributes: Attributes): void {
    const next = this.next;
    if (next === undefined) return;
    let keys = next.get(metric);
    if (keys === undefined) next.set(metric, (keys = new Set()));
    keys.add(attributesKey(attributes));
    if (this.nextCountable && !plainValues(attributes)) this.nextCountable = false;
  }
  end(): void {
    if (this.next) {
      this.current = this.next;
      this.countable = this.nextCountable;
    }
    this.next = undefined;
  }
  has(metric: string, attributes: OtelAttributes): boolean {
    return this.current.get(metric)?.has(attributesKey(attributes as Attributes)) ?? false;
  }

  /** `rm` with the points of `scope` that the last collection did not observe removed (and metrics left empty). */
  filter(rm: ResourceMetrics, scope: string): ResourceMetrics {
    return {
      ...rm,
      scopeMetrics: rm.scopeMetrics.map((sm) => {
        if (sm.scope.name !== scope) return sm;
        const metrics: typeof sm.metrics = [];
        for (const m of sm.metrics) {
          const keys = this.current.get(m.descriptor.name);
          if (keys === undefined) continue;
          const points = m.dataPoints as Array<{ attributes: OtelAttributes }>;
          if (this.countable && keys.size === points.length) {
            metrics.push(m);
            continue;
          }
          const kept = points.filter((p) => keys.has(attributesKey(p.attributes as Attributes)));
          if (kept.length > 0) metrics.push({ ...m, dataPoints: kept } as typeof m);
        }
        return { ...sm, metrics };
      }),
    };
  }
}
