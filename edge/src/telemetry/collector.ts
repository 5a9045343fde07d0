import { randomUUID } from 'node:crypto';
import type { TelemetryBatch, TelemetrySample } from '@evalroom/contracts';

export interface TelemetrySource {
  /** Samples at this instant; metric names are lower-case dotted. */
  sample(at: string): TelemetrySample[];
}

/** Collects samples from the sources into one TelemetryBatch (undefined when there is nothing). */
export function collectBatch(applianceId: string, sources: TelemetrySource[], at = new Date()): TelemetryBatch | undefined {
  const ts = at.toISOString();
  const samples = sources.flatMap((s) => s.sample(ts)).filter((s) => Number.isFinite(s.value)).slice(0, 5000);
  if (samples.length === 0) return undefined;
  return { v: 1, applianceId, batchId: randomUUID(), samples };
}

/** Keeps recent latencies so telemetry can report a percentile without unbounded memory. */
export class LatencyWindow {
  private readonly values: number[] = [];
  constructor(private readonly size = 200) {}
  add(ms: number): void {
    this.values.push(ms);
    if (this.values.length > this.size) this.values.shift();
  }
  percentile(p: number): number | undefined {
    if (!this.values.length) return undefined;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  }
  get count(): number {
    return this.values.length;
  }
}
