import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { atomicWriteFileSync } from './atomic';

/**
 * Append-only JSON-lines journal. Each append is written and fsynced before it returns, so a
 * record the caller saw stored survives kill -9 and power loss. A torn last line (crash mid-
 * write) is skipped on replay. compact() rewrites the live records atomically.
 */
export class Journal<R> {
  private fd: number | undefined;
  private lines = 0;

  constructor(private readonly file: string) {}

  /** Reads every intact record, then opens the file for appending. */
  open(): { records: R[]; torn: number } {
    mkdirSync(dirname(this.file), { recursive: true });
    const records: R[] = [];
    let torn = 0;
    if (existsSync(this.file)) {
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          records.push(JSON.parse(line) as R);
        } catch {
          torn++;
        }
      }
    }
    this.lines = records.length;
    this.fd = openSync(this.file, 'a', 0o600);
    return { records, torn };
  }

  append(record: R): void {
    if (this.fd === undefined) throw new Error('journal is not open');
    writeSync(this.fd, JSON.stringify(record) + '\n');
    fsyncSync(this.fd);
    this.lines++;
  }

  get size(): number {
    return this.lines;
  }

  /** Replaces the journal with `records` (crash-safe), keeping it open for appends. */
  compact(records: R[]): void {
    this.close();
    atomicWriteFileSync(this.file, records.map((r) => JSON.stringify(r) + '\n').join(''), 0o600);
    this.fd = openSync(this.file, 'a', 0o600);
    this.lines = records.length;
  }

  close(): void {
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
    }
    this.fd = undefined;
  }
}
