import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** A PostgreSQL database of its own for one test file, dropped afterwards. */
export interface TestDatabase {
  url: string;
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

export async function createTestDatabase(adminUrl = process.env.EVALROOM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'): Promise<TestDatabase> {
  const name = `evalroom_sys_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  return {
    url: url.toString(),
    query: async (sql, params) => (await client.query(sql, params)).rows,
    drop: async () => {
      await client.end();
      const a = new Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
