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

interface Pending {
  resolve: (c: FaceCheck) => void;
  reject: (e: Error) => void;
}

/** One worker thread and its in-flight requests. */
class WorkerHandle {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private onClosed?: () => void;
  exited = false;
  readonly ready: Promise<{ modelVersion: string; threshold: number }>;
  private readonly worker: Worker;

  constructor(engineOptions: FaceEngineOptions) {
    disableOrtTelemetry();
    this.worker = new Worker(workerScriptPath(), { workerData: engineOptions });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: WorkerReply) => {
        switch (m.kind) {
          case 'ready':
            resolve({ modelVersion: m.modelVersion, threshold: m.threshold });
            break;
          case 'init_error':
            reject(new Error(`face engine failed to start: ${m.message}`));
            break;
          case 'result': {
            const p = this.take(m.id);
            const parsed = validate(FaceCheck, m.check);
            if (!p) break;
            if (parsed.ok) p.resolve(parsed.value);
            else p.reject(new Error(`face worker returned an invalid FaceCheck: ${parsed.reason}`));
            break;
          }
          case 'error': {
            const p = this.take(m.id);
            if (!p) break;
            const err = m.code ? new FaceInputError(m.code as FaceInputErrorCode, m.message) : new Error(m.message);
            if (m.role) Object.assign(err, { role: m.role });
            p.reject(err);
            break;
          }
          case 'closed':
            this.onClosed?.();
            break;
        }
      });
      this.worker.on('error', (err) => {
        reject(err);
        this.failAll(err);
      });
      this.worker.on('exit', (code) => {
        this.exited = true;
        const err = new Error(`face worker exited (code ${code})`);
        reject(err);
        this.failAll(err);
        this.onClosed?.();
      });
    });
    this.ready.catch(() => undefined);
  }

  private take(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  verify(probe: Uint8Array, reference: Uint8Array): Promise<FaceCheck> {
    const id = this.nextId++;
    return new Promise<FaceCheck>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const req: WorkerRequest = { kind: 'verify', id, probe, reference };
      this.worker.postMessage(req, [probe.buffer as ArrayBuffer, reference.buffer as ArrayBuffer]);
    });
  }

  /** Asks the worker to release its sessions, then terminates it (forcibly after 5 s). */
  async close(): Promise<void> {
    if (!this.exited) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => void this.worker.terminate(), 5000);
        this.onClosed = () => {
          clearTimeout(timer);
          resolve();
        };
        this.worker.postMessage({ kind: 'close' } satisfies WorkerRequest);
      });
    }
    await this.worker.terminate();
  }

  /** For tests of crash recovery: kills the thread as a native crash would. */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/**
 * Starts the inference worker and resolves once the models are loaded (so a broken model set
 * fails here, at start-up). If the worker dies later, in-flight checks reject and the next
 * verify() starts a fresh worker.
 */
export async function createFaceVerifier(options: FaceVerifierOptions = {}): Promise<WorkerFaceVerifier> {
  const engineOptions: FaceEngineOptions = {
    modelDir: options.modelDir,
    manifestPath: options.manifestPath,
    threshold: options.threshold,
    livenessRequired: options.livenessRequired ?? true,
    intraOpThreads: options.intraOpThreads ?? 1,
  };
  let handle = new WorkerHandle(engineOptions);
  let info: { modelVersion: string; threshold: number };
  try {
    info = await handle.ready;
  } catch (err) {
    await handle.terminate();
    throw err;
  }
  let closing: Promise<void> | undefined;

  // A private copy is transferred so the caller's buffers stay usable and nothing is shared.
  const copy = (b: Buffer) => {
    const u = new Uint8Array(b.byteLength);
    u.set(b);
    return u;
  };

  const verifier: WorkerFaceVerifier & { crashWorkerForTest(): Promise<number> } = {
    modelVersion: info.modelVersion,
    threshold: info.threshold,
    async verify(input) {
      if (closing) throw new Error('face verifier is closed');
      if (handle.exited) {
        handle = new WorkerHandle(engineOptions);
        await handle.ready;
      }
      return handle.verify(copy(input.probe), copy(input.reference));
    },
    close() {
      closing ??= handle.close();
      return closing;
    },
    crashWorkerForTest() {
      return handle.terminate();
    },
  };
  return verifier;
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
