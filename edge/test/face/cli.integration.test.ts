/**
 * @jest-environment ./test/face/ort-environment.js
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/face';
import { defaultFacesDir } from '../../src/face/manifest';
import { pngHeaderClaiming } from './fixtures';

const faces = defaultFacesDir();

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('evalroom face CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'face-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verify --json prints the decision, score, threshold, liveness, quality and timings', async () => {
    const r = await cli(['verify', '--probe', path.join(faces, 'obama', 'obama_b.jpg'), '--reference', path.join(faces, 'obama', 'obama_a.jpg'), '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ match: true, outcome: 'match', quality: [] });
    expect(j.score).toBeGreaterThan(j.threshold);
    expect(typeof j.liveness).toBe('number');
    expect(j.timingsMs.total).toBeGreaterThan(0);
  });

  it('verify exits 1 on a different person', async () => {
    const r = await cli(['verify', '--probe', path.join(faces, 'rose_leslie', 'rose_a.jpg'), '--reference', path.join(faces, 'obama', 'obama_a.jpg'), '--liveness-optional']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^NO MATCH \(mismatch\)/);
  });

  it.each([
    ['a text file', () => { const f = path.join(dir, 'notes.jpg'); writeFileSync(f, 'not a photo'); return f; }, /not an image/],
    ['a truncated JPEG', () => { const f = path.join(dir, 'cut.jpg'); writeFileSync(f, readFileSync(path.join(faces, 'obama', 'obama_a.jpg')).subarray(0, 5000)); return f; }, /unreadable_image/],
    ['an enormous image', () => { const f = path.join(dir, 'bomb.png'); writeFileSync(f, pngHeaderClaiming(100_000, 100_000)); return f; }, /image_too_large/],
    ['a missing file', () => path.join(dir, 'nope.jpg'), /cannot read probe/],
  ])('verify exits 2 with a clear message for %s', async (_n, make, message) => {
    const r = await cli(['verify', '--probe', make(), '--reference', path.join(faces, 'obama', 'obama_a.jpg')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('eval with pairs.csv reports TAR at FAR, EER, ROC and latency, and writes scores', async () => {
    const pairs = path.join(dir, 'pairs.csv');
    writeFileSync(pairs, [
      'file_x,file_y,Decision',
      'obama/obama_a.jpg,obama/obama_b.jpg,Yes',
      'kit_harington/kit_a.jpg,kit_harington/kit_c.jpg,Yes',
      'obama/obama_a.jpg,biden/biden_b.jpg,No',
      'rose_leslie/rose_a.jpg,kit_harington/kit_b.jpg,No',
    ].join('\n'));
    const scores = path.join(dir, 'scores.csv');
    const r = await cli(['eval', '--images', faces, '--pairs', pairs, '--reference-size', '102x126', '--json', '--scores', scores]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ genuinePairs: 2, impostorPairs: 2, eer: 0, falseRejects: 0, falseAccepts: 0 });
    expect(j.tarAtFar.map((t: { far: number }) => t.far)).toEqual([0.01, 0.001, 0.0001]);
    expect(j.roc.length).toBeGreaterThan(2);
    expect(j.latencyMs.p99).toBeGreaterThanOrEqual(j.latencyMs.p50);
    const lines = readFileSync(scores, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('file_x,file_y,score,match');
    expect(lines.slice(1).map((l) => l.split(',')[3])).toEqual(['true', 'true', 'false', 'false']);
  });

  it('rejects unknown subcommands and options', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['verify', '--bogus'])).code).toBe(2);
  });
});
