import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from './database';

/** Advisory lock key for migrations (any constant; "evalroom" in ASCII, truncated to int4). */
export const MIGRATION_LOCK_KEY = 0x6576616c;

const NAME = /^(\d{14})[-_][a-z0-9_-]+\.sql$/;

export interface MigrationLog {
  log(message: string): void;
}

/**
 * Applies `dir/*.sql` (named `YYYYMMDDHHMMSS-name.sql`) in name order, each once, under a
 * PostgreSQL advisory lock so concurrent boots apply them exactly once. Each file runs in its
 * own transaction together with its row in `schema_migrations`. A file may branch on
 * TimescaleDB itself (DO blocks). Returns the names applied by this call.
 */
export async function runMigrations(db: Database, dir: string, log: MigrationLog = { log: () => undefined }): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => NAME.test(f)).sort();
  return db.withAdvisoryLock(MIGRATION_LOCK_KEY, async (q) => {
    await q.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await q.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(join(dir, file), 'utf8');
      await q.exec(`BEGIN;\n${sql}\n;INSERT INTO schema_migrations (name) VALUES ('${file}');\nCOMMIT;`).catch(async (err: Error) => {
        await q.exec('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${file} failed: ${err.message}`);
      });
      log.log(`migration applied: ${file}`);
      applied.push(file);
    }
    return applied;
  });
}
