/**
 * The FaceVerifier port backed by a worker thread. The main thread only copies bytes in and gets
 * a FaceCheck back; decoding and inference run in the worker.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FaceCheck, validate, type EdgeConfig, type FaceVerifier } from '@evalroom/contracts';
import type { FaceEngineOptions } from './engine';
import { disableOrtTelemetry } from './ort-env';
import { FaceInputError, type FaceInputErrorCode } from './image-types';
import type { WorkerReply, WorkerRequest } from './worker';

export interface FaceVerifierOptions {
  modelDir?: string;
  manifestPath?: string;
  threshold?: number;
  livenessRequired?: boolean;
  intraOpThreads?: number;
}

export interface WorkerFaceVerifier extends FaceVerifier {
  readonly modelVersion: string;
  readonly threshold: number;
}

/** The compiled worker: next to this file in dist/, or edge/dist/face when running from src/ (Jest). */
export function workerScriptPath(): string {
  const here = path.join(__dirname, 'worker.js');
  if (existsSync(here)) return here;
  const built = path.resolve(__dirname, '..', '..', 'dist', 'face', 'worker.js');
  if (existsSync(built)) return built;
  throw new Error(`face worker script not found (looked for ${here} and ${built}); build the edge first (tsc -b)`);
}

export async function createFaceVerifier(options: FaceVerifierOptions = {}): Promise<WorkerFaceVerifier> {
  const engineOptions: FaceEngineOptions = {
    modelDir: options.modelDir,
    manifestPath: options.manifestPath,
    threshold: options.threshold,
    livenessRequired: options.livenessRequired ?? true,
    intraOpThreads: options.intraOpThreads ?? 1,
  };
  disableOrtTelemetry();
  const worker = new Worker(workerScriptPath(), { workerData: engineOptions });
  const pending = new Map<number, { resolve: (c: FaceCheck) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let closed = false;
  let closing: Promise<void> | undefined;
  let onClosed: (() => void) | undefined;

  const ready = new Promise<{ modelVersion: string; threshold: number }>((resolve, reject) => {
    worker.on('message', (m: WorkerReply) => {
      switch (m.kind) {
        case 'ready':
          resolve({ modelVersion: m.modelVersion, threshold: m.threshold });
          break;
        case 'init_error':
          reject(new Error(`face engine failed to start: ${m.message}`));
          break;
        case 'result': {
          const p = pending.get(m.id);
          pending.delete(m.id);
          const parsed = validate(FaceCheck, m.check);
          if (!p) break;
          if (parsed.ok) p.resolve(parsed.value);
          else p.reject(new Error(`face worker returned an invalid FaceCheck: ${parsed.reason}`));
          break;
        }
        case 'error': {
          const p = pending.get(m.id);
          pending.delete(m.id);
          if (!p) break;
          const err = m.code ? new FaceInputError(m.code as FaceInputErrorCode, m.message) : new Error(m.message);
          if (m.role) Object.assign(err, { role: m.role });
          p.reject(err);
          break;
        }
        case 'closed':
          onClosed?.();
          break;
      }
    });
    worker.on('error', (err) => {
      reject(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    worker.on('exit', (code) => {
      closed = true;
      const err = new Error(`face worker exited (code ${code})`);
      reject(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      onClosed?.();
    });
  });

  let info: { modelVersion: string; threshold: number };
  try {
    info = await ready;
  } catch (err) {
    await worker.terminate();
    throw err;
  }

  // A private copy is transferred so the caller's buffers stay usable and nothing is shared.
  const copy = (b: Buffer) => {
    const u = new Uint8Array(b.byteLength);
    u.set(b);
    return u;
  };

  return {
    modelVersion: info.modelVersion,
    threshold: info.threshold,
    verify(input) {
      if (closed || closing) return Promise.reject(new Error('face verifier is closed'));
      const id = nextId++;
      const probe = copy(input.probe);
      const reference = copy(input.reference);
      return new Promise<FaceCheck>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const req: WorkerRequest = { kind: 'verify', id, probe, reference };
        worker.postMessage(req, [probe.buffer, reference.buffer]);
      });
    },
    close() {
      if (closing) return closing;
      closing = new Promise<void>((resolve) => {
        if (closed) return resolve();
        const timer = setTimeout(() => void worker.terminate(), 5000);
        onClosed = () => {
          clearTimeout(timer);
          resolve();
        };
        worker.postMessage({ kind: 'close' } satisfies WorkerRequest);
      }).then(async () => {
        await worker.terminate();
      });
      return closing;
    },
  };
}

/** Maps the appliance config's `face` section (EdgeConfig.face) onto the verifier's options. */
export function faceVerifierOptions(face: EdgeConfig['face']): FaceVerifierOptions {
  return {
    modelDir: face.modelDir,
    manifestPath: face.manifest,
    threshold: face.threshold,
    livenessRequired: face.livenessRequired,
    intraOpThreads: face.intraOpThreads,
  };
}
