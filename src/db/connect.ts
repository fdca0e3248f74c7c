import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type PostgresPool, SqliteDialect, type SqliteDialectConfig, sql } from 'kysely';
import type pg from 'pg';
import { pgDriver } from './pgDriver.js';
import type { Database } from './schema.js';
import { ScopedPostgresDialect } from './introspector.js';
import { WaitingSqliteDialect } from './sqliteWaits.js';
import { connectTimeoutMsOf, MAX_CONNECT_TIMEOUT_SECONDS, sqlitePathOf } from '../core/databaseUrl.js';
import { foldCase } from '../core/textFold.js';
import { saysReadOnly } from '../core/writeErrors.js';

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
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SqliteDatabase(file);
  database.pragma('journal_mode = WAL');
  // FULL: every commit syncs the WAL before it returns, so an answered request survives power loss
  // or an OS crash (I5). NORMAL syncs only at checkpoints and can lose the last commits. Group
  // commit (src/db/batcher.ts) shares one sync among the tickets of a batch.
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${Math.trunc(lockWaitMs)}`);
  addFunctions(database);
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
  const db = new Kysely<Database>({ dialect: new ScopedPostgresDialect({ pool: givenBackSettled(pool) }) });
  return { db, dialect: 'postgres', destroy: () => db.destroy() };
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
 * Statements prepared once per PostgreSQL connection (SQL-level PREPARE), by name; see
 * sessionStatement. The name is a hash of the text, so one text is one statement everywhere.
 */
const sessionStatements = new Map<string, string>();
const executeOf = new Map<string, string>();
const EXECUTED = /\bexecute (hd_[0-9a-f]{16})\b/g;

/**
 * Registers `text` (no parameters) as a statement prepared on each connection, and returns the
 * `execute …` that runs it, to send in a simple query (alone or among other statements). Every
 * query sent as one simple query is planned again each time; a statement prepared once keeps its
 * plan for the connection's life, and PostgreSQL plans it again by itself when a table it reads
 * changes. The first query on a connection that executes it prepares it there, in a round trip of
 * its own (answeringQueries). Its rows must keep their types whatever a migration changes (a
 * prepared statement whose result type changes fails, "cached plan must not change result type"):
 * the caller gives it a result of one `json` column, as inRoutingTransaction does. Session-level,
 * like LISTEN: the server must be reached directly or through a pooler in session mode.
 */
export function sessionStatement(text: string): string {
  let execute = executeOf.get(text);
  if (execute === undefined) {
    const name = `hd_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    sessionStatements.set(name, text);
    executeOf.set(text, (execute = `execute ${name}`));
  }
  return execute;
}

const answering = new WeakSet<pg.PoolClient>();
const preparedOn = new WeakMap<pg.PoolClient, Map<string, Promise<unknown>>>();

/**
 * Prepares on `client` the session statements `text` executes that it has not prepared yet (in
 * order, one round trip each), then sends `text`. A PREPARE that fails is forgotten, so a later
 * query tries again (a table missing before the migrations ran, a connection lost).
 */
function preparingFirst(client: pg.PoolClient, query: (...args: unknown[]) => unknown, text: string, args: unknown[]): unknown {
  const names = [...text.matchAll(EXECUTED)].map((m) => m[1]!).filter((name) => sessionStatements.has(name));
  if (names.length === 0) return query(...args);
  let prepared = preparedOn.get(client);
  if (!prepared) preparedOn.set(client, (prepared = new Map()));
  const ready = names.map((name) => {
    let done = prepared.get(name);
    if (!done) {
      done = (query(`prepare ${name} as ${sessionStatements.get(name)!}`) as Promise<unknown>).catch((error: unknown) => {
        prepared.delete(name);
        throw error;
      });
      prepared.set(name, done);
    }
    return done;
  });
  return Promise.all(ready).then(() => query(...args));
}

