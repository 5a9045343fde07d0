export { createFaceVerifier, faceVerifierOptions, workerScriptPath, type FaceVerifierOptions, type WorkerFaceVerifier } from './verifier';
export { FaceEngine, cosine, type FaceEngineOptions, type FaceAnalysis, type FaceRole } from './engine';
export { FaceInputError, type FaceInputErrorCode, type RgbImage } from './image-types';
export { decodeImage, checkImage, readImageHeader, DEFAULT_DECODE_LIMITS, type DecodeLimits } from './decode';
export { decodeBmp, encodeBmp24 } from './bmp';
export { loadManifest, defaultManifestPath, defaultModelDir, defaultFacesDir } from './manifest';
export { folderPairs, parsePairsCsv, evaluatePairs, metrics, chipReference, type Pair, type EvalResult } from './evaluate';
