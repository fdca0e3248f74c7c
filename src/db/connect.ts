import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDialectConfig, sql } from 'kysely';
import type pg from 'pg';
import { pgDriver } from './pgDriver.js';
import { givenBackSettled, READ_ONLY_PROBE } from './pgPool.js';
import type { Database } from './schema.js';
import { ScopedPostgresDialect } from './introspector.js';
import { WaitingSqliteDialect } from './sqliteWaits.js';
import { connectTimeoutMsOf, MAX_CONNECT_TIMEOUT_SECONDS, sqlitePathOf } from '../core/databaseUrl.js';
import { foldCase } from '../core/textFold.js';
import { errorSummary } from '../core/errorSummary.js';

export { sessionStatement } from './pgPool.js';

export type Db = Kysely<Database>;
export type Dialect = 'sqlite' | 'postgres';

/** An open database: the query builder, which engine it is, and how to close it. */
export interface DbHandle {
  db: Db;
  dialect: Dialect;
  /**
   * SQLite files only: a second, read-only connection beside the writer (WAL lets it read the last
   * commit while the writer holds a transaction). Reads that need committed state but not the
   * writer's transaction go here (see readerOf) instead of queueing behind the group commits on
   * the one writing connection. PostgreSQL has its pool for that: no reader.
   */
  reader?: Db;
  /**
   * PostgreSQL only: `listener` is told at each wave of connections dropped because one said the
   * database is read-only (a failover moved the primary, see db/pgPool.ts), so that a connection
   * kept outside the pool (the live updates' LISTEN) moves too. Returns the unsubscribe.
   */
  whenReadOnly?(listener: () => void): () => void;
  destroy(): Promise<void>;
}

/**
 * The connection for reads of committed state outside any transaction: the SQLite reader, else the
 * handle's own. What they read may be a commit old by the time it is used, so a decision made on it
 * must be guarded again where it is written (a unique key, a condition in the statement).
 */
export function readerOf(handle: DbHandle): Db {
  return handle.reader ?? handle.db;
}

export interface ConnectOptions {
  /** PostgreSQL pool size. */
  poolSize?: number;
  /**
   * Told once per PostgreSQL connection lost (terminated by the server, a restart, a failover, a
   * network failure): the pool drops it and opens a new one when next needed, and a query that was
   * running on it rejects to its caller, so this only reports. Must not throw. Default: one line
   * on stderr.
   */
  onError?: (error: unknown) => void;
  /**
   * Told once per wave of PostgreSQL connections dropped because one said the database is
   * read-only (a failover, or a database set read-only: see db/pgPool.ts), with how many
   * connections the pool held then. Only reports; must not throw. Default: one line on stderr.
   */
  onReadOnly?: (open: number) => void;
  /**
   * PostgreSQL settings for every connection of the pool (`-c name=value` at connect: no statement
   * of its own). Names and values are the code's own constants, never input. Ignored on SQLite.
   */
  settings?: Readonly<Record<string, string>>;
  /**
   * SQLite: how long a write waits for another connection's write lock before it fails with
   * SQLITE_BUSY. Default 10 s.
   */
  lockWaitMs?: number;
  /**
   * SQLite: wait for another connection's write lock on the event loop, which serves other requests
   * meanwhile (db/sqliteWaits.ts), instead of inside SQLite, which stops the thread. The server's
   * main thread does. The delivery thread and the commands block: their waits then also keep
   * SQLite's own retry schedule, slower than the main thread's, so intake gets the lock first.
   */
  yieldWhileLocked?: boolean;
}

/** The default report of a lost connection: a process without a logger still says what happened. */
function reportToStderr(error: unknown): void {
  console.error(`database: connection lost (the pool opens a new one): ${error instanceof Error ? error.message : String(error)}`);
}

/** The default report of a read-only drop. */
function reportReadOnlyToStderr(open: number): void {
  console.error(`database: ${readOnlyDropMessage} (${open} open)`);
}

/** What a read-only drop is logged as (the server's warning and the default report). */
export const readOnlyDropMessage = 'database said it is read-only (a failover?): the pool drops every connection opened before and opens new ones';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Opens `sqlite:<path>` (WAL, foreign keys, busy timeout) or `postgres://…` (a pool; bigint and
 * numeric come back as JS numbers, which holds for epoch milliseconds and our counts). A
 * `?schema=<name>` on a PostgreSQL URL puts every table in that schema (tests use one per file).
 */
export function connect(url: string, options: ConnectOptions = {}): DbHandle {
  if (url.startsWith('sqlite:')) return connectSqlite(url.slice('sqlite:'.length), options.lockWaitMs ?? SQLITE_LOCK_WAIT_MS, options.yieldWhileLocked ?? false);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return connectPostgres(url, options);
  throw new Error(`DATABASE_URL must start with sqlite: or postgres://, got "${url.split(':')[0]}:"`);
}

/** How long SQLite statements wait for another connection's lock, by default. */
const SQLITE_LOCK_WAIT_MS = 10_000;

