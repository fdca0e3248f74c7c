/**
 * A PostgreSQL connection dropped by the server (pg_terminate_backend here; a restart or a failover
 * in production) is reported through the handle's onError and replaced by the pool: it must never
 * surface as an unhandled 'error' event, which would end the process.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { eventually, signalBackends, uniqueAppName, withAppName } from './backends.js';

async function backendPid(handle: DbHandle): Promise<number> {
  const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
  return rows[0]!.pid;
}

describe('a dropped PostgreSQL connection', () => {
  let database: TestDatabase;
  const opened: DbHandle[] = [];
  beforeAll(async () => {
    database = await freshDatabase('postgres');
  });
  afterAll(async () => {
    for (const handle of opened) await handle.destroy();
    await database.drop();
  });

  function open(name: string, errors: unknown[]): DbHandle {
    const handle = connect(withAppName(database.url, name), { poolSize: 1, onError: (error) => errors.push(error) });
    opened.push(handle);
    return handle;
  }

  it('an idle pooled connection terminated by the server is reported once, and the next query runs on a new connection', async () => {
    const name = uniqueAppName('dropped-idle');
    const errors: unknown[] = [];
    const handle = open(name, errors);
    const before = await backendPid(handle);

    expect(await signalBackends('terminate', name)).toBe(1);
    await eventually(() => errors.length > 0, 'the lost connection to be reported');

    const after = await backendPid(handle);
    expect(after).not.toBe(before);
    expect(await handle.db.selectFrom('tickets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 0 });
    // One report per lost connection (pg raises the server's message, then "terminated unexpectedly").
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/terminating connection due to administrator command/);
  });

  it('a connection terminated in the middle of a query fails that query only; a query waiting for the pool runs on a new connection', async () => {
    const name = uniqueAppName('dropped-busy');
    const errors: unknown[] = [];
    const handle = open(name, errors);
    const before = await backendPid(handle);

    const sleeping = sql`select pg_sleep(30)`.execute(handle.db);
    const failed = expect(sleeping).rejects.toThrow(/terminating connection|Connection terminated/);
    // The pool's only connection is busy: this one waits, and gets the connection once it is back.
    const queued = backendPid(handle);
    await eventually(async () => (await signalBackends('terminate', name)) === 1, 'the sleeping backend to be terminated');
    await failed;

    expect(await queued).not.toBe(before);
    expect(errors).toHaveLength(1);
  });
});
