import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultModelDir, loadManifest, repoRoot } from '../../src/face/manifest';

const script = path.join(repoRoot(), 'scripts', 'fetch-models.js');

describe('scripts/fetch-models.js', () => {
  it('pins exactly the files and hashes the default manifest names', () => {
    const text = readFileSync(script, 'utf8');
    const pinned = Object.fromEntries([...text.matchAll(/'(fr_[a-z]+\.onnx)':\s*'([0-9a-f]{64})'/g)].map((m) => [m[1], m[2]]));
    const manifest = loadManifest();
    const named = Object.fromEntries(Object.values(manifest.models).map((m) => [m!.file, m!.sha256]));
    expect(pinned).toEqual(named);
  });

  it('does nothing when the cache already holds verified files (no network, no writes)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'models-'));
    try {
      for (const f of readdirSync(defaultModelDir())) copyFileSync(path.join(defaultModelDir(), f), path.join(dir, f));
      const before = readdirSync(dir).map((f) => [f, statSync(path.join(dir, f)).mtimeMs]);
      const r = spawnSync(process.execPath, [script], { env: { ...process.env, EVALROOM_MODEL_DIR: dir, npm_config_offline: 'true' }, encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('');
      expect(readdirSync(dir).map((f) => [f, statSync(path.join(dir, f)).mtimeMs])).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
