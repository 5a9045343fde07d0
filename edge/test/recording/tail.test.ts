import { execFileSync, spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { createRecorder, initRecordingDisk, verifyPath } from '../../src/recording';
import { settleFragmentTail } from '../../src/recording/fragment-check';
import { readJournal } from '../../src/recording/journal';
import { decodeCheck } from '../../src/recording/probe';
import { dropLastVideoAccessUnit, inspectVideoTail, lastGopStream, TS_PACKET } from '../../src/recording/ts-tail';
import { segmentsOf, tempDir, waitFor } from './helpers';

jest.setTimeout(150_000);

/**
 * Fragments as the recorder writes them from an RTSP camera: H.264 with two slices per picture,
 * one NAL unit per PES (the parser's NAL alignment), an access unit delimiter before each picture.
 */
function encodeFixture(file: string, frames: number): void {
  execFileSync('gst-launch-1.0', [
    '-q', 'videotestsrc', `num-buffers=${frames}`, 'pattern=ball', '!', 'video/x-raw,width=320,height=180,framerate=15/1', '!',
    'x264enc', 'tune=zerolatency', 'threads=2', 'bframes=0', 'key-int-max=15', 'aud=true', '!',
    'h264parse', '!', 'video/x-h264,alignment=nal', '!', 'mpegtsmux', '!', 'filesink', `location=${file}`,
  ]);
}

/** Keeps only the first `keep` video PES (all other packets stay): a stream cut mid-picture. */
function keepVideoPes(buf: Buffer, keep: number): Buffer {
  const pid = 65; // mpegtsmux's first elementary stream
  const out: Buffer[] = [];
  let seen = 0;
  for (let off = 0; off < buf.length; off += TS_PACKET) {
    const p = buf.subarray(off, off + TS_PACKET);
    const isVideo = (((p[1]! & 0x1f) << 8) | p[2]!) === pid;
    if (isVideo && p[1]! & 0x40) seen++;
    if (!isVideo || seen <= keep) out.push(p);
  }
  return Buffer.concat(out);
}

function videoPesCount(buf: Buffer): number {
  let n = 0;
  for (let off = 0; off < buf.length; off += TS_PACKET) if ((((buf[off + 1]! & 0x1f) << 8) | buf[off + 2]!) === 65 && buf[off + 1]! & 0x40) n++;
  return n;
}

function countFrames(file: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  return Number(out.toString().trim().split('\n')[0]);
}

describe('the tail of a fragment closed at end of stream', () => {
  let root: string;
  let full: Buffer;
  let pes: number;

  beforeAll(async () => {
    root = await tempDir('tail');
    encodeFixture(path.join(root, 'full.ts'), 20);
    full = await fsp.readFile(path.join(root, 'full.ts'));
    pes = videoPesCount(full);
  });

  afterAll(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  const write = async (name: string, data: Buffer): Promise<string> => {
    const f = path.join(root, name);
    await fsp.writeFile(f, data);
    return f;
  };

  it('an intact fragment is left exactly as it is', async () => {
    const f = await write('intact.ts', full);
    expect(inspectVideoTail(full)).toMatchObject({ codec: 'h264', units: 20, last: { nalTypes: [9, 1, 1], hasPicture: true } });
    expect(await settleFragmentTail(f)).toEqual({ action: 'ok' });
    expect((await fsp.readFile(f)).equals(full)).toBe(true);
  });

  it('a drained delimiter without its picture (the CI failure) is cut off and every complete picture kept', async () => {
    // The last picture's two slices never arrived: only its 6-byte delimiter was drained.
    const f = await write('aud-only.ts', keepVideoPes(full, pes - 2));
    expect(await decodeCheck(f)).toEqual({ ok: false, reason: expect.stringMatching(/missing picture in access unit|no frame/) });
    expect(inspectVideoTail(await fsp.readFile(f))!.last).toEqual({ nalTypes: [9], hasPicture: false, bytes: 2 });
    const v = await settleFragmentTail(f);
    expect(v).toEqual({ action: 'trimmed', note: expect.stringMatching(/incomplete last access unit.*NAL types \[9\]/) });
    expect(await decodeCheck(f)).toEqual({ ok: true });
    expect(countFrames(f)).toBe(19);
  });

  it('a picture cut between its slices is cut off; the pictures before it stay', async () => {
    const f = await write('half-picture.ts', keepVideoPes(full, pes - 1));
    expect((await decodeCheck(f)).ok).toBe(false);
    expect(await settleFragmentTail(f)).toMatchObject({ action: 'trimmed', note: expect.stringMatching(/NAL types \[9,1\]/) });
    expect(await decodeCheck(f)).toEqual({ ok: true });
    expect(countFrames(f)).toBe(19);
  });

  it('a fragment without any complete picture is refused, and audio/table packets survive a cut', async () => {
    // Delimiter, parameter sets, SEI and only the first slice of the key picture.
    const f = await write('no-picture.ts', keepVideoPes(full, 5));
    expect(await settleFragmentTail(f)).toMatchObject({ action: 'no_picture', note: expect.stringMatching(/only an incomplete access unit/) });
    const cut = dropLastVideoAccessUnit(full)!;
    expect(cut.remainingPictures).toBe(19);
    // Only video packets went: the PAT/PMT are still at the start.
    expect(cut.data.subarray(0, TS_PACKET).equals(full.subarray(0, TS_PACKET))).toBe(true);
    expect(inspectVideoTail(Buffer.from('not a transport stream'))).toBeNull();
  });

  it('the judge decodes only the last group of pictures, with the parameter sets it needs', async () => {
    const gop = lastGopStream(full)!;
    // Key frame every 15 pictures: the last GOP of 20 pictures starts at picture 16.
    expect(gop).toMatchObject({ codec: 'h264', pictures: 5 });
    expect([gop.es[4]! & 0x1f, gop.es.indexOf(Buffer.from([0, 0, 0, 1, 0x68]))]).toEqual([7, expect.any(Number)]);
    const es = await write('gop.h264', gop.es);
    expect(countFrames(es)).toBe(5);
    expect(lastGopStream(keepVideoPes(full, 3))).toBeNull();
  });

  it('H.265 cameras: a drained delimiter without its picture is cut off the same way', async () => {
    const f = path.join(root, 'hevc.ts');
    execFileSync('gst-launch-1.0', [
      '-q', 'videotestsrc', 'num-buffers=20', 'pattern=ball', '!', 'video/x-raw,width=320,height=180,framerate=15/1', '!',
      'x265enc', 'tune=zerolatency', 'key-int-max=15', 'option-string=slices=2:aud=1:repeat-headers=1', '!',
      'h265parse', '!', 'video/x-h265,alignment=nal', '!', 'mpegtsmux', '!', 'filesink', `location=${f}`,
    ]);
    const hevc = await fsp.readFile(f);
    expect(inspectVideoTail(hevc)).toMatchObject({ codec: 'h265', units: 20, last: { nalTypes: [35, 1, 1] } });
    // ffmpeg's HEVC decoder accepts the dangling delimiter; it is cut because it holds no picture.
    await fsp.writeFile(f, keepVideoPes(hevc, videoPesCount(hevc) - 2));
    expect(await settleFragmentTail(f)).toMatchObject({ action: 'trimmed', note: expect.stringMatching(/NAL types \[35\]/) });
    expect(await decodeCheck(f)).toEqual({ ok: true });
    expect(countFrames(f)).toBe(19);
  });

  it('a file cut mid-packet by a kill keeps its whole pictures', async () => {
    const f = await write('killed.ts', full.subarray(0, Math.floor(full.length / 2) + 94));
    const v = await settleFragmentTail(f);
    expect(v.action === 'ok' || v.action === 'trimmed').toBe(true);
    expect(await decodeCheck(f)).toEqual({ ok: true });
    expect(countFrames(f)).toBeGreaterThanOrEqual(5);
  });
});

/**
 * A stand-in for gst-launch-1.0 (injected through `gstLaunch`): it writes prepared fragments
 * where the real pipeline would and prints the same splitmuxsink bus messages. Each run follows
 * the next step of the plan; `end: 'eos'` exits by itself (camera hung up), `'sigint'` waits for
 * the recorder's stop.
 */
async function fakeGstLaunch(dir: string, plan: Array<{ fragments: string[]; end: 'eos' | 'sigint' }>): Promise<string> {
  const script = path.join(dir, 'fake-gst-launch.js');
  const body = `#!${process.execPath}
const fs = require('fs');
const plan = ${JSON.stringify(plan)};
const counter = ${JSON.stringify(path.join(dir, 'runs'))};
fs.mkdirSync(counter, { recursive: true });
const run = fs.readdirSync(counter).length;
fs.writeFileSync(counter + '/' + run, '');
const step = plan[Math.min(run, plan.length - 1)];
const pattern = process.argv.find((a) => a.startsWith('location=')).slice(9);
const t0 = process.hrtime.bigint();
const rt = () => String(process.hrtime.bigint() - t0 + 1000000n);
const say = (what, loc) => fs.writeSync(1, 'Got message #1 from element "mux" (element): splitmuxsink-fragment-' + what + ', location=(string)' + loc + ', running-time=(guint64)' + rt() + ', sink=(GstElement)"sink";\\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let loc = null;
const end = () => { say('closed', loc); fs.writeSync(1, 'Got EOS from element "pipeline0".\\n'); process.exit(0); };
process.on('SIGINT', end);
(async () => {
  for (let i = 0; i < step.fragments.length; i++) {
    if (loc) say('closed', loc);
    loc = pattern.replace('%05d', String(i).padStart(5, '0'));
    fs.copyFileSync(step.fragments[i], loc);
    say('opened', loc);
    await sleep(400);
  }
  if (step.end === 'eos') end();
  else setInterval(() => undefined, 1000);
})();
`;
  await fsp.writeFile(script, body, { mode: 0o755 });
  return script;
}

describe('sealing decision at end of stream (pipeline simulated, fragments real)', () => {
  it('cuts a drained tail, never seals a fragment without a picture, and explains it in the next gap', async () => {
    const root = await tempDir('tailsvc');
    try {
      const fixtures = path.join(root, 'fixtures');
      await fsp.mkdir(fixtures);
      encodeFixture(path.join(fixtures, 'good.ts'), 15);
      const good = await fsp.readFile(path.join(fixtures, 'good.ts'));
      const n = videoPesCount(good);
      await fsp.writeFile(path.join(fixtures, 'drained.ts'), keepVideoPes(good, n - 2));
      await fsp.writeFile(path.join(fixtures, 'no-picture.ts'), keepVideoPes(good, 5));
      const f = (name: string) => path.join(fixtures, name);
      const gst = await fakeGstLaunch(root, [
        // 1: the camera hangs up; the pipeline drained a delimiter into the last fragment.
        { fragments: [f('good.ts'), f('drained.ts')], end: 'eos' },
        // 2: it hangs up right after a split: the last fragment never got a whole picture.
        { fragments: [f('good.ts'), f('no-picture.ts')], end: 'eos' },
        // 3: records until stopped.
        { fragments: [f('good.ts'), f('good.ts')], end: 'sigint' },
      ]);
      const dir = path.join(root, 'rec');
      await initRecordingDisk(dir);
      const logs: string[] = [];
      const r = await createRecorder({
        applianceId: 'appl-t',
        dir,
        keyPath: path.join(root, 'secrets', 't.pem'),
        cameras: [{ cameraId: 'camt', source: { type: 'test', pattern: 'ball' } }],
        segmentSeconds: 1,
        backoff: { initialMs: 2000, maxMs: 2000 },
        gstLaunch: gst,
        log: (_level, msg) => logs.push(msg),
      });
      await r.start();
      await waitFor('third run recording', async () => (await fsp.readdir(path.join(root, 'runs')).catch(() => [])).length >= 3 && (await segmentsOf(dir)).length >= 4, 60_000);
      await r.stop();

      const segs = await segmentsOf(dir);
      // good, drained (trimmed), good, [no-picture quarantined], good, good (sealed at stop)
      expect(segs).toHaveLength(5);
      expect(segs.some((s) => s.recovered)).toBe(false);
      for (const s of segs) expect({ file: s.file, decode: await decodeCheck(path.join(dir, s.file)) }).toEqual({ file: s.file, decode: { ok: true } });
      expect(countFrames(path.join(dir, segs[1]!.file))).toBe(14);
      expect(await fsp.readdir(path.join(dir, 'camt', 'quarantine'))).toHaveLength(1);
      expect(logs.some((l) => /incomplete last access unit/.test(l))).toBe(true);
      const gaps = (await readJournal(dir)).lines.filter((l) => l.kind === 'gap');
      expect(gaps.map((g) => (g.kind === 'gap' ? g.reason : ''))).toEqual([
        expect.stringMatching(/^recorder exit code 0$/),
        expect.stringMatching(/^recorder exit code 0; fragment .* not indexed \(fragment holds only an incomplete access unit.*quarantined$/),
      ]);
      expect((await verifyPath(dir)).problems).toEqual([]);
    } finally {
      await fsp.rm(root, { recursive: true, force: true });
    }
  });
});

describe('recovery after a crash of the whole service', () => {
  it('ends a pipeline the dead service left running before hashing the fragment it still appends to', async () => {
    const root = await tempDir('stale');
    const children: Array<ReturnType<typeof spawn>> = [];
    try {
      const good = path.join(root, 'good.ts');
      encodeFixture(good, 15);
      const dir = path.join(root, 'rec');
      await initRecordingDisk(dir);
      const incoming = path.join(dir, 'cams', 'incoming');
      await fsp.mkdir(incoming, { recursive: true });
      const frag = path.join(incoming, 'r1-00000.ts');
      // Stands in for the orphaned gst-launch: its command line names gst-launch and the fragment;
      // it writes a complete fragment, then keeps appending TS null packets (decoders skip them,
      // so the fragment always decodes and is recovered as it is, like a live muxer's output).
      const writer = path.join(root, 'gst-launch-left-running.js');
      await fsp.writeFile(
        writer,
        `const fs = require('fs'); const fd = fs.openSync(process.argv[3], 'a');
fs.writeSync(fd, fs.readFileSync(process.argv[2]));
const nul = Buffer.alloc(188, 0xff); nul[0] = 0x47; nul[1] = 0x1f; nul[2] = 0xff; nul[3] = 0x10;
setInterval(() => fs.writeSync(fd, nul), 5);`,
      );
      const orphan = spawn(process.execPath, [writer, good, frag], { stdio: 'ignore' });
      children.push(orphan);
      await fsp.writeFile(path.join(dir, 'cams', 'recorder.pid'), String(orphan.pid));
      const gone = new Promise<string | null>((resolve) => orphan.once('exit', (_code, signal) => resolve(signal)));
      await waitFor('orphan writing', async () => ((await fsp.stat(frag).catch(() => null))?.size ?? 0) > (await fsp.stat(good)).size, 20_000, 20);

      const gst = await fakeGstLaunch(root, [{ fragments: [good], end: 'sigint' }]);
      const r = await createRecorder({
        applianceId: 'appl-s',
        dir,
        keyPath: path.join(root, 'secrets', 's.pem'),
        cameras: [{ cameraId: 'cams', source: { type: 'test', pattern: 'ball' } }],
        segmentSeconds: 1,
        gstLaunch: gst,
      });
      await r.start();
      expect(await gone).toBe('SIGKILL');
      await waitFor('recovered fragment indexed', async () => (await segmentsOf(dir)).some((x) => x.recovered), 30_000);
      await r.stop();
      const rec = (await segmentsOf(dir)).filter((x) => x.recovered);
      expect(rec).toHaveLength(1);
      expect(await decodeCheck(path.join(dir, rec[0]!.file))).toEqual({ ok: true });
      // Nothing was appended after the fragment was hashed: size and SHA-256 still match.
      expect((await verifyPath(dir)).problems).toEqual([]);
    } finally {
      for (const c of children) c.kill('SIGKILL');
      await fsp.rm(root, { recursive: true, force: true });
    }
  });
});
