/**
 * Fresh test databases are copies of a migrated template (test/support/db.ts), not migrated one
 * by one. A copy must be what migrating gives: the same tables, columns, indexes, triggers,
 * functions and constraints, and the same rows (the settings row, the Support team, the General
 * topic, the migrations' own bookkeeping), on both engines.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { vacuumCatalogs } from '../support/catalogs.js';
import { freshDatabase, postgresTemplate, TEST_PG_URL, type TestDatabase } from '../support/db.js';

type Rows = Record<string, unknown>[];

/** What a database is made of, with its own name taken out: catalogue rows and every table's rows. */
async function picture(handle: DbHandle, schema: string | null): Promise<{ catalogue: Rows; rows: Record<string, Rows> }> {
  const { db } = handle;
  // pg_dump prints an expression the way the server deparses it, and the server reads that back
  // with its casts placed otherwise (`ARRAY['a'::varchar]::text[]` against `ARRAY['a'::varchar::text]`):
  // the same predicate. Casts and brackets are left out of the comparison.
  const own = (text: unknown) => (schema === null || typeof text !== 'string' ? text : text.replaceAll(schema, 'S').replace(/::[a-z ]+(\[\])?/g, '').replace(/[()]/g, ''));
  let catalogue: Rows;
  let tables: string[];
  if (schema === null) {
    catalogue = (await sql<{ type: string; name: string; tbl_name: string; sql: string | null }>`select type, name, tbl_name, sql from sqlite_master order by type, name`.execute(db)).rows;
    tables = catalogue.filter((r) => r.type === 'table' && !String(r.name).startsWith('sqlite_') && !/_(data|idx|docsize|config|content)$/.test(String(r.name))).map((r) => String(r.name));
  } else {
    const parts = await Promise.all([
      sql`select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns where table_schema = ${schema} order by 1, 2`.execute(db),
      sql`select tablename, indexname, indexdef from pg_indexes where schemaname = ${schema} order by 1, 2`.execute(db),
      sql`select event_object_table, trigger_name, event_manipulation, action_statement, action_timing from information_schema.triggers where trigger_schema = ${schema} order by 1, 2, 3`.execute(db),
      sql`select p.proname, pg_get_functiondef(p.oid) as def from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = ${schema} order by 1`.execute(db),
      sql`select conrelid::regclass::text as tbl, conname, pg_get_constraintdef(oid) as def from pg_constraint where connamespace = ${schema}::regnamespace order by 1, 2`.execute(db),
      sql`select c.relname, c.relkind, c.relpersistence from pg_class c where c.relnamespace = ${schema}::regnamespace order by 1`.execute(db),
    ]);
    catalogue = parts.flatMap((p) => p.rows as Rows).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, own(v)])));
    tables = (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = ${schema} and table_type = 'BASE TABLE' order by 1`.execute(db)).rows.map((r) => r.name);
  }
  const rows: Record<string, Rows> = {};
  for (const table of tables) {
    // Rows in a fixed order; the lock row's and the migrations' times differ by when they ran.
    const found = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db)).rows.map((r) => {
      const { timestamp: _at, ...rest } = r;
      return table === 'kysely_migration' ? rest : r;
    });
    rows[table] = found.map((r) => JSON.stringify(r)).sort().map((r) => JSON.parse(r) as Record<string, unknown>);
  }
  return { catalogue, rows };
}

describe('fresh test databases are copies of a migrated template, alike in every part', () => {
  const made: TestDatabase[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const d of made) await d.drop();
    for (const c of cleanups) await c();
  });

  it('SQLite: the copy has the schema and rows of a file migrated from nothing', async () => {
    const copy = await freshDatabase('sqlite');
    made.push(copy);
    const dir = mkdtempSync(join(tmpdir(), 'helpdesk-migrated-'));
    const migrated = connect(`sqlite:${join(dir, 'migrated.sqlite')}`);
    cleanups.push(async () => {
      await migrated.destroy();
      rmSync(dir, { recursive: true, force: true });
    });
    await migrateToLatest(migrated.db);
    const [a, b] = [await picture(copy.handle, null), await picture(migrated, null)];
    expect(a.catalogue.length).toBeGreaterThan(50);
    expect(a).toEqual(b);
  });

  it('PostgreSQL: the schema made from the template script equals a schema migrated from nothing', async () => {
    // Made from the script, not migrated (pg_dump is there: CI installs PostgreSQL with its client).
    expect(await postgresTemplate()).toContain('CREATE TABLE');
    const copy = await freshDatabase('postgres', { poolSize: 2 });
    made.push(copy);
    const schema = `m_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const migrated = connect(`${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}schema=${schema}`, { poolSize: 2 });
    cleanups.push(async () => {
      await migrated.destroy();
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    });
    await migrateToLatest(migrated.db);
    const copySchema = new URL(copy.url).searchParams.get('schema')!;
    const [a, b] = [await picture(copy.handle, copySchema), await picture(migrated, schema)];
    expect(a.catalogue.length).toBeGreaterThan(200);
    expect(Object.keys(a.rows)).toContain('teams');
    expect(a).toEqual(b);
    // Sequences go on from where migrating left them: a new row gets the id a migrated schema gives it.
    const next = async (h: DbHandle) => (await h.db.insertInto('teams').values({ name: 'Next', overflow_team_id: null, overflow_after_minutes: null, created_at: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    expect(await next(copy.handle)).toBe(await next(migrated));
  });
});

describe('the catalogs are vacuumed for the suite (test/support/catalogs.ts)', () => {
  it('vacuums pg_attribute: its last vacuum moves on, and an unreachable server is reported, not thrown', async () => {
    const lastVacuum = async (): Promise<number> => {
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        const { rows } = await client.query<{ at: Date | null }>(`select last_vacuum as at from pg_stat_all_tables where relid = 'pg_catalog.pg_attribute'::regclass`);
        return rows[0]?.at?.getTime() ?? 0;
      } finally {
        await client.end();
      }
    };
    const before = await lastVacuum();
    const started = Date.now();
    expect(await vacuumCatalogs()).toBe(true);
    const after = await lastVacuum();
    expect(after).toBeGreaterThan(before);
    expect(after).toBeGreaterThanOrEqual(started - 1000);
    expect(await vacuumCatalogs('postgres://postgres@127.0.0.1:1/postgres')).toBe(false);
  });
});