function connectSqlite(path: string, lockWaitMs: number, yieldWhileLocked: boolean): DbHandle {
  const file = sqlitePathOf(path);
  const database = openSqliteFile(file, lockWaitMs);
  const config = { database: withStatementCache(database) };
  const db = new Kysely<Database>({ dialect: yieldWhileLocked ? new WaitingSqliteDialect(config, database, lockWaitMs) : new SqliteDialect(config) });
  // An in-memory database is private to its connection: it has no reader.
  const reader = file === ':memory:' ? undefined : openSqliteReader(file);
  return {
    db,
    dialect: 'sqlite',
    ...(reader ? { reader } : {}),
    destroy: async () => {
      await reader?.destroy();
      await db.destroy();
    },
  };
}

/**
 * The writer's connection to `file` (its folder made when missing), in WAL mode. A file that cannot
 * be opened (a folder, no database, a place this user may not write) is named in the error with
 * the key that chose it: SQLite's own words ("unable to open database file") name neither.
 */
function openSqliteFile(file: string, lockWaitMs: number): SqliteDatabase.Database {
  let database: SqliteDatabase.Database | undefined;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    database = new SqliteDatabase(file);
    database.pragma('journal_mode = WAL');
    // FULL: every commit syncs the WAL before it returns, so an answered request survives power loss
    // or an OS crash (I5). NORMAL syncs only at checkpoints and can lose the last commits. Group
    // commit (src/db/batcher.ts) shares one sync among the tickets of a batch.
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    database.pragma(`busy_timeout = ${Math.trunc(lockWaitMs)}`);
    addFunctions(database);
    return database;
  } catch (error) {
    database?.close();
    // Another process holding the file's lock as it switches to WAL is no fault of the path.
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') throw error;
    throw new Error(`DATABASE_URL names the SQLite file ${file}, which cannot be opened (${errorSummary(error)}): check that it is a file this user may read and write, in a folder it may write.`);
  }
}

/**
 * The reader beside the writer: its own connection (so its own queue in Kysely's driver), which
 * refuses to write (`query_only`). Opened read-write at the file level, because a read-only open of
 * a WAL database needs the -shm file to exist already; the writer opened first has made it.
 */
function openSqliteReader(file: string): Db {
  const database = new SqliteDatabase(file);
  database.pragma('query_only = ON');
  database.pragma(`busy_timeout = ${SQLITE_LOCK_WAIT_MS}`);
  addFunctions(database);
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
}

/** The SQL name of foldCase on SQLite (repositories/textSearch.ts). */
export const SQLITE_FOLD_CASE = 'fold_case';

/**
 * What SQLite lacks and PostgreSQL has, on every connection: `fold_case(text)`, lower case in any
 * script (core/textFold.ts), since SQLite's own lower() folds ASCII only ("Élodie" stays "Élodie").
 */
