/**
 * Face verification bench: latency of a whole 1:1 verify (1 intra-op thread) on a 1280×720 JPEG
 * door-camera frame against a 102×126 BMP chip photo, its ratio to the bare model inference a
 * verify performs (same engine, same run, interleaved), and dev-set accuracy with chip-sized
 * references.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../face/decode';
import { FaceEngine } from '../face/engine';
import { chipReference, evaluatePairs, folderPairs, percentile } from '../face/evaluate';
import { defaultFacesDir } from '../face/manifest';

export async function run(): Promise<Record<string, number>> {
  const faces = defaultFacesDir();
  const engine = await FaceEngine.create({ intraOpThreads: 1, livenessRequired: true });
  try {
    const probe = await sharp(readFileSync(path.join(faces, 'obama', 'obama_e_video_frame.jpg'))).resize(1280, 720).jpeg({ quality: 90 }).toBuffer();
    const chip = await chipReference(engine, await decodeImage(readFileSync(path.join(faces, 'obama', 'obama_a.jpg'))), { width: 102, height: 126 });
    if (!chip) throw new Error('bench: no face in the reference photo');

    for (let i = 0; i < 5; i++) {
      await engine.verify({ probe, reference: chip });
      await engine.bareInference();
    }
    const verify: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 60; i++) {
      let t = performance.now();
      await engine.verify({ probe, reference: chip });
      verify.push(performance.now() - t);
      t = performance.now();
      await engine.bareInference();
      bare.push(performance.now() - t);
    }

    const dev = await evaluatePairs(engine, faces, folderPairs(faces), { width: 102, height: 126 }, (b) => decodeImage(b));
    const far1 = dev.metrics.tarAtFar.find((t) => t.far === 0.01)!;
    const r = (v: number) => Math.round(v * 1000) / 1000;
    return {
      'face.verify.p50_ms': r(percentile(verify, 50)),
      'face.verify.p99_ms': r(percentile(verify, 99)),
      'face.verify.ratio_to_bare_models': r(percentile(verify, 50) / percentile(bare, 50)),
      'face.dev.tar_at_far_1pct': r(far1.tar),
      'face.dev.eer': r(dev.metrics.eer),
    };
  } finally {
    await engine.close();
  }
}
