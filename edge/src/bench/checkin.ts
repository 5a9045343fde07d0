/**
 * Check-in latency: card event → gate command, face check included, on a whole simulated room
 * (room broker process, device agents, appliance core) with the real face engine.
 * Metrics: checkin.latency.p50_ms, checkin.latency.p95_ms (+ checkin.latency.samples).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { idNumberHash, residentIdCheckDigit, type DesiredState } from '@evalroom/contracts';
import { SimCamera, SimGate, SimIdReader } from '@evalroom/device-drivers';
import { startApp } from '../app/app';
import { loadFaceVerifier } from '../app/face-loader';
import { createLogger } from '../app/logger';
import { parseConfig } from '../config/load';
import { cardFromPhoto } from '../http/sim-api';

const FACES = process.env.EVALROOM_FACES_DIR ?? '/work/shared/faces';
const ROUNDS = Number(process.env.EVALROOM_BENCH_CHECKINS ?? 40);
const WARMUP = 3;

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export async function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'evalroom-bench-checkin-'));
  const logger = createLogger({ level: 'error' });
  const loaded = parseConfig(
    {
      applianceId: 'bench-app',
      roomId: 'bench-room',
      dataDir: dir,
      broker: { port: 0 },
      http: { port: 0 },
      devices: [
        { deviceId: 'reader-1', kind: 'idreader' },
        { deviceId: 'gate-1', kind: 'gate' },
        { deviceId: 'cam-1', kind: 'camera' },
      ],
    },
    dir,
  );
  const face = await loadFaceVerifier(loaded.config.face);
  const app = await startApp({ loaded, logger, faceVerifier: face });
  try {
    const key = randomBytes(16).toString('base64');
    const now = Date.now();
    const ids = Array.from({ length: ROUNDS + WARMUP }, (_, i) => {
      const first17 = `110101${19700101 + i}${String(i % 1000).padStart(3, '0')}`;
      return first17 + residentIdCheckDigit(first17);
    });
    const desired: DesiredState = {
      v: 1,
      applianceId: 'bench-app',
      roomId: 'bench-room',
      version: 1,
      generatedAt: new Date().toISOString(),
      sessions: [
        {
          sessionId: 'bench-session',
          projectCode: 'B-1',
          projectName: 'bench',
          lots: [],
          status: 'checking_in',
          startsAt: new Date(now + 3_600_000).toISOString(),
          endsAt: new Date(now + 7_200_000).toISOString(),
          checkInOpensAt: new Date(now - 3_600_000).toISOString(),
          checkInClosesAt: new Date(now + 3_600_000).toISOString(),
          idHashKey: key,
          roster: ids.map((id, i) => ({ expertRef: `e-${i}`, idHash: idNumberHash(id, key), role: 'expert' as const })),
        },
      ],
    };
    app.desired.offer(desired);

    const reader = app.sims.get('reader-1') as SimIdReader;
    const gate = app.sims.get('gate-1') as SimGate;
    const camera = app.sims.get('cam-1') as SimCamera;
    const live = readFileSync(join(FACES, 'obama', 'obama_b.jpg'));
    const template = await cardFromPhoto({ faceImagePath: join(FACES, 'obama', 'obama_a.jpg'), name: '奥巴马', sex: 'male', birthDate: '19610804' });

    const latencies: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      await gate.close();
      camera.setNextFrame(live);
      const opened = new Promise<number>((resolve) => {
        const off = gate.on('opened', () => (off(), resolve(performance.now())));
        setTimeout(() => (off(), resolve(-1)), 5000);
      });
      const t0 = performance.now();
      reader.insertCard({ ...template, idNumber: ids[i]! });
      const t1 = await opened;
      // The door takes the next card once this check-in has its outcome.
      const until = Date.now() + 5000;
      while (app.checkin?.snapshot().phase !== 'idle' && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
      reader.removeCard();
      if (t1 < 0) {
        process.stderr.write(`bench checkin: attempt ${i} did not open the gate (face engine decision)\n`);
        continue;
      }
      if (i >= WARMUP) latencies.push(t1 - t0);
    }
    if (latencies.length === 0) return { 'checkin.latency.samples': 0 };
    return {
      'checkin.latency.p50_ms': Math.round(percentile(latencies, 50) * 10) / 10,
      'checkin.latency.p95_ms': Math.round(percentile(latencies, 95) * 10) / 10,
      'checkin.latency.samples': latencies.length,
    };
  } finally {
    await app.stop();
    await face.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
