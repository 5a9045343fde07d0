/**
 * The FaceVerifier port: a worker thread running the compiled engine (edge/dist/face/worker.js,
 * built by `tsc -b` before the tests).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { FaceCheck, FaceConfig } from '@evalroom/contracts';
import { createFaceVerifier, faceVerifierOptions, type WorkerFaceVerifier } from '../../src/face/verifier';
import { defaultFacesDir } from '../../src/face/manifest';
import { FaceInputError } from '../../src/face/image-types';
import { pngHeaderClaiming } from './fixtures';

const faces = defaultFacesDir();
const read = (...p: string[]) => readFileSync(path.join(faces, ...p));

/** A chip-like reference: 102×126 crop of obama_a around the face, as BMP via sharp → raw → BMP. */
async function chip(): Promise<Buffer> {
  const { encodeBmp24 } = await import('../../src/face/bmp');
  const { data, info } = await sharp(read('obama', 'obama_a.jpg')).extract({ left: 230, top: 60, width: 450, height: 556 }).resize(102, 126).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return encodeBmp24({ width: info.width, height: info.height, data });
}

describe('worker-backed FaceVerifier', () => {
  let verifier: WorkerFaceVerifier;
  let reference: Buffer;

  beforeAll(async () => {
    // As the appliance builds it: from the defaults of EdgeConfig.face (liveness required, 1 thread).
    verifier = await createFaceVerifier(faceVerifierOptions(FaceConfig.parse({})));
    reference = await chip();
  }, 30_000);

  afterAll(async () => {
    await verifier.close();
  });

  it('matches a live probe against the chip photo, with liveness, off the main thread', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const check = await verifier.verify({ probe: read('obama', 'obama_b.jpg'), reference });
    clearInterval(timer);
    expect(FaceCheck.safeParse(check).success).toBe(true);
    expect(check).toMatchObject({ outcome: 'match', match: true, modelVersion: verifier.modelVersion });
    expect(check.liveness).toBeGreaterThan(0.35);
    // The main event loop kept running while the worker decoded and ran the models.
    expect(ticks).toBeGreaterThan(0);
  });

  it('does not match another person', async () => {
    const check = await verifier.verify({ probe: read('rose_leslie', 'rose_a.jpg'), reference });
    expect(check.match).toBe(false);
    expect(['mismatch', 'liveness_failed']).toContain(check.outcome);
    expect(check.score!).toBeLessThan(verifier.threshold);
  });

  it('reports multiple_faces', async () => {
    const check = await verifier.verify({ probe: read('multi', 'two_people.jpg'), reference });
    expect(check.outcome).toBe('multiple_faces');
  });

  it.each([
    ['a text file', () => Buffer.from('this is not a photo\n'), 'not_an_image'],
    ['a truncated JPEG', () => read('obama', 'obama_f_small.jpg').subarray(0, 4000), 'unreadable_image'],
    ['a PNG header claiming 100000×100000', () => pngHeaderClaiming(100_000, 100_000), 'image_too_large'],
  ])('rejects %s with a clear error', async (_name, make, code) => {
    const err = await verifier.verify({ probe: make(), reference }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FaceInputError);
    expect(err).toMatchObject({ code, role: 'probe' });
    // and the verifier keeps working afterwards
    expect((await verifier.verify({ probe: read('obama', 'obama_d.jpg'), reference })).score).not.toBeNull();
  });

  it('leaves the caller\'s buffers intact and rejects after close()', async () => {
    const probe = read('obama', 'obama_d.jpg');
    const before = Buffer.from(probe);
    const v = await createFaceVerifier({ livenessRequired: false });
    await v.verify({ probe, reference });
    expect(probe.equals(before)).toBe(true);
    await v.close();
    await expect(v.verify({ probe, reference })).rejects.toThrow(/closed/);
  });

  it('answers concurrent checks in order and recovers after the worker dies', async () => {
    const v = await createFaceVerifier({ livenessRequired: false });
    try {
      const [a, b] = await Promise.all([
        v.verify({ probe: read('obama', 'obama_d.jpg'), reference }),
        v.verify({ probe: read('biden', 'biden_b.jpg'), reference }),
      ]);
      expect([a.outcome, b.outcome]).toEqual(['match', 'mismatch']);
      const inFlight = v.verify({ probe: read('obama', 'obama_d.jpg'), reference });
      await (v as unknown as { crashWorkerForTest(): Promise<number> }).crashWorkerForTest();
      await expect(inFlight).rejects.toThrow(/exited/);
      // the next check starts a fresh worker
      expect((await v.verify({ probe: read('obama', 'obama_d.jpg'), reference })).outcome).toBe('match');
    } finally {
      await v.close();
    }
  }, 30_000);

  it('refuses to start when a model file does not match its pinned hash', async () => {
    const { mkdtempSync, copyFileSync, writeFileSync, rmSync, readdirSync } = await import('node:fs');
    const os = await import('node:os');
    const { defaultModelDir } = await import('../../src/face/manifest');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'face-models-'));
    try {
      for (const f of readdirSync(defaultModelDir())) copyFileSync(path.join(defaultModelDir(), f), path.join(dir, f));
      writeFileSync(path.join(dir, 'fr_eye.onnx'), 'tampered');
      await expect(createFaceVerifier({ modelDir: dir })).rejects.toThrow(/fr_eye\.onnx has SHA-256/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
