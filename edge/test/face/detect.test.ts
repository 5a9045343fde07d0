import { boxesToImage, chooseFace, decodeBoxes, iou, letterbox, nms, priorBoxes, type Box } from '../../src/face/detect';

const box = (x1: number, y1: number, x2: number, y2: number, score = 0.9): Box => ({ x1, y1, x2, y2, score });

describe('NMS', () => {
  it('computes intersection over union', () => {
    expect(iou(box(0, 0, 10, 10), box(0, 0, 10, 10))).toBeCloseTo(1);
    expect(iou(box(0, 0, 10, 10), box(5, 0, 15, 10))).toBeCloseTo(50 / 150);
    expect(iou(box(0, 0, 10, 10), box(20, 20, 30, 30))).toBe(0);
  });

  it('keeps the best of overlapping boxes and all separate ones', () => {
    const kept = nms([box(0, 0, 10, 10, 0.8), box(1, 1, 11, 11, 0.95), box(50, 50, 60, 60, 0.7), box(0, 0, 10, 9, 0.9)], 0.4);
    expect(kept.map((b) => b.score)).toEqual([0.95, 0.7]);
  });

  it('keeps boxes whose overlap is below the threshold', () => {
    expect(nms([box(0, 0, 10, 10, 0.9), box(7, 0, 17, 10, 0.8)], 0.4)).toHaveLength(2);
  });
});

describe('box decoding', () => {
  it('builds the UltraFace prior set for 320×240 (4420 priors)', () => {
    const p = priorBoxes(320, 240, { minSizes: [[10, 16, 24], [32, 48], [64, 96], [128, 192, 256]], steps: [8, 16, 32, 64], variance: [0.1, 0.2] });
    expect(p.length / 4).toBe(4420);
    // first prior: centre of the first 8×8 cell, 10 px wide
    expect(p[0]).toBeCloseTo(4 / 320);
    expect(p[1]).toBeCloseTo(4 / 240);
    expect(p[2]).toBeCloseTo(10 / 320);
  });

  it('decodes pre-normalised x1y1x2y2 boxes and filters by score', () => {
    const raw = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.6, 0.7]);
    const scores = Float32Array.from([0.1, 0.9, 0.8, 0.2]);
    const out = decodeBoxes(raw, scores, 0.5, 'normalized_xyxy');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ score: expect.closeTo(0.9, 5) });
    expect(out[0].x1).toBeCloseTo(0.1);
    expect(out[0].y2).toBeCloseTo(0.4);
  });

  it('decodes SSD offsets against priors (zero offsets give the prior itself)', () => {
    const priors = Float32Array.from([0.5, 0.5, 0.2, 0.4]);
    const zero = decodeBoxes(Float32Array.from([0, 0, 0, 0]), Float32Array.from([0, 1]), 0.5, 'ssd_priors', priors);
    expect(zero[0].x1).toBeCloseTo(0.4);
    expect(zero[0].x2).toBeCloseTo(0.6);
    expect(zero[0].y1).toBeCloseTo(0.3);
    expect(zero[0].y2).toBeCloseTo(0.7);
    // dx = 1 shifts the centre by variance·width; dw = ln(2)/0.2 doubles the width
    const moved = decodeBoxes(Float32Array.from([1, 0, Math.log(2) / 0.2, 0]), Float32Array.from([0, 1]), 0.5, 'ssd_priors', priors);
    expect((moved[0].x1 + moved[0].x2) / 2).toBeCloseTo(0.5 + 0.1 * 0.2);
    expect(moved[0].x2 - moved[0].x1).toBeCloseTo(0.4);
  });

  it('maps letterboxed detections back to image pixels', () => {
    // A 640×240 image letterboxed into 320×240: scale 2 source px per input px, 60 px bands top and bottom.
    const m = letterbox(0, 0, 640, 240, 320, 240);
    expect(m[0]).toBeCloseTo(2);
    expect(m[5]).toBeCloseTo(-120);
    const [b] = boxesToImage([box(0.25, 0.5, 0.5, 0.75)], 320, 240, m);
    expect(b.x1).toBeCloseTo(160);
    expect(b.x2).toBeCloseTo(320);
    expect(b.y1).toBeCloseTo(120);
    expect(b.y2).toBeCloseTo(240);
  });
});

describe('choosing the face', () => {
  it('reports no face', () => {
    expect(chooseFace([], 100, 100).kind).toBe('none');
  });

  it('picks the largest, most central face and ignores small background faces', () => {
    const c = chooseFace([box(5, 5, 20, 20), box(40, 30, 70, 70), box(80, 0, 95, 15)], 100, 100);
    expect(c.kind).toBe('one');
    if (c.kind === 'one') {
      expect(c.face.x1).toBe(40);
      expect(c.others).toHaveLength(2);
    }
  });

  it('reports several comparable faces', () => {
    const c = chooseFace([box(10, 30, 40, 70), box(60, 30, 88, 68)], 100, 100);
    expect(c.kind).toBe('multiple');
  });
});
