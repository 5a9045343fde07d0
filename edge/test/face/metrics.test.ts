import { folderPairs, metrics, parsePairsCsv, parseSize, percentile } from '../../src/face/evaluate';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('evaluation metrics', () => {
  it('computes TAR at FAR and EER on separable scores', () => {
    const genuine = [0.9, 0.8, 0.7, 0.6];
    const impostor = Array.from({ length: 100 }, (_, i) => i / 200); // 0 … 0.495
    const m = metrics(genuine, impostor);
    expect(m.tarAtFar[0]).toMatchObject({ far: 0.01, tar: 1 });
    // 1 % of 100 impostors may pass: the threshold is the 2nd-highest impostor score
    expect(m.tarAtFar[0].threshold).toBeCloseTo(0.49, 6);
    expect(m.eer).toBe(0);
  });

  it('computes TAR at FAR and EER with overlap', () => {
    const genuine = [0.9, 0.8, 0.3, 0.2];
    const impostor = [0.1, 0.15, 0.25, 0.85];
    const m = metrics(genuine, impostor, [0.25]);
    // one false accept allowed out of 4: threshold is the 2nd-highest impostor (0.25); genuine above it: 0.9, 0.8, 0.3
    expect(m.tarAtFar[0].threshold).toBe(0.25);
    expect(m.tarAtFar[0].tar).toBe(0.75);
    expect(m.eer).toBeCloseTo(0.25);
  });

  it('parses pairs.csv and sizes', () => {
    const pairs = parsePairsCsv('file_x,file_y,Decision\na.jpg,b.jpg,Yes\r\nc.jpg,d.jpg,No\n');
    expect(pairs).toEqual([{ x: 'a.jpg', y: 'b.jpg', genuine: true }, { x: 'c.jpg', y: 'd.jpg', genuine: false }]);
    expect(() => parsePairsCsv('a,b,Maybe')).toThrow(/Yes or No/);
    expect(parseSize('102x126')).toEqual({ width: 102, height: 126 });
    expect(() => parseSize('102')).toThrow();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
  });

  it('builds ordered genuine and impostor pairs from a folder-per-person layout, skipping multi/', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'faces-'));
    try {
      for (const [p, files] of [['ann', ['1.jpg', '2.jpg']], ['bob', ['1.png']], ['multi', ['x.jpg']]] as const) {
        mkdirSync(path.join(dir, p));
        for (const f of files) writeFileSync(path.join(dir, p, f), 'x');
      }
      const pairs = folderPairs(dir);
      expect(pairs.filter((p) => p.genuine)).toHaveLength(2);
      expect(pairs.filter((p) => !p.genuine)).toHaveLength(4);
      expect(pairs.some((p) => p.x.startsWith('multi') || p.y.startsWith('multi'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
