/**
 * @jest-environment ./test/face/ort-environment.js
 */
/**
 * The real models on the shared dev set (../shared/faces): every genuine pair matches and every
 * impostor pair does not at the manifest's default threshold, with 102×126 chip references
 * (BMP, as an ID reader delivers them); multi/ gives multiple_faces; quality gates fire on
 * degraded versions of a real photo.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../../src/face/decode';
import { FaceEngine, type FaceAnalysis } from '../../src/face/engine';
import { chipReference } from '../../src/face/evaluate';
import { defaultFacesDir, loadManifest } from '../../src/face/manifest';
import { encodeBmp24 } from '../../src/face/bmp';

const facesDir = defaultFacesDir();
const people = readdirSync(facesDir).filter((d) => d !== 'multi' && statSync(path.join(facesDir, d)).isDirectory());
const images = people.flatMap((p) =>
  readdirSync(path.join(facesDir, p))
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .map((f) => ({ person: p, file: path.join(p, f) })),
);

describe('face engine on the dev set', () => {
  let engine: FaceEngine;
  const probes = new Map<string, FaceAnalysis>();
  const references = new Map<string, FaceAnalysis>();

  beforeAll(async () => {
    engine = await FaceEngine.create({ livenessRequired: false });
    for (const { file } of images) {
      const bytes = readFileSync(path.join(facesDir, file));
      const img = await decodeImage(bytes);
      const chip = await chipReference(engine, img, { width: 102, height: 126 });
      expect(chip).not.toBeNull();
      const chipImg = await decodeImage(chip!);
      expect([chipImg.width, chipImg.height]).toEqual([102, 126]);
      references.set(file, await engine.analyzeImage(chipImg, 'reference'));
      probes.set(file, await engine.analyzeImage(img, 'probe'));
    }
  }, 60_000);

  afterAll(async () => {
    await engine.close();
  });

  it('uses the manifest threshold by default', () => {
    expect(engine.threshold).toBe(loadManifest().threshold);
    expect(images.length).toBeGreaterThanOrEqual(10);
  });

  it('every genuine pair matches and every impostor pair does not (chip-sized references)', () => {
    const wrong: string[] = [];
    let genuine = 0;
    let impostor = 0;
    for (const x of images) {
      for (const y of images) {
        if (x === y) continue;
        const check = engine.decide(probes.get(y.file)!, references.get(x.file)!, {});
        const same = x.person === y.person;
        if (same) genuine++;
        else impostor++;
        const expected = same ? 'match' : 'mismatch';
        if (check.outcome !== expected) wrong.push(`${x.file} → ${y.file}: ${check.outcome} ${check.score}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(genuine).toBeGreaterThan(20);
    expect(impostor).toBeGreaterThan(100);
  });

  it('verifies end to end from bytes: BMP chip reference against a full-size JPEG probe', async () => {
    const a = await decodeImage(readFileSync(path.join(facesDir, 'obama', 'obama_a.jpg')));
    const chip = (await chipReference(engine, a, { width: 102, height: 126 }))!;
    const same = await engine.verify({ probe: readFileSync(path.join(facesDir, 'obama', 'obama_d.jpg')), reference: chip });
    expect(same).toMatchObject({ outcome: 'match', match: true });
    expect(same.score!).toBeGreaterThan(same.threshold);
    const other = await engine.verify({ probe: readFileSync(path.join(facesDir, 'biden', 'biden_b.jpg')), reference: chip });
    expect(other).toMatchObject({ outcome: 'mismatch', match: false });
  });

  it('reports multiple_faces for the multi/ photos', async () => {
    const chip = encodeBmp24(await decodeImage(readFileSync(path.join(facesDir, 'obama', 'obama_f_small.jpg'))));
    for (const f of readdirSync(path.join(facesDir, 'multi'))) {
      const check = await engine.verify({ probe: readFileSync(path.join(facesDir, 'multi', f)), reference: chip });
      expect({ f, outcome: check.outcome, score: check.score }).toEqual({ f, outcome: 'multiple_faces', score: null });
    }
  });

  it('reports no_face for an image without a face, and reference_unusable for a faceless reference', async () => {
    const wall = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#8a8f7a' } }).jpeg().toBuffer();
    const probe = readFileSync(path.join(facesDir, 'obama', 'obama_a.jpg'));
    expect((await engine.verify({ probe: wall, reference: probe })).outcome).toBe('no_face');
    const blankChip = await sharp({ create: { width: 102, height: 126, channels: 3, background: '#ffffff' } }).png().toBuffer();
    expect((await engine.verify({ probe, reference: blankChip })).outcome).toBe('reference_unusable');
  });

  describe('quality gates on a degraded real photo', () => {
    const src = () => readFileSync(path.join(facesDir, 'obama', 'obama_a.jpg'));
    const video = () => readFileSync(path.join(facesDir, 'obama', 'obama_e_video_frame.jpg'));

    it.each([
      ['blurred', () => sharp(src()).blur(8).jpeg().toBuffer()],
      ['too_dark', () => sharp(src()).linear(0.22, 0).jpeg().toBuffer()],
      ['too_bright', () => sharp(src()).linear(0.4, 170).jpeg().toBuffer()],
      ['face_too_small', () => sharp(video()).resize(300).jpeg().toBuffer()],
    ])('%s', async (code, make) => {
      const a = await engine.analyze(await make(), 'probe');
      expect(a.status).toBe('ok');
      expect(a.quality).toContain(code);
      const reference = references.get(path.join('obama', 'obama_c.jpg'))!;
      expect(engine.decide(a, reference, {}).outcome).toBe('quality_failed');
    });

    it('eyes_closed when the eyes are painted over with skin', async () => {
      const img = await decodeImage(src());
      const a = await engine.analyzeImage(img, 'probe');
      expect(a.quality).toEqual([]);
      const lm = a.landmarks!;
      // Skin tone from the cheeks (between eye and mouth corners).
      const sample = (p: readonly number[]) => Array.from(img.data.slice((Math.round(p[1]) * img.width + Math.round(p[0])) * 3, (Math.round(p[1]) * img.width + Math.round(p[0])) * 3 + 3));
      const cheek = sample([(lm[41][0] + lm[48][0]) / 2, (lm[41][1] + lm[48][1]) / 2]);
      for (const start of [36, 42]) {
        const xs = lm.slice(start, start + 6).map((p) => p[0]);
        const ys = lm.slice(start, start + 6).map((p) => p[1]);
        const pad = (Math.max(...xs) - Math.min(...xs)) * 0.4;
        for (let y = Math.floor(Math.min(...ys) - pad); y <= Math.max(...ys) + pad; y++) {
          for (let x = Math.floor(Math.min(...xs) - pad); x <= Math.max(...xs) + pad; x++) img.data.set(cheek, (y * img.width + x) * 3);
        }
      }
      const closed = await engine.analyzeImage(img, 'probe');
      expect(closed.quality).toContain('eyes_closed');
    });
  });
});
