import { mkdtemp, writeFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Database } from '../src/db/database';
import { runMigrations } from '../src/db/migrator';
import { createTestDatabase } from './support/pg';

const MIGRATIONS = resolve(__dirname, '..', 'migrations');

describe('migrations', () => {
  it('apply exactly once when two boots race on PostgreSQL', async () => {
    const tdb = await createTestDatabase();
    const [a, b] = await Promise.all([Database.connect({ databaseUrl: tdb.url }), Database.connect({ databaseUrl: tdb.url })]);
    try {
      const [ra, rb] = await Promise.all([runMigrations(a, MIGRATIONS), runMigrations(b, MIGRATIONS)]);
      const all = (await readdir(MIGRATIONS)).filter((f) => f.endsWith('.sql')).sort();
      // one boot applied everything, the other nothing, and nothing was applied twice
      expect([...ra, ...rb].sort()).toEqual(all);
      const rows = await a.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
      expect(rows.rows.map((r) => r.name)).toEqual(all);
      expect(await runMigrations(a, MIGRATIONS)).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await tdb.drop();
    }
  });

  it('roll back a failing file and record nothing for it', async () => {
    const tdb = await createTestDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'evalroom-mig-'));
    await writeFile(join(dir, '20260101000000-ok.sql'), 'CREATE TABLE a (x int); INSERT INTO a VALUES (1);');
    await writeFile(join(dir, '20260101000001-bad.sql'), 'CREATE TABLE b (x int); SELECT nope FROM nowhere;');
    await writeFile(join(dir, 'README.txt'), 'ignored');
    const db = await Database.connect({ databaseUrl: tdb.url });
    try {
      await expect(runMigrations(db, dir)).rejects.toThrow(/20260101000001-bad.sql/);
      const names = await db.query<{ name: string }>('SELECT name FROM schema_migrations');
      expect(names.rows.map((r) => r.name)).toEqual(['20260101000000-ok.sql']);
      const b = await db.query<{ n: string | null }>(`SELECT to_regclass('b')::text AS n`);
      expect(b.rows[0]!.n).toBeNull();
    } finally {
      await db.close();
      await tdb.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
