import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mkdirSync } from 'node:fs';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { Pool, type PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** Anything that runs one SQL statement with $n parameters: the database or a transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export type DatabaseKind = 'postgres' | 'pglite';

/** A transaction: one statement at a time, plus bulk load inside the same transaction. */
export interface Transactional extends Queryable {
  copyRows(table: string, columns: string[], types: string[], rows: unknown[][]): Promise<void>;
}

/**
 * The only way the cloud talks to SQL. Backed by `pg` (DATABASE_URL) or embedded PGlite.
 * Only repositories use it. Construct with `Database.connect(...)`; Nest gets it from DbModule.
 */
export class Database implements Queryable {
  private constructor(
    readonly kind: DatabaseKind,
    private readonly pool: Pool | undefined,
    private readonly lite: PGlite | undefined,
  ) {}

  static async connect(opts: { databaseUrl?: string; dataDir?: string }): Promise<Database> {
    if (opts.databaseUrl) {
      const pool = new Pool({ connectionString: opts.databaseUrl, max: 10 });
      pool.on('error', () => undefined); // idle client errors surface on the next query instead
      const c = await pool.connect();
      c.release();
      return new Database('postgres', pool, undefined);
    }
    // PGlite fetches its WASM with dynamic import(): it runs in plain Node, not inside Jest's VM
    // sandbox, so tests exercise PGlite through a child process (test/pglite.test.ts).
    const { PGlite } = await import('@electric-sql/pglite');
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    const lite = await PGlite.create(opts.dataDir);
    return new Database('pglite', undefined, lite);
  }

  async query<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<{ rows: R[] }> {
    if (this.pool) {
      const r = await this.pool.query(sql, params);
      return { rows: r.rows as R[] };
    }
    const r = await this.lite!.query<R>(sql, params);
    return { rows: r.rows };
  }

  /** Several statements, no parameters (migrations). */
  async exec(sql: string): Promise<void> {
    if (this.pool) await this.pool.query(sql);
    else await this.lite!.exec(sql);
  }

  /** Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  async transaction<T>(fn: (tx: Transactional) => Promise<T>): Promise<T> {
    if (this.lite) {
      return this.lite.transaction(async (t: Transaction) =>
        fn({
          query: async <R>(sql: string, params: unknown[] = []) => ({ rows: (await t.query<R>(sql, params)).rows }),
          copyRows: async (table, columns, types, rows) => {
            if (rows.length) await t.query(unnestInsert(table, columns, types), unnestArrays(columns, rows));
          },
        }),
      );
    }
    return this.withClient(async (c) => {
      await c.query('BEGIN');
      try {
        const out = await fn({
          query: async <R>(sql: string, params: unknown[] = []) => ({ rows: (await c.query(sql, params)).rows as R[] }),
          copyRows: async (table, columns, _types, rows) => {
            if (rows.length) await copyInto(c, table, columns, rows);
          },
        });
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /**
   * Runs `fn` holding a session-level advisory lock (PGlite is single-connection and
   * single-process, so there the lock is implicit).
   */
  async withAdvisoryLock<T>(key: number, fn: (q: Queryable & { exec(sql: string): Promise<void> }) => Promise<T>): Promise<T> {
    if (this.lite) return fn(this);
    return this.withClient(async (c) => {
      await c.query('SELECT pg_advisory_lock($1)', [key]);
      try {
        return await fn({
          query: async <R>(sql: string, params: unknown[] = []) => ({ rows: (await c.query(sql, params)).rows as R[] }),
          exec: async (sql: string) => void (await c.query(sql)),
        });
      } finally {
        await c.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
      }
    });
  }

  /**
   * Bulk-loads rows into `table(columns)`: COPY FROM STDIN (text format) with pg; with PGlite a
   * single `INSERT … SELECT * FROM unnest(...)` with one array parameter per column.
   * `types` are the PostgreSQL array element types for the unnest path.
   */
  async copyRows(table: string, columns: string[], types: string[], rows: unknown[][]): Promise<void> {
    if (rows.length === 0) return;
    if (this.lite) {
      await this.lite.query(unnestInsert(table, columns, types), unnestArrays(columns, rows));
      return;
    }
    await this.withClient((c) => copyInto(c, table, columns, rows));
  }

  async close(): Promise<void> {
    if (this.pool) await this.pool.end();
    if (this.lite) await this.lite.close();
  }

  private async withClient<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool!.connect();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  }
}

async function copyInto(c: PoolClient, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const stream = c.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(copyTextChunks(rows)), stream);
}

const unnestInsert = (table: string, columns: string[], types: string[]) =>
  `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;

const unnestArrays = (columns: string[], rows: unknown[][]) => columns.map((_, i) => rows.map((r) => r[i] ?? null));

/** COPY text format, in ~64 KiB chunks. */
function* copyTextChunks(rows: unknown[][]): Generator<string> {
  let buf = '';
  for (const row of rows) {
    buf += row.map(copyField).join('\t') + '\n';
    if (buf.length > 65536) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = v instanceof Date ? v.toISOString() : String(v);
  return s.replace(/[\\\t\n\r]/g, (ch) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[ch]!);
}

