import { join } from 'node:path';
import type { EdgeConfig, FaceVerifier } from '@evalroom/contracts';

/**
 * Loads the real face engine (edge/src/face, `createFaceVerifier`). It is resolved at run time so
 * the appliance builds before that module exists; without it, startup fails with a clear error
 * rather than ever faking a face decision.
 */
export async function loadFaceVerifier(face: EdgeConfig['face']): Promise<FaceVerifier> {
  let mod: { createFaceVerifier?: (options: Record<string, unknown>) => FaceVerifier | Promise<FaceVerifier> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(join(__dirname, '..', 'face'));
  } catch (err) {
    throw new Error(`face verification is needed for check-in but the face engine is not available: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof mod.createFaceVerifier !== 'function') throw new Error('face verification is needed for check-in but edge/face does not export createFaceVerifier');
  return mod.createFaceVerifier({
    ...(face.modelDir ? { modelDir: face.modelDir } : {}),
    ...(face.manifest ? { manifestPath: face.manifest } : {}),
    ...(face.threshold !== undefined ? { threshold: face.threshold } : {}),
    livenessRequired: face.livenessRequired,
    intraOpThreads: face.intraOpThreads,
  });
}
