/**
 * What every PostgreSQL connection of ours is opened with: the schema of `?schema=`, libpq's
 * `?options=` from DATABASE_URL (a provider's endpoint, a statement_timeout), and a bound on how
 * long a session may sit idle inside a transaction, so that a process that stops mid-transaction
 * (paused, hung, cut off) while it holds the routing lock does not stop every other process's
 * routing with it.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.js';
import { inRoutingTransaction } from '../../src/db/transaction.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

describe('PostgreSQL connection options', () => {
  let database: TestDatabase;
  const opened: DbHandle[] = [];
  beforeAll(async () => {
    database = await freshDatabase('postgres');
  });
  afterAll(async () => {
    for (const handle of opened) await handle.destroy().catch(() => undefined);
    await database.drop();
  });

  function open(url: string, options: Parameters<typeof connect>[1] = {}): DbHandle {
    const handle = connect(url, { poolSize: 2, onError: () => undefined, ...options });
    opened.push(handle);
    return handle;
  }

  function withQuery(name: string, value: string): string {
    const url = new URL(database.url);
    url.searchParams.set(name, value);
    return url.href;
  }

  async function show(handle: DbHandle): Promise<{ schema: string; idle: string; statement: string; bitmap: string }> {
    const { rows } = await sql<{ schema: string; idle: string; statement: string; bitmap: string }>`select current_schema() as schema, current_setting('idle_in_transaction_session_timeout') as idle, current_setting('statement_timeout') as statement, current_setting('enable_bitmapscan') as bitmap`.execute(handle.db);
    return rows[0]!;
  }

  it('bounds the time a session may sit idle inside a transaction: 1 min', async () => {
    const schema = new URL(database.url).searchParams.get('schema');
    expect(await show(open(database.url))).toMatchObject({ schema, idle: '1min' });
  });

  // pg reads the URL's parameters over the options it is given: `?options=` (Neon's endpoint, a
  // statement_timeout) replaced the schema's search_path, and every table was looked for, and
  // created by the migrations, in public.
  it('keeps the schema and its own settings when the URL carries libpq options, which come last', async () => {
    const url = withQuery('options', '-c statement_timeout=30s -c idle_in_transaction_session_timeout=5min');
    const schema = new URL(database.url).searchParams.get('schema');
    expect(await show(open(url, { settings: { enable_bitmapscan: 'off' } }))).toEqual({ schema, idle: '5min', statement: '30s', bitmap: 'off' });
  });

  it('frees the routing lock of a session left idle in its transaction, so other processes route again', async () => {
    const stuck = open(withQuery('options', '-c idle_in_transaction_session_timeout=1s'));
    const other = open(database.url);
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    // A process that took the routing lock and stopped (paused, hung) until the test resumes it.
    const stopped = inRoutingTransaction(stuck, async () => {
      holding();
      await resumed;
    });
    stopped.catch(() => undefined);
    await held;
    const started = Date.now();
    const routed = inRoutingTransaction(other, async () => 'routed');
    const outcome = await Promise.race([routed, new Promise((resolve) => setTimeout(() => resolve('still waiting for the lock'), 15_000))]);
    expect(outcome).toBe('routed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    // Resumed, the stopped process finds its session ended: its work is not committed.
    resume();
    await expect(stopped).rejects.toThrow();
  });
});
