/**
 * Only what the last collection observed is exported. The OTel SDK's cumulative storage keeps
 * reporting, at every later collection, the last value of every attribute set an observable instrument
 * ever reported — so a source gone stale (its sample older than 3 intervals: the store expires it and
 * the catalog emits nothing) would stay on /metrics and in every OTLP export with its last value, and a
 * `yieldsTo` fallback would show beside its primary. The catalog's batch callback records each series it
 * emits (src/export/instruments.ts); both exporters keep only those points of our own scope.
 */
import type { Attributes as OtelAttributes } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { attributesKey } from '../catalog/accumulate.ts';
import type { Attributes } from '../catalog/types.ts';

export class ObservedSeries {
  private current = new Set<string>();
  private next: Set<string> | undefined;

  /** A collection starts: what it emits replaces the previous set when it ends. */
  begin(): void {
    this.next = new Set();
  }
  add(metric: string, attributes: Attributes): void {
    this.next?.add(`${metric}\u0002${attributesKey(attributes)}`);
  }
  end(): void {
    if (this.next) this.current = this.next;
    this.next = undefined;
  }
  has(metric: string, attributes: OtelAttributes): boolean {
    return this.current.has(`${metric}\u0002${attributesKey(attributes as Attributes)}`);
  }

  /** `rm` with the points of `scope` that the last collection did not observe removed (and metrics left empty). */
  filter(rm: ResourceMetrics, scope: string): ResourceMetrics {
    return {
      ...rm,
      scopeMetrics: rm.scopeMetrics.map((sm) =>
        sm.scope.name !== scope
          ? sm
          : {
              ...sm,
              metrics: sm.metrics
                .map((m) => ({ ...m, dataPoints: (m.dataPoints as Array<{ attributes: OtelAttributes }>).filter((p) => this.has(m.descriptor.name, p.attributes)) }) as typeof m)
                .filter((m) => m.dataPoints.length > 0),
            },
      ),
    };
  }
}
