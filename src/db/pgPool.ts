/**
 * The PostgreSQL pool as Kysely sees it (connect.ts): statements prepared once per connection,
 * multi-statement queries answered with their last result, connections given back only once
 * settled, and connections that say they are read-only dropped (after a failover).
 */
import { createHash } from 'node:crypto';
import type { PostgresPool } from 'kysely';
import type pg from 'pg';
import { saysReadOnly } from '../core/writeErrors.js';

/** The health check's query on PostgreSQL, recognised by its text where the pool watches answers. */
export const READ_ONLY_PROBE = "select current_setting('transaction_read_only') as read_only";

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
export function givenBackSettled(pool: pg.Pool, onReadOnly: (open: number) => void): PostgresPool {
  const ended = new WeakSet<pg.PoolClient>();
  // Read-only connections (see saysReadOnly): the one that said so is closed when given back, and
  // every connection opened before it said so is closed instead of being handed out (numbered as
  // opened): after a failover they all lead to the demoted primary, those opened after the one that
  // noticed included (counting only those opened up to it kept a later stale one, and a retry could
  // land on it: a 503 where a fresh connection would have written). One opened after the refusal is
  // kept until it says so itself, so a database that stays read-only costs one new connection per
  // refusal, no loop.
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
    // One report per wave: a connection already counted stale when it says so belongs to a wave
    // already reported (every connection of a failover says so, one after the other).
    const newWave = (serial.get(client) ?? 0) > staleUpTo;
    staleUpTo = opened;
    if (newWave) onReadOnly(pool.totalCount);
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
