/**
 * A server process on PostgreSQL whose database connections are all dropped by the server (what a
 * restart or a failover does, here pg_terminate_backend on the connections it named): it keeps
 * serving, and a dashboard's live stream is told to refetch (`resync`) and then hears new changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresHub } from '../../src/live/postgresHub.js';
import type { ServiceContext } from '../../src/services/context.js';
import { signalBackends, uniqueAppName, withAppName } from '../db/backends.js';
import { addStaff } from '../support/app.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { HttpClient } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { SseClient, sessionCookie } from './support.js';

describe('a server whose PostgreSQL connections are dropped', () => {
  let database: TestDatabase;
  let server: ServerProcess | undefined;
  const streams: SseClient[] = [];
  beforeAll(async () => {
    database = await freshDatabase('postgres');
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await server?.kill();
    await database.drop();
  });

  it('keeps serving, and live updates resume with a resync', async () => {
    const ctx: ServiceContext = { handle: database.handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
    const alice = await addStaff(ctx, 'alice');
    const name = uniqueAppName('dropped-server');
    server = await spawnServer({ DATABASE_URL: withAppName(database.url, name), ADMIN_PASSWORD: 'admin-password', RATE_LIMIT: 'off' });

    const agent = new HttpClient(server.url);
    const login = await agent.request('POST', '/agents/login/', { form: { username: 'alice', password: 'password123', _csrf: await agent.csrf('/agents/login/') } });
    expect(login.status).toBe(303);
    const stream = new SseClient(`${server.url}/agents/events/`, sessionCookie(agent.cookie('hd_session')));
    streams.push(stream);
    await stream.connected();
    expect(stream.status).toBe(200);

    // Every connection of the server: its pool's and the change hub's LISTEN connection.
    const dropped = await signalBackends('terminate', name);
    expect(dropped).toBeGreaterThanOrEqual(2);
    await stream.until(() => stream.data('resync').length === 1, 10_000, 'a resync after the LISTEN connection came back').catch((error: unknown) => {
      throw new Error(`${String(error)}\nserver (exit code ${server!.child.exitCode}):\n${server!.output()}`);
    });

    // Requests that need the database work (each on a connection the pool opens anew).
    expect((await agent.get('/agents/dashboard/')).status).toBe(200);
    const customer = new HttpClient(server.url);
    const created = await customer.request('POST', '/tickets/create/', {
      form: { name: 'Carla', email: 'carla@example.com', title: 'After the failover', description: 'Still there?', priority: 'medium', _csrf: await customer.csrf() },
    });
    expect(created.status).toBe(303);
    // R1 gives the ticket to Alice, and her stream, on the same server, hears it after the resync.
    await stream.until(() => stream.data('ticket').some((e) => e.type === 'created' && e.toAgentId === alice), 5_000, 'the new ticket');
    const kinds = stream.events.map((e) => e.event).filter((e) => e === 'resync' || e === 'ticket');
    expect(kinds).toEqual(['resync', 'ticket']);

    // A change announced by another process reaches her too: the hub LISTENs again, on its channel.
    const elsewhere = createPostgresHub({ url: database.url, handle: database.handle });
    await elsewhere.ready();
    try {
      const ticketId = stream.data<{ ticketId: number }>('ticket')[0]!.ticketId;
      elsewhere.publishTickets([{ ticketId, type: 'sla_breached', fromAgentId: null, toAgentId: alice }]);
      await stream.until(() => stream.data('ticket').some((e) => e.type === 'sla_breached'), 5_000, 'the change from another process');
    } finally {
      await elsewhere.close();
    }
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).toMatch(/database connection lost/);
    // Starting a server process (tsx) alone takes up to a minute on a busy machine.
  }, 120_000);
});
