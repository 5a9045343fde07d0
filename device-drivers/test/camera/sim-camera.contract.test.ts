import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { SimCamera } from '../../src/sim';
import { describeCameraContract } from '../contract/camera.contract';

/** Two different JPEGs of one size, as a camera at the door would give. */
async function stills(): Promise<Buffer[]> {
  return Promise.all(
    [40, 200].map((v) => sharp({ create: { width: 320, height: 240, channels: 3, background: { r: v, g: 255 - v, b: 90 } } }).jpeg().toBuffer()),
  );
}

describeCameraContract('simulated camera', async () => {
  const frames = await stills();
  const cam = new SimCamera({ rtspUrl: 'rtsp://127.0.0.1:8554/door' });
  let n = 0;
  return {
    port: cam,
    expected: { width: 320, height: 240 },
    beforeCapture: () => void cam.setNextFrame(frames[n++ % frames.length]!),
    frameKey: (img) => createHash('sha256').update(img.image).digest('hex'),
    expectedSource: { type: 'rtsp', url: 'rtsp://127.0.0.1:8554/door' },
    stream: { stop: async () => cam.loseStream('cable pulled'), restart: async () => cam.restoreStream() },
    dispose: async () => {},
  };
});
