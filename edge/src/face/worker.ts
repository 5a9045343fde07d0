/**
 * Worker-thread entry: owns one FaceEngine (onnxruntime sessions, 1 intra-op thread by default)
 * so inference never blocks the main event loop. Messages carry image bytes in and a FaceCheck
 * out; nothing is persisted or logged here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FaceEngine, type FaceEngineOptions } from './engine';
import { FaceInputError } from './image-types';

export type WorkerRequest =
  | { kind: 'verify'; id: number; probe: Uint8Array; reference: Uint8Array }
  | { kind: 'close' };

export type WorkerReply =
  | { kind: 'ready'; modelVersion: string; threshold: number }
  | { kind: 'init_error'; message: string }
  | { kind: 'result'; id: number; check: unknown }
  | { kind: 'error'; id: number; name: string; code?: string; role?: string; message: string }
  | { kind: 'closed' };

function start(): void {
  const port = parentPort;
  if (!port) throw new Error('face worker must run in a worker thread');
  const post = (m: WorkerReply) => port.postMessage(m);
  const options = workerData as FaceEngineOptions;
  const engineReady = FaceEngine.create(options);
  let engine: FaceEngine | undefined;
  engineReady.then(
    (e) => {
      engine = e;
      post({ kind: 'ready', modelVersion: e.modelVersion, threshold: e.threshold });
    },
    (err: Error) => post({ kind: 'init_error', message: err.message }),
  );
  // Requests that arrive while the models load wait for them.
  let chain: Promise<unknown> = engineReady.catch(() => undefined);

  port.on('message', (msg: WorkerRequest) => {
    // One check at a time, in arrival order.
    chain = chain.then(async () => {
      if (msg.kind === 'close') {
        await engine?.close();
        post({ kind: 'closed' });
        port.close();
        return;
      }
      try {
        if (!engine) throw new Error('face engine failed to start');
        const toBuf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
        const check = await engine.verify({ probe: toBuf(msg.probe), reference: toBuf(msg.reference) });
        post({ kind: 'result', id: msg.id, check });
      } catch (err) {
        const e = err as Error & { role?: string };
        post({
          kind: 'error',
          id: msg.id,
          name: e.name,
          code: e instanceof FaceInputError ? e.code : undefined,
          role: e.role,
          message: e.message,
        });
      }
    });
  });
}

start();
