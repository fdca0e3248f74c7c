/**
 * Fresh real databases for tests: a new SQLite file, or a new PostgreSQL schema (so test files run
 * in parallel without sharing rows or the routing lock). PostgreSQL must be reachable: a missing
 * server fails the suite, it never skips it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { connect, type DbHandle, type Dialect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

/** The PostgreSQL server tests use; CI starts it (see .ci/run). */
export const TEST_PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs one statement on the test server's own database, as its superuser (creating and dropping schemas or databases). */
export async function pgAdmin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  handle: DbHandle;
  /** A DATABASE_URL that reaches the same database (for a second process or pool). */
  url: string;
  /** Closes the handle and removes the file or schema. */
  drop(): Promise<void>;
}

export async function freshDatabase(dialect: Dialect, options: { poolSize?: number } = {}): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'helpdesk-test-'));
    const file = join(dir, 'helpdesk.sqlite');
    copyFileSync(await sqliteTemplate(), file);
    const url = `sqlite:${file}`;
    // As the server opens it: lock waits on the event loop.
    const handle = connect(url, { yieldWhileLocked: true });
    // Nothing to do on a copy of the template; it still runs, so a test database is never behind.
    await migrateToLatest(handle.db);
    return {
      handle,
      url,
      drop: async () => {
        await handle.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const script = await postgresTemplate();
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    // The template's schema made again under this name, rows and all (see postgresTemplate).
    await admin.query(script === null ? `create schema ${schema}` : script.replaceAll(TEMPLATE_SCHEMA_MARK, schema));
  } finally {
    await admin.end();
  }
  const url = `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  const handle = connect(url, { poolSize: options.poolSize ?? 10 });
  await migrateToLatest(handle.db);
  return {
    handle,
    url,
    drop: async () => {
      await handle.destroy();
      await pgAdmin(`drop schema ${schema} cascade`);
    },
  };
}

/**
 * A migrated SQLite file that fresh test databases are copies of: migrating takes a second or so
 * and a copy a few milliseconds, and the suite makes hundreds of databases. One template per
 * version of the source (src/ read from disk and hashed), kept in the temporary directory and
 * made once by whichever process needs it first (several at once each write their own copy and
 * rename it into place; the copies are alike).
 */
async function sqliteTemplate(): Promise<string> {
  templatePath ??= join(tmpdir(), `helpdesk-test-template-${sourceFingerprint()}.sqlite`);
  if (existsSync(templatePath)) return templatePath;
  const dir = mkdtempSync(join(tmpdir(), 'helpdesk-template-'));
  try {
    const handle = connect(`sqlite:${join(dir, 'template.sqlite')}`);
    try {
      await migrateToLatest(handle.db);
      await sql`pragma wal_checkpoint(truncate)`.execute(handle.db);
    } finally {
      await handle.destroy();
    }
    renameSync(join(dir, 'template.sqlite'), templatePath);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return templatePath;
}

let templatePath: string | undefined;

/** A hash of every file under src/: what the migrations are and every module they use. */
function sourceFingerprint(): string {
  const hash = createHash('sha256');
  const root = join(import.meta.dirname, '..', '..', 'src');
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true }).sort((a, b) => join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)))) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    hash.update(path.slice(root.length)).update(readFileSync(path));
  }
  return hash.digest('hex').slice(0, 16);
}

const TEMPLATE_SCHEMA_MARK = '__helpdesk_template_schema__';

/**
 * The script that makes a migrated PostgreSQL schema (tables, indexes, functions, triggers, the
 * rows migrations write, the migrations' own bookkeeping) under a name put in place of
 * TEMPLATE_SCHEMA_MARK: one round trip instead of the migrations' hundreds. Made once per version
 * of the source, like the SQLite template: a schema migrated the usual way, dumped by pg_dump
 * (plain SQL, rows as INSERTs), its name replaced by the mark, kept in the temporary directory.
 * Null (migrate every schema) where pg_dump is missing. test/db/test-databases.test.ts checks
 * that a schema made this way equals a migrated one.
 */
export async function postgresTemplate(): Promise<string | null> {
  if (postgresScript !== undefined) return postgresScript;
  const fingerprint = sourceFingerprint();
  const path = join(tmpdir(), `helpdesk-test-template-${fingerprint}.pg.sql`);
  if (existsSync(path)) return (postgresScript = readFileSync(path, 'utf8'));
  const schema = `tpl_${fingerprint}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
    const handle = connect(`${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}schema=${schema}`, { poolSize: 1 });
    try {
      await migrateToLatest(handle.db);
    } finally {
      await handle.destroy();
    }
    let dump: string;
    try {
      dump = execFileSync('pg_dump', ['--dbname', TEST_PG_URL, '--schema', schema, '--inserts', '--no-owner', '--no-privileges'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    } catch {
      return (postgresScript = null);
    }
    const script = dump
      .split('\n')
      // psql's meta-commands (\restrict) and comments are not SQL the server takes.
      .filter((line) => !line.startsWith('\\') && !line.startsWith('--'))
      .join('\n')
      .replaceAll(schema, TEMPLATE_SCHEMA_MARK);
    const own = join(tmpdir(), `helpdesk-template-${randomBytes(6).toString('hex')}.sql`);
    writeFileSync(own, script);
    renameSync(own, path);
    return (postgresScript = script);
  } finally {
    await admin.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await admin.end();
  }
}

let postgresScript: string | null | undefined;