/**
 * Every query of a checked-out client goes through here, for two rules:
 * - A query of several statements (no parameters: pg sends it as one simple query) is answered with
 *   its last statement's rows: pg answers it with a list of results, of which Kysely would read
 *   none. inRoutingTransaction sends BEGIN, the lock and the routing state's query that way.
 * - Session statements it executes are prepared on this connection first (sessionStatement).
 */
function answeringQueries(client: pg.PoolClient, readOnly: (client: pg.PoolClient) => void): void {
  if (answering.has(client)) return;
  answering.add(client);
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const text = typeof args[0] === 'string' ? args[0] : undefined;
    const answer = text?.includes('execute hd_') ? preparingFirst(client, query, text, args) : query(...args);
    if (!(answer instanceof Promise)) return answer;
    return answer.then(
      (result: unknown) => {
        if (text === READ_ONLY_PROBE && saysReadOnly({ transactionReadOnly: (result as pg.QueryResult<{ read_only?: unknown }>).rows[0]?.read_only })) readOnly(client);
        return Array.isArray(result) ? result[result.length - 1] : result;
      },
      (error: unknown) => {
        if (saysReadOnly({ error })) readOnly(client);
        throw error;
      },
    );
  };
}

/**
 * The pool as Kysely uses it, with one rule added: a client goes back to the pool only once the
 * server has answered its last query, and never inside a transaction (it is closed instead, and
 * the pool opens a fresh connection when needed).
 *
 * pg settles a failed query as soon as the server's error arrives, before the ReadyForQuery that
 * follows it, so a client is released before anyone knows whether it is idle, inside an aborted
 * transaction (a ROLLBACK that failed) or about to be dropped by the server (a FATAL error, the
 * socket closing next); pg-pool would hand it to the next waiter at once. Waiting for that last
 * message (the client's 'drain', or 'end' if the connection closes) costs nothing on success,
 * where the query settles on ReadyForQuery itself.
 */
function givenBackSettled(pool: pg.Pool): PostgresPool {
  const ended = new WeakSet<pg.PoolClient>();
  // Read-only connections (see saysReadOnly): the one that said so is closed when given back, and
  // every connection opened up to it is closed instead of being handed out (numbered as opened):
  // after a failover they all lead to the demoted primary. One opened later is kept until it says
  // so itself, so a database that stays read-only costs one new connection per refusal, no loop.
  const serial = new WeakMap<pg.PoolClient, number>();
  let opened = 0;
  let staleUpTo = 0;
  const readOnly = new WeakSet<pg.PoolClient>();
  pool.on('connect', (client) => {
    serial.set(client, ++opened);
    client.once('end', () => ended.add(client));
  });
  const noteReadOnly = (client: pg.PoolClient) => {
    readOnly.add(client);
    staleUpTo = Math.max(staleUpTo, serial.get(client) ?? 0);
  };
  const giveBack = (client: pg.PoolClient, release: pg.PoolClient['release'], destroy: boolean) => {
    const status = client.getTransactionStatus();
    release(destroy || status === 'T' || status === 'E' || readOnly.has(client));
  };
  return {
    connect: async () => {
      let client = await pool.connect();
      while ((serial.get(client) ?? 0) <= staleUpTo) {
        client.release(true);
        client = await pool.connect();
      }
      answeringQueries(client, noteReadOnly);
      // pg-pool sets a new release() on every checkout; this wraps that checkout's.
      const release = client.release.bind(client);
      client.release = (destroy?: Error | boolean) => {
        // `readyForQuery` is pg's own flag (not in its typings): false while an answer is pending.
        const pending = (client as pg.PoolClient & { readyForQuery?: unknown }).readyForQuery === false;
        if (Boolean(destroy) || !pending || ended.has(client)) return giveBack(client, release, Boolean(destroy));
        const settled = () => {
          client.off('drain', settled);
          client.off('end', settled);
          giveBack(client, release, false);
        };
        client.on('drain', settled);
        client.on('end', settled);
      };
      return client;
    },
    end: () => pool.end(),
  };
}

/** The health check's query on PostgreSQL, recognised by its text where the pool watches answers. */
const READ_ONLY_PROBE = "select current_setting('transaction_read_only') as read_only";

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
