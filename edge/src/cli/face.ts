/**
 * `evalroom face verify|eval`. Exit codes: 0 match (verify) / evaluation done (eval); 1 checked
 * but no match; 2 bad usage or unusable input (unreadable, not an image, too large).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeImage } from '../face/decode';
import { FaceEngine } from '../face/engine';
import { evaluatePairs, folderPairs, parsePairsCsv, parseSize, type EvalResult } from '../face/evaluate';
import { defaultFacesDir } from '../face/manifest';

const USAGE = `usage:
  evalroom face verify --probe LIVE --reference CHIP [--json] [--threshold T] [--liveness-optional]
  evalroom face eval [--images DIR] [--pairs pairs.csv] [--reference-size 102x126] [--json] [--scores FILE]
common: [--model-dir DIR] [--manifest FILE] [--threads N]`;

type Out = { out: (s: string) => void; err: (s: string) => void };
const stdio: Out = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') };

export async function main(argv: string[], io: Out = stdio): Promise<number> {
  const [cmd, ...rest] = argv;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: rest,
      options: {
        probe: { type: 'string' },
        reference: { type: 'string' },
        images: { type: 'string' },
        pairs: { type: 'string' },
        'reference-size': { type: 'string', default: '102x126' },
        scores: { type: 'string' },
        json: { type: 'boolean', default: false },
        threshold: { type: 'string' },
        'liveness-optional': { type: 'boolean', default: false },
        'model-dir': { type: 'string' },
        manifest: { type: 'string' },
        threads: { type: 'string', default: '1' },
      },
      strict: true,
    }).values;
  } catch (err) {
    io.err(`face: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (cmd !== 'verify' && cmd !== 'eval') {
    io.err(USAGE);
    return 2;
  }
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= -1 && threshold <= 1)) {
    io.err('face: --threshold must be a number in [-1, 1]');
    return 2;
  }
  let engine: FaceEngine;
  try {
    engine = await FaceEngine.create({
      modelDir: values['model-dir'] as string | undefined,
      manifestPath: values.manifest as string | undefined,
      threshold,
      // Dev-set photos say nothing about presentation attacks: eval measures matching only.
      livenessRequired: cmd === 'verify' ? !values['liveness-optional'] : false,
      intraOpThreads: Number(values.threads) || 1,
    });
  } catch (err) {
    io.err(`face: ${(err as Error).message}`);
    return 2;
  }
  try {
    return cmd === 'verify' ? await verify(engine, values, io) : await evaluate(engine, values, io);
  } catch (err) {
    const e = err as Error & { code?: string; role?: string };
    io.err(`face: ${e.role ? `${e.role}: ` : ''}${e.message}${e.code ? ` (${e.code})` : ''}`);
    return 2;
  } finally {
    await engine.close();
  }
}

function readInput(file: unknown, what: string): Buffer {
  if (typeof file !== 'string' || !file) throw new Error(`--${what} FILE is required`);
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function verify(engine: FaceEngine, v: Record<string, unknown>, io: Out): Promise<number> {
  const probe = readInput(v.probe, 'probe');
  const reference = readInput(v.reference, 'reference');
  const check = await engine.verify({ probe, reference });
  const summary = {
    match: check.match,
    outcome: check.outcome,
    score: check.score,
    threshold: check.threshold,
    liveness: check.liveness ?? null,
    quality: check.quality,
    modelVersion: check.modelVersion,
    timingsMs: check.timingsMs,
  };
  if (v.json) io.out(JSON.stringify(summary));
  else {
    io.out(`${check.match ? 'MATCH' : 'NO MATCH'} (${check.outcome}) score=${check.score ?? '-'} threshold=${check.threshold}` +
      ` liveness=${check.liveness ?? '-'} quality=[${check.quality.join(', ')}] total=${check.timingsMs.total} ms`);
  }
  return check.match ? 0 : 1;
}

async function evaluate(engine: FaceEngine, v: Record<string, unknown>, io: Out): Promise<number> {
  const dir = typeof v.images === 'string' ? v.images : defaultFacesDir();
  const pairs = typeof v.pairs === 'string' ? parsePairsCsv(readInput(v.pairs, 'pairs').toString('utf8')) : folderPairs(dir);
  if (pairs.length === 0) throw new Error(`no pairs found under ${dir}`);
  const size = parseSize(String(v['reference-size']));
  const r = await evaluatePairs(engine, dir, pairs, size, (b) => decodeImage(b));
  if (typeof v.scores === 'string') {
    const lines = ['file_x,file_y,score,match', ...r.scores.map((s) => `${s.x},${s.y},${s.score},${s.match}`)];
    writeFileSync(v.scores, lines.join('\n') + '\n');
  }
  const report = evalReport(r);
  if (v.json) io.out(JSON.stringify(report));
  else {
    io.out(`pairs: ${report.genuinePairs} genuine, ${report.impostorPairs} impostor; threshold ${report.threshold}`);
    for (const t of report.tarAtFar) io.out(`TAR @ FAR ${t.far * 100}%: ${(t.tar * 100).toFixed(2)}% (threshold ${t.threshold.toFixed(4)})`);
    io.out(`EER: ${(report.eer * 100).toFixed(2)}%  genuine min ${report.genuineMin}  impostor max ${report.impostorMax}`);
    io.out(`errors at the threshold: ${report.falseRejects} false rejects, ${report.falseAccepts} false accepts`);
    io.out(`latency per verify: p50 ${report.latencyMs.p50.toFixed(1)} ms, p99 ${report.latencyMs.p99.toFixed(1)} ms`);
  }
  return 0;
}

export function evalReport(r: EvalResult) {
  return {
    threshold: r.threshold,
    genuinePairs: r.metrics.genuinePairs,
    impostorPairs: r.metrics.impostorPairs,
    tarAtFar: r.metrics.tarAtFar,
    eer: r.metrics.eer,
    genuineMin: r.metrics.genuineMin,
    impostorMax: r.metrics.impostorMax,
    falseRejects: r.scores.filter((s) => s.genuine && !s.match).length,
    falseAccepts: r.scores.filter((s) => !s.genuine && s.match).length,
    roc: r.metrics.roc,
    latencyMs: r.latencyMs,
  };
}
