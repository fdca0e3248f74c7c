/**
 * A database that cannot be reached for a moment (PostgreSQL restarted or failing over, SQLite's
 * write lock held past its wait by another process): requests that need it answer 503 with
 * Retry-After and say so, not the 500 "something went wrong on our side" of a bug, which a load
 * balancer, a client's retry logic and an alert on 5xx causes cannot tell from one. Once the
 * database is back, the same app (no restart) answers again.
 */
import SqliteDatabase from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.js';
import { buildApp } from '../../src/http/app.js';
import { TEST_CONFIG } from '../support/app.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { cuttableProxy, demoteConnections } from '../support/pgProxy.js';

const TICKET = { name: 'Carla', email: 'carla@example.com', title: 'Cannot log in', description: 'Since this morning.', priority: 'low' };

async function appOn(handle: DbHandle): Promise<FastifyInstance> {
  const { app } = await buildApp({ handle, clock: { now: () => Date.now() }, config: TEST_CONFIG });
  await app.ready();
  return app;
}

async function expectWriteUnavailable(app: FastifyInstance): Promise<void> {
  const created = await app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET });
  expect(created.statusCode).toBe(503);
  expect(created.headers['retry-after']).toBe('5');
  expect(created.json()).toEqual({ error: { code: 'unavailable', message: expect.stringMatching(/database/) } });
}

async function expectUnavailable(app: FastifyInstance): Promise<void> {
  await expectWriteUnavailable(app);
  // A page says the same in HTML.
  const page = await app.inject({ method: 'GET', url: '/tickets/status/no-such-token/' });
  expect(page.statusCode).toBe(503);
  expect(page.headers['retry-after']).toBe('5');
  expect(page.body).toContain('cannot reach its database');
}

describe('requests while the database is unavailable', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('PostgreSQL restarted: 503 with Retry-After while it is gone, 201 again once it is back, same app', async () => {
    const database: TestDatabase = await freshDatabase('postgres');
    cleanups.push(() => database.drop());
    const proxy = await cuttableProxy();
    cleanups.push(() => proxy.close());
    const handle = connect(proxy.via(database.url), { poolSize: 2, onError: () => undefined });
    cleanups.push(() => handle.destroy());
    const app = await appOn(handle);
    cleanups.push(() => app.close());

    expect((await app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET })).statusCode).toBe(201);
    await proxy.cut();
    await expectUnavailable(app);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(503);

    await proxy.restore();
    expect((await app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET })).statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  // A standby after a failover (a pool still connected to the old primary), or a database set
  // read-only for maintenance: every write fails, yet /healthz answered 200 "ok", so the balancer
  // kept sending this process the requests it could not serve.
  it('PostgreSQL read-only: /healthz says so with 503, and a write answers 503', async () => {
    const database: TestDatabase = await freshDatabase('postgres');
    cleanups.push(() => database.drop());
    const readOnly = new URL(database.url);
    readOnly.searchParams.set('options', '-c default_transaction_read_only=on');
    const handle = connect(readOnly.href, { poolSize: 2 });
    cleanups.push(() => handle.destroy());
    const app = await appOn(handle);
    cleanups.push(() => app.close());

    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: 'unavailable', database: 'read-only' });
    await expectWriteUnavailable(app);
    // Reads still work: a page that only reads answers as usual.
    expect((await app.inject({ method: 'GET', url: '/tickets/status/no-such-token/' })).statusCode).toBe(404);
  });

  // A failover moved the primary: the pool's connections to the demoted one refused every write and
  // /healthz said read-only until the process was restarted, though a new connection reaches the
  // new primary. A connection that says it is read-only is now dropped, and the pool's older ones
  // with it (they lead to the same server), so the next request is served by fresh ones.
  it('PostgreSQL connections turned read-only (a failover): dropped once one says so, the same app writes again', async () => {
    const database: TestDatabase = await freshDatabase('postgres');
    cleanups.push(() => database.drop());
    const handle = connect(database.url, { poolSize: 2 });
    cleanups.push(() => handle.destroy());
    const app = await appOn(handle);
    cleanups.push(() => app.close());

    // The write's refusal drops them, and its retry (a transient error, see core/writeErrors.ts)
    // already goes through a fresh connection.
    await demoteConnections(handle, 2);
    expect((await app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET })).statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    // The health check is the one to notice: its read-only answer drops them too.
    await demoteConnections(handle, 2);
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.json()).toEqual({ status: 'unavailable', database: 'read-only' });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET })).statusCode).toBe(201);
  });

  // A failover's drop was silent: nothing in the log said why every connection was replaced. It
  // is told once per wave (the connections opened before the refusal), not once per connection
  // that notices: two health checks on the two demoted connections are one wave.
  it('PostgreSQL connections turned read-only: the drop is reported once per wave, not per connection', async () => {
    const database: TestDatabase = await freshDatabase('postgres');
    cleanups.push(() => database.drop());
    const waves: number[] = [];
    const handle = connect(database.url, { poolSize: 2, onReadOnly: (open) => waves.push(open) });
    cleanups.push(() => handle.destroy());
    const app = await appOn(handle);
    cleanups.push(() => app.close());

    await demoteConnections(handle, 2);
    const healths = await Promise.all([1, 2].map(() => app.inject({ method: 'GET', url: '/healthz' })));
    expect(healths.map((health) => health.statusCode)).toEqual([503, 503]);
    expect(waves).toEqual([2]);
    expect((await app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET })).statusCode).toBe(201);
    expect(waves).toHaveLength(1);

    // A later failover is a wave of its own.
    await demoteConnections(handle, 2);
    expect((await app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET })).statusCode).toBe(201);
    expect(waves).toHaveLength(2);
  });

  it("SQLite's write lock held by another process past the wait: 503 with Retry-After, 201 once it is let go", async () => {
    const database: TestDatabase = await freshDatabase('sqlite');
    cleanups.push(() => database.drop());
    const handle = connect(database.url, { yieldWhileLocked: true, lockWaitMs: 300 });
    cleanups.push(() => handle.destroy());
    const app = await appOn(handle);
    cleanups.push(() => app.close());
    const other = new SqliteDatabase(database.url.slice('sqlite:'.length));
    cleanups.push(async () => other.close());

    other.exec('begin immediate');
    await expectWriteUnavailable(app);
    other.exec('rollback');
    expect((await app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET })).statusCode).toBe(201);
  });
});
