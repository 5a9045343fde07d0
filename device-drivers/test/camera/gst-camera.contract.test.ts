import { GstCamera, type CameraFrame } from '../../src/camera';
import { describeCameraContract } from '../contract/camera.contract';
import { startRtspTestCamera, type RtspTestCamera } from './rtsp-test-camera';

const seq = (img: unknown) => (img as CameraFrame).sequence;

describeCameraContract('GstCamera on a test pattern', async () => {
  const cam = new GstCamera({ source: { type: 'test', pattern: 'smpte' }, stillWidth: 320, stillFps: 5 });
  return {
    port: cam,
    expected: { width: 320, height: 240 },
    frameKey: seq,
    expectedSource: { type: 'test', pattern: 'smpte' },
    dispose: async () => {},
  };
});

describeCameraContract('GstCamera on the RTSP test camera', async () => {
  let tc: RtspTestCamera = await startRtspTestCamera();
  const port = tc.port;
  const cam = new GstCamera({
    source: { type: 'rtsp', url: tc.url },
    stillWidth: 320,
    stillFps: 5,
    captureTimeoutMs: 5000,
    staleAfterMs: 3000,
    reconnectMinMs: 200,
    reconnectMaxMs: 1000,
  });
  return {
    port: cam,
    expected: { width: 320, height: 180 },
    frameKey: seq,
    expectedSource: { type: 'rtsp', url: tc.url },
    stream: {
      stop: () => tc.stop(),
      restart: async () => {
        tc = await startRtspTestCamera({ port });
      },
    },
    dispose: async () => tc.stop(),
  };
}, 60_000);
