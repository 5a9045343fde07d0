import { TelemetryBatch } from '@evalroom/contracts';
import { createMemoryLogger } from '../../src/app/logger';
import { TelemetryStore } from '../../src/cloudlink/telemetry-store';
import { LatencyWindow, collectBatch } from '../../src/telemetry/collector';
import { tempDir } from '../helpers';

describe('telemetry', () => {
  it('collects samples into a valid batch, dropping non-finite values', () => {
    const batch = collectBatch('app-1', [
      { sample: (ts) => [{ ts, metric: 'device.online', value: 1, device: 'gate-1' }] },
      { sample: (ts) => [{ ts, metric: 'appliance.rss_bytes', value: Number.NaN }] },
    ]);
    expect(TelemetryBatch.safeParse(batch).success).toBe(true);
    expect(batch!.samples).toHaveLength(1);
    expect(collectBatch('app-1', [])).toBeUndefined();
  });

  it('stores batches durably and bounded: the oldest are dropped when full', () => {
    const tmp = tempDir();
    const logger = createMemoryLogger();
    const store = new TelemetryStore(tmp.dir, logger, 3);
    store.open();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const b = collectBatch('app-1', [{ sample: (ts) => [{ ts, metric: 'x.y', value: i }] }])!;
      ids.push(b.batchId);
      store.add(b);
    }
    expect(store.pendingCount).toBe(3);
    expect(store.dropped).toBe(2);
    store.done([ids[2]!]);
    store.close();
    const again = new TelemetryStore(tmp.dir, logger, 3);
    again.open();
    expect(again.list().map((b) => b.batchId).sort()).toEqual([ids[3]!, ids[4]!].sort());
    again.close();
    tmp.cleanup();
  });

  it('latency window reports percentiles over the recent values only', () => {
    const w = new LatencyWindow(4);
    for (const v of [1000, 1, 2, 3, 4]) w.add(v);
    expect(w.percentile(95)).toBe(4);
    expect(w.percentile(50)).toBe(3);
  });
});
