import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exportBundle, type BundleSelection } from '../recording/bundle';
import { loadOrCreateSigningKey } from '../recording/chain';
import { readJournal } from '../recording/journal';
import { formatReport, verifyPath } from '../recording/verify';

const USAGE = `usage:
  evalroom footage verify PATH [--key PUBLIC_KEY_PEM]
      PATH is an evidence bundle (has manifest.json) or a recording directory (has journal/).
  evalroom footage export (--session ID | --camera CAM --from ISO --to ISO) --out DIR
      [--data-dir DIR] [--key PRIVATE_KEY_PEM] [--appliance ID]
      --data-dir is the edge data dir (recordings in DIR/recordings) or the recording dir itself.`;

/** `evalroom footage …`; argv starts after the word "footage". Exit 0 ok, 1 failed check, 2 usage. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === 'verify') return await verifyCmd(rest);
    if (cmd === 'export') return await exportCmd(rest);
  } catch (err) {
    process.stderr.write(`footage ${cmd}: ${(err as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

async function verifyCmd(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { key: { type: 'string' } } });
  if (positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const target = path.resolve(positionals[0]!);
  const publicKeyPem = values.key ? await fsp.readFile(values.key, 'utf8') : undefined;
  const report = await verifyPath(target, { publicKeyPem });
  process.stdout.write(formatReport(target, report) + '\n');
  return report.ok ? 0 : 1;
}

function recordingDir(dataDir: string): string {
  return existsSync(path.join(dataDir, 'journal')) ? dataDir : path.join(dataDir, 'recordings');
}

async function exportCmd(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      session: { type: 'string' },
      camera: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      'data-dir': { type: 'string' },
      key: { type: 'string' },
      appliance: { type: 'string' },
    },
  });
  let selection: BundleSelection;
  if (values.session) selection = { sessionId: values.session };
  else if (values.camera && values.from && values.to && !Number.isNaN(Date.parse(values.from)) && !Number.isNaN(Date.parse(values.to)))
    selection = { camera: values.camera, from: new Date(values.from), to: new Date(values.to) };
  else {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (!values.out) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const dataDir = path.resolve(values['data-dir'] ?? process.env.EVALROOM_DATA_DIR ?? '/var/lib/evalroom');
  const dir = recordingDir(dataDir);
  if (!existsSync(path.join(dir, 'journal'))) throw new Error(`no recordings in ${dir}`);
  // The key must already exist: exporting never creates a new appliance identity.
  const keyPath = values.key ?? path.join(path.dirname(dir), 'secrets', 'recording-ed25519.pem');
  if (!existsSync(keyPath)) throw new Error(`appliance key ${keyPath} not found (--key)`);
  const key = await loadOrCreateSigningKey(keyPath);
  let applianceId = values.appliance;
  if (!applianceId) {
    const cp = (await readJournal(dir)).lines.find((l) => l.kind === 'checkpoint');
    applianceId = cp && cp.kind === 'checkpoint' ? cp.applianceId : undefined;
  }
  if (!applianceId) throw new Error('appliance id unknown (--appliance)');
  const res = await exportBundle({ dir, key, applianceId, selection, outDir: path.resolve(values.out) });
  process.stdout.write(`exported ${res.segments} segment(s) from ${res.cameras} camera(s), ${res.bytes} bytes, to ${res.outDir}\n`);
  return 0;
}
