/** Loads and validates the face model manifest and resolves where the model files live. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FaceModelManifest, validate } from '@evalroom/contracts';

/** The repository root (edge/src/face or edge/dist/face → three levels up). */
export function repoRoot(): string {
  return path.resolve(__dirname, '..', '..', '..');
}

export function defaultManifestPath(): string {
  return path.join(repoRoot(), 'edge', 'face-models.manifest.json');
}

export function defaultModelDir(): string {
  return path.resolve(process.env.EVALROOM_MODEL_DIR || path.join(repoRoot(), '.cache', 'models'));
}

export function defaultFacesDir(): string {
  return path.resolve(process.env.EVALROOM_FACES_DIR || path.join(repoRoot(), '..', 'shared', 'faces'));
}

export function loadManifest(manifestPath = defaultManifestPath()): FaceModelManifest {
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (err) {
    throw new Error(`cannot read face model manifest ${manifestPath}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`face model manifest ${manifestPath} is not JSON: ${(err as Error).message}`);
  }
  const parsed = validate(FaceModelManifest, json);
  if (!parsed.ok) throw new Error(`face model manifest ${manifestPath} is invalid: ${parsed.reason}`);
  return parsed.value;
}

/** Reads every model file the manifest names and checks its SHA-256. Returns file bytes by role. */
export function readModelFiles(manifest: FaceModelManifest, modelDir = defaultModelDir()): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [role, m] of Object.entries(manifest.models)) {
    if (!m) continue;
    const file = path.resolve(modelDir, m.file);
    if (!existsSync(file)) {
      throw new Error(`face model ${file} is missing: run \`node scripts/fetch-models.js\` (or set EVALROOM_MODEL_DIR)`);
    }
    const bytes = readFileSync(file);
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (hash !== m.sha256) throw new Error(`face model ${file} has SHA-256 ${hash}, the manifest pins ${m.sha256}`);
    out[role] = bytes;
  }
  return out;
}
