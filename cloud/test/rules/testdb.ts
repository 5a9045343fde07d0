import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { Database } from '../../src/db/database';
import { runMigrations } from '../../src/db/migrator';
import type { Caller } from '../../src/auth/caller';

const ADMIN_URL = process.env.EVALROOM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDb {
  db: Database;
  name: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database with every migration applied; drop() removes it. */
export async function createTestDb(): Promise<TestDb> {
  const name = `evalroom_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await Database.connect({ databaseUrl: url.toString() });
  await runMigrations(db, join(__dirname, '..', '..', 'migrations'));
  return {
    db,
    name,
    async drop() {
      await db.close();
      const c = new Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Trading centers, venues, rooms and workstations for tests. Region codes follow GB/T 2260. */
export async function seedDirectory(db: Database, spec: Array<{ center: string; region: string; level?: string; venue: string; rooms: Array<{ id: string; shared: boolean; workstations: number; sharedWorkstations?: number }> }>): Promise<void> {
  for (const s of spec) {
    await db.query(`INSERT INTO trading_centers (id, name, level, region_code) VALUES ($1, $1, $2, $3) ON CONFLICT DO NOTHING`, [s.center, s.level ?? 'city', s.region]);
    await db.query(`INSERT INTO venues (id, trading_center_id, name) VALUES ($1, $2, $1)`, [s.venue, s.center]);
    for (const r of s.rooms) {
      await db.query(`INSERT INTO rooms (id, venue_id, name, shared) VALUES ($1, $2, $1, $3)`, [r.id, s.venue, r.shared]);
      for (let i = 0; i < r.workstations; i += 1) {
        await db.query(`INSERT INTO workstations (id, room_id, code, shared) VALUES ($1, $2, $3, $4)`, [`${r.id}-w${i}`, r.id, `W${i}`, i < (r.sharedWorkstations ?? 0)]);
      }
    }
  }
}

export const caller = (role: Caller['role'], venueIds: string[] = [], extra: Partial<Caller> = {}): Caller => ({ tokenId: `${role}-${venueIds.join('+') || 'x'}`, role, venueIds, ...extra });

export class FixedClock {
  constructor(public t: Date) {}
  now(): Date {
    return this.t;
  }
}
