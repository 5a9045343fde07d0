import sharp from 'sharp';
import type { CameraPort, CapturedImage } from '../../src/ports';
import { nextEvent, waitFor } from '../helpers/wait';

export interface CameraHarness {
  port: CameraPort;
  /** Size every capture must have. */
  expected: { width: number; height: number };
  /** Simulators queue the next picture here; a live camera needs nothing. */
  beforeCapture?(): void;
  /** Identity of a frame (sequence number, or the picture's bytes for a simulator). */
  frameKey(image: CapturedImage): string | number;
  /** Stream the recorder must be told about. */
  expectedSource: ReturnType<CameraPort['streamSource']>;
  /** Cameras behind a network stream: take it away and bring it back on the same address. */
  stream?: { stop(): Promise<void>; restart(): Promise<void> };
  dispose(): Promise<void>;
}

/** Decodes the JPEG for real (libjpeg through sharp) and returns its pixel size. */
async function decodeJpeg(img: CapturedImage): Promise<{ width: number; height: number }> {
  expect(img.format).toBe('jpeg');
  expect(img.image.subarray(0, 2).toString('hex')).toBe('ffd8');
  const { info } = await sharp(img.image).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height };
}

export function describeCameraContract(name: string, makeSubject: () => Promise<CameraHarness>, timeoutMs = 30_000): void {
  describe(`CameraPort contract: ${name}`, () => {
    let h: CameraHarness;
    const capture = () => {
      h.beforeCapture?.();
      return h.port.capture();
    };

    beforeEach(async () => {
      h = await makeSubject();
      await h.port.start();
    });
    afterEach(async () => {
      await h.port.stop();
      await h.dispose();
    }, timeoutMs);

    it('captures a decodable JPEG of the expected size and reports the stream source', async () => {
      const still = await capture();
      expect({ width: still.width, height: still.height }).toEqual(h.expected);
      expect(await decodeJpeg(still)).toEqual(h.expected);
      expect(h.port.streamSource()).toEqual(h.expectedSource);
    }, timeoutMs);

    it('consecutive captures are different frames, and health reports present and last seen', async () => {
      const before = Date.now();
      const a = await capture();
      const b = await capture();
      expect(h.frameKey(b)).not.toEqual(h.frameKey(a));
      const health = h.port.health();
      expect(health.present).toBe(true);
      expect(health.lastSeen).toBeInstanceOf(Date);
      expect(health.lastSeen!.getTime()).toBeGreaterThanOrEqual(before);
    }, timeoutMs);

    it('capture after stop fails cleanly and health says absent', async () => {
      await capture();
      await h.port.stop();
      await expect(capture()).rejects.toThrow(/not started/);
      expect(h.port.health().present).toBe(false);
    }, timeoutMs);

    it('stream loss: streamLost and failing captures, then streamRestored and captures again', async () => {
      if (!h.stream) {
        // Cameras without a network stream have nothing to pull; the suite still proves capture works.
        await capture();
        return;
      }
      await capture();
      const lost = nextEvent<[string]>(h.port, 'streamLost', 15_000);
      await h.stream.stop();
      expect((await lost)[0]).toEqual(expect.any(String));
      expect(h.port.health().present).toBe(false);
      await expect(capture()).rejects.toThrow(/lost/);
      expect(h.port.health().errors).toBeGreaterThan(0);
      const restored = nextEvent<[]>(h.port, 'streamRestored', 20_000);
      await h.stream.restart();
      await restored;
      await waitFor(() => h.port.health().present, 5000, 'camera present again');
      const still = await capture();
      expect(await decodeJpeg(still)).toEqual(h.expected);
    });
  });
}