function addFunctions(database: SqliteDatabase.Database): void {
  database.function(SQLITE_FOLD_CASE, { deterministic: true }, (value: unknown) => (typeof value === 'string' ? foldCase(value) : value));
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every statement anew; compiling the SQL was ~14 % of the server's
 * CPU under ticket intake (npm run bench:intake). Prepared statements are reusable once run to
 * completion (Kysely runs each with all() or run(), one at a time on the one connection), so the
 * most recently used ones are kept by their SQL text. Schema changes are safe: SQLite re-prepares
 * a statement whose schema changed.
 */
function withStatementCache(database: SqliteDatabase.Database): SqliteDialectConfig['database'] {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    prepare: (text: string) => {
      let statement = cache.get(text);
      if (statement) {
        // Most recently used last: the Map's first key is the one to evict.
        cache.delete(text);
      } else {
        statement = database.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

function connectPostgres(url: string, options: ConnectOptions): DbHandle {
  const { connectionString, options: startupOptions, Client } = postgresConnection(url, options.settings);
  const pool = new (pgDriver().Pool)({
    connectionString,
    // A client class, not the pool's connectionTimeoutMillis: that one would also bound the wait
    // for a free connection, failing requests that queue behind a busy pool under load.
    Client,
    max: options.poolSize ?? 10,
    options: startupOptions,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID
          ? (value: string) => Number(value)
          : pgDriver().types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  watchConnections(pool, options.onError ?? reportToStderr);
  const report = options.onReadOnly ?? reportReadOnlyToStderr;
  const listeners = new Set<() => void>();
  const dropped = (open: number) => {
    report(open);
    for (const listener of listeners) listener();
  };
  const db = new Kysely<Database>({ dialect: new ScopedPostgresDialect({ pool: givenBackSettled(pool, dropped) }) });
  const whenReadOnly = (listener: () => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  return { db, dialect: 'postgres', whenReadOnly, destroy: () => db.destroy() };
}

/**
 * Settings of every session of ours. A session idle inside a transaction for a minute is ended by
 * PostgreSQL: ours never wait on anything but the database inside one (mail, webhooks and password
 * hashes happen outside), so only a process that stopped mid-transaction (paused, hung, cut off
 * without a reset) sits there, and while it holds the routing lock every other process's intake
 * and routing waits behind it, for as long as the connection lives (hours, if nothing resets it).
 */
const SESSION_SETTINGS: Readonly<Record<string, string>> = { idle_in_transaction_session_timeout: '60s' };

/**
 * What pg needs to connect to the database a `postgres://` DATABASE_URL names: the connection
 * string without the parameters that are ours (`schema`, `connect_timeout`) or merged here
 * (`options`); the startup options — our session settings, the schema's search_path, the caller's
 * `settings`, then the URL's own libpq `options` (a provider's endpoint name, a statement_timeout),
 * which pg would otherwise put in place of all of ours; and a client class whose connecting is
 * bounded by `connect_timeout`. The pool's connections and the live updates' listening one alike.
 */
export function postgresConnection(url: string, settings: Readonly<Record<string, string>> = {}): { connectionString: string; options: string; Client: typeof pg.Client } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  const given = parsed.searchParams.getAll('options');
  const connectTimeoutMs = connectTimeoutMsOf(url);
  if (connectTimeoutMs === null) throw new Error(`DATABASE_URL's connect_timeout must be a whole number of seconds from 0 to ${MAX_CONNECT_TIMEOUT_SECONDS}`);
  for (const ours of ['schema', 'connect_timeout', 'options']) parsed.searchParams.delete(ours);
  const all = { ...SESSION_SETTINGS, ...(schema ? { search_path: schema } : {}), ...settings };
  const options = [...Object.entries(all).map(([name, value]) => `-c ${name}=${value}`), ...given].join(' ');
  return { connectionString: parsed.toString(), options, Client: boundedConnecting(connectTimeoutMs, `${parsed.hostname}:${parsed.port || 5432}`) };
}

/**
 * The pg client class of a pool whose new connections must be ready within `timeoutMs` (0: no
 * bound), from the first packet to the server's ReadyForQuery (TCP, TLS, authentication). One that
 * is not fails with a message naming the server and the setting, where pg says "timeout expired"
 * or "Connection terminated" and start-up printed just that.
 */
function boundedConnecting(timeoutMs: number, server: string): typeof pg.Client {
  const Client = pgDriver().Client;
  if (timeoutMs === 0) return Client;
  return class BoundedClient extends Client {
    constructor(config?: string | pg.ClientConfig) {
      super({ ...(typeof config === 'string' ? { connectionString: config } : config), connectionTimeoutMillis: timeoutMs });
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: (error: Error) => void): void;
    override connect(callback?: (error: Error) => void): Promise<pg.Client> | void {
      const started = Date.now();
      // By the time taken: pg's words differ with the stage the timer stopped (TCP, TLS, login).
      // Timers run from the event loop's cached clock, so one may fire a little before Date.now()
      // says the time is up: 90 % of it counts.
      const explained = (error: Error) =>
        Date.now() - started >= timeoutMs * 0.9
          ? new Error(`PostgreSQL at ${server} did not finish connecting within ${timeoutMs / 1000} s (DATABASE_URL's connect_timeout; pg: ${error.message})`)
          : error;
      if (callback === undefined) return super.connect().catch((error: Error) => Promise.reject(explained(error)));
      super.connect((error: Error) => callback(error ? explained(error) : error));
    }
  };
}

/**
 * A pg client whose connection fails emits 'error', and an 'error' event nobody listens to ends
 * the process. pg-pool listens only while a client is idle (then re-emits on the pool, which has
 * no listener of its own either); a client checked out (Kysely holds one for each query and
 * transaction) has no listener at all. So every client gets one for its whole life, and the pool
 * one too. pg-pool removes a client whose connection ended: when idle, at once; when checked out,
 * at its release (it is no longer `_queryable`). The query in flight, if any, rejects with the
 * error and its caller handles it; here it is only reported, once per connection (pg raises the
 * server's message, then "Connection terminated unexpectedly").
 */
function watchConnections(pool: pg.Pool, onError: (error: unknown) => void): void {
  const reported = new WeakSet<pg.PoolClient>();
  const report = (client: pg.PoolClient, error: unknown) => {
    if (reported.has(client)) return;
    reported.add(client);
    onError(error);
  };
  pool.on('connect', (client) => client.on('error', (error) => report(client, error)));
  pool.on('error', (error, client) => report(client, error));
}

/**
 * Checks that the database answers (used by /healthz), through the reader on SQLite, and says
 * whether it takes writes: a PostgreSQL standby (a pool still connected to a primary demoted by a
 * failover) or a database set `default_transaction_read_only` answers, yet refuses every write.
 * SQLite's reader is read-only by design, so there it says false.
 */
export async function ping(handle: DbHandle): Promise<{ readOnly: boolean }> {
  if (handle.dialect === 'sqlite') {
    await sql`select 1`.execute(readerOf(handle));
    return { readOnly: false };
  }
  // A connection that reads `on` is dropped from the pool (givenBackSettled): the next ping and
  // write get a fresh one, which after a failover reaches the new primary.
  const { rows } = await sql<{ read_only: string }>`${sql.raw(READ_ONLY_PROBE)}`.execute(handle.db);
  return { readOnly: rows[0]?.read_only === 'on' };
}
