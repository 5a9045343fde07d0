/**
 * Privacy by design: during a check-in's face verification nothing is written to disk (no image,
 * crop, template or log file), and the FaceCheck that leaves the engine holds the decision, score,
 * quality codes, model version and timings only — never pixels or an embedding.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FaceCheck } from '@evalroom/contracts';
import { defaultFacesDir, repoRoot } from '../../src/face/manifest';

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? [p + '/', ...listFiles(p)] : [p];
  });
}

describe('face verification privacy', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'face-privacy-'));
    mkdirSync(path.join(dir, 'tmp'));
    mkdirSync(path.join(dir, 'home'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes nothing to disk and returns no image or template data', async () => {
    const before = listFiles(dir);
    const faces = defaultFacesDir();
    const child = spawn(process.execPath, ['--require', path.join(__dirname, 'fs-observer.js'), path.join(__dirname, 'privacy-child.js')], {
      cwd: dir,
      env: {
        ...process.env,
        TMPDIR: path.join(dir, 'tmp'),
        HOME: path.join(dir, 'home'),
        FACE_DIST: path.join(repoRoot(), 'edge', 'dist', 'face', 'index.js'),
        PROBE: path.join(faces, 'obama', 'obama_b.jpg'),
        REFERENCE: path.join(faces, 'obama', 'obama_a.jpg'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, stderr: stderr.split('\n').filter((l) => l.startsWith('ERROR')) }).toEqual({ code: 0, stderr: [] });

    // The observer ran in the main thread and in the inference worker, and saw no writes.
    expect(stderr).toContain('FSOBSERVER main');
    expect(stderr).toContain('FSOBSERVER worker');
    expect(stderr.split('\n').filter((l) => l.startsWith('FSWRITE'))).toEqual([]);
    // Nothing appeared in the working directory, TMPDIR or HOME (native code included).
    expect(listFiles(dir)).toEqual(before);

    const json = JSON.parse(stdout) as Record<string, unknown>;
    const parsed = FaceCheck.safeParse(json);
    expect(parsed.success).toBe(true);
    expect(Object.keys(json).sort()).toEqual(
      expect.arrayContaining(['match', 'modelVersion', 'outcome', 'quality', 'score', 'threshold', 'timingsMs']),
    );
    for (const k of Object.keys(json)) {
      expect(['outcome', 'match', 'score', 'threshold', 'liveness', 'quality', 'modelVersion', 'timingsMs']).toContain(k);
    }
    // No vectors or blobs: every value is a scalar, a short list of codes, or a map of numbers.
    expect(stdout.length).toBeLessThan(1500);
    expect((json.quality as unknown[]).every((q) => typeof q === 'string')).toBe(true);
    expect(Object.values(json.timingsMs as Record<string, unknown>).every((v) => typeof v === 'number')).toBe(true);
    expect(json.outcome).toBe('match');
  }, 30_000);
});
