/**
 * A server process whose PostgreSQL goes away under it (a restart or failover: connections cut, new
 * ones refused) and comes back: requests meanwhile answer 503 promptly (never hang, never crash
 * the process), and once it is back the same process, unrestarted, serves again and its delivery
 * thread sends again. A SIGTERM while the database is gone still ends the process cleanly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { sleep } from '../support/load.js';
import { cuttableProxy } from '../support/pgProxy.js';
import { type ServerProcess, spawnServer } from '../support/process.js';

const TICKET = JSON.stringify({ name: 'Carla', email: 'carla@example.com', title: 'Cannot log in', description: 'Since this morning.', priority: 'low' });
const create = (server: ServerProcess) => fetch(`${server.url}/api/v1/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: TICKET, signal: AbortSignal.timeout(20_000) });

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('a server process while PostgreSQL restarts', () => {
  let database: TestDatabase;
  let proxy: Awaited<ReturnType<typeof cuttableProxy>>;
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await server?.kill('SIGKILL');
    await proxy.close();
    await database.drop();
  });

  async function start(): Promise<ServerProcess> {
    database = await freshDatabase('postgres');
    proxy = await cuttableProxy();
    server = await spawnServer({ DATABASE_URL: proxy.via(database.url), ADMIN_PASSWORD: 'admin-password-1', SMTP_URL: '' });
    return server;
  }

  it('answers 503 while it is gone, then serves and sends again without a restart', async () => {
    const server = await start();
    expect((await create(server)).status).toBe(201);
    await proxy.cut();
    const started = Date.now();
    const refused = await create(server);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(10_000);
    await sleep(2_000);
    await proxy.restore();
    await until(async () => (await fetch(`${server.url}/healthz`)).status === 200, '/healthz to answer 200');
    expect((await create(server)).status).toBe(201);
    // The delivery thread recovered too: both tickets' emails are handled (logged: no SMTP_URL).
    await until(async () => (await database.handle.db.selectFrom('outbox').select('id').where('status', 'in', ['pending', 'sending']).execute()).length === 0, 'the outbox to be emptied');
    expect(server.child.exitCode).toBeNull();
    expect(await server.kill('SIGTERM')).toBe(0);
  });

  it('SIGTERM while the database is gone: exits 0 within seconds', async () => {
    const server = await start();
    expect((await create(server)).status).toBe(201);
    await proxy.cut();
    expect((await create(server)).status).toBe(503);
    const signalled = Date.now();
    expect(await server.kill('SIGTERM')).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
  });
});
