import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { JournalLine, parsePayload } from '@evalroom/contracts';

export const JOURNAL_DIR = 'journal';

export interface JournalReadResult {
  lines: JournalLine[];
  /** Lines that did not parse or validate, with file and line number. */
  invalid: Array<{ file: string; line: number; reason: string }>;
  /** Bytes of a torn last line (a crash mid-write), per file. */
  tornTails: Array<{ file: string; bytes: number }>;
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * The segment index: append-only JSON lines, one file per UTC day, each append fsynced before
 * it is acknowledged. A crash can only leave a torn last line, which readers ignore and the
 * writer cuts off when it reopens the file.
 */
export class Journal {
  private handle: fsp.FileHandle | null = null;
  private handleDay = '';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get directory(): string {
    return path.join(this.dir, JOURNAL_DIR);
  }

  /** Appends the lines in one write and fsyncs; calls are serialized. */
  append(lines: JournalLine[]): Promise<void> {
    const run = this.queue.then(() => this.write(lines));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(lines: JournalLine[]): Promise<void> {
    if (lines.length === 0) return;
    const day = dayOf(this.now());
    if (!this.handle || this.handleDay !== day) {
      await this.handle?.close().catch(() => undefined);
      this.handle = null;
      await fsp.mkdir(this.directory, { recursive: true });
      const file = path.join(this.directory, `${day}.jsonl`);
      await cutTornTail(file);
      this.handle = await fsp.open(file, 'a');
      this.handleDay = day;
      await fsyncDir(this.directory);
    }
    const data = lines.map((l) => JSON.stringify(l) + '\n').join('');
    try {
      await this.handle.write(data);
      await this.handle.sync();
    } catch (err) {
      // A partial write (e.g. ENOSPC) leaves a torn tail: reopen next time so it is cut off.
      await this.handle.close().catch(() => undefined);
      this.handle = null;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
  }
}

async function cutTornTail(file: string): Promise<void> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (buf.length === 0 || buf[buf.length - 1] === 0x0a) return;
  const keep = buf.lastIndexOf(0x0a) + 1;
  await fsp.truncate(file, keep);
}

export async function fsyncDir(dir: string): Promise<void> {
  const h = await fsp.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Reads every journal file of a recording directory in order. Never throws on bad content. */
export async function readJournal(dir: string): Promise<JournalReadResult> {
  const jdir = path.join(dir, JOURNAL_DIR);
  const result: JournalReadResult = { lines: [], invalid: [], tornTails: [] };
  let files: string[];
  try {
    files = (await fsp.readdir(jdir)).filter((f) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw err;
  }
  for (const f of files) {
    const text = await fsp.readFile(path.join(jdir, f), 'utf8');
    const parts = text.split('\n');
    const tail = parts.pop() ?? '';
    if (tail.length > 0) result.tornTails.push({ file: f, bytes: Buffer.byteLength(tail) });
    parts.forEach((line, i) => {
      if (line.trim() === '') return;
      const parsed = parsePayload(JournalLine, line);
      if (parsed.ok) result.lines.push(parsed.value);
      else result.invalid.push({ file: f, line: i + 1, reason: parsed.reason });
    });
  }
  return result;
}
