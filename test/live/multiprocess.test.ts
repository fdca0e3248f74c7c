/**
 * Two app instances on one PostgreSQL schema, each with its own connection pool, change hub and
 * listening port, as two server processes would be: what happens through one reaches browsers
 * connected to the other (LISTEN/NOTIFY), and a session made on one works on the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { addStaff, Client, submitViaForm } from '../support/app.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { type LiveApp, SseClient, sessionCookie, startLiveApp } from './support.js';

/**
 * How long an event may take to cross to the other instance before it counts as never sent. The
 * hub has no polling to fall back on, so anything arriving came through NOTIFY; how soon it comes
 * (§4: within a second) is bench:sla-lag's to measure, not a test's on a loaded machine.
 */
const PUSHED_WITHIN_MS = 5000;

describe('two server instances on one PostgreSQL database', () => {
  let database: TestDatabase;
  let secondHandle: DbHandle;
  let a: LiveApp;
  let b: LiveApp;
  const streams: SseClient[] = [];
  beforeAll(async () => {
    database = await freshDatabase('postgres');
    secondHandle = connect(database.url);
    a = await startLiveApp(database.handle, database.url);
    b = await startLiveApp(secondHandle, database.url);
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await a.close();
    await b.close();
    await secondHandle.destroy();
    await database.drop();
  });

  it('delivers an assignment made through instance A to an agent watching instance B, as it happens', async () => {
    const alice = await addStaff(a.ctx, 'alice');
    const bob = await addStaff(a.ctx, 'bob');
    await addStaff(a.ctx, 'boss', { role: 'admin' });

    // Alice logs in through A; her session cookie works on B, where her browser streams events.
    const aliceOnA = new Client(a.app);
    await aliceOnA.login('alice');
    const aliceStreamOnB = new SseClient(b.baseUrl + '/agents/events/', sessionCookie(aliceOnA.cookie('hd_session')));
    const bossOnB = new Client(b.app);
    await bossOnB.login('boss');
    const adminStreamOnA = new SseClient(a.baseUrl + '/agents/events/', sessionCookie(bossOnB.cookie('hd_session')));
    streams.push(aliceStreamOnB, adminStreamOnA);
    await aliceStreamOnB.connected();
    await adminStreamOnA.connected();
    expect(aliceStreamOnB.status).toBe(200);

    // A customer writes through A; R1 assigns the ticket to Alice.
    const token = await submitViaForm(new Client(a.app), { title: 'Through A' });
    const ticket = (await findTicketByToken(a.ctx.handle.db, token))!;
    expect(ticket.agent_id).toBe(alice);
    await aliceStreamOnB.until(() => aliceStreamOnB.data('ticket').length === 1, PUSHED_WITHIN_MS, 'the assignment on B');
    expect(aliceStreamOnB.data('ticket')).toEqual([{ ticketId: ticket.id, type: 'created', fromAgentId: null, toAgentId: alice }]);

    // Bob logs in through B (Alice holds one ticket only, so R3 moves nothing).
    const bobOnB = new Client(b.app);
    await bobOnB.login('bob');
    // A second ticket through B goes to Bob (fewest open); Alice's stream on B stays quiet about it.
    const second = (await findTicketByToken(b.ctx.handle.db, await submitViaForm(new Client(b.app), { title: 'Through B' })))!;
    expect(second.agent_id).toBe(bob);
    // The admin, connected to A, hears both instances' changes and Bob's presence.
    await adminStreamOnA.until(() => adminStreamOnA.data('ticket').length === 2, PUSHED_WITHIN_MS, 'both tickets on A');
    await adminStreamOnA.until(() => adminStreamOnA.data('presence').some((p) => p.agentId === bob), PUSHED_WITHIN_MS, "bob's presence on A");

    // A breach recorded by the monitor of instance A reaches Alice on B.
    await new SlaMonitor(a.ctx).runOnce(ticket.sla_due_at + 1);
    await aliceStreamOnB.until(() => aliceStreamOnB.data('ticket').some((e) => e.type === 'sla_breached'), PUSHED_WITHIN_MS, 'the breach on B');
    expect(aliceStreamOnB.data('ticket').map((e) => [e.ticketId, e.type])).toEqual([
      [ticket.id, 'created'],
      [ticket.id, 'sla_breached'],
    ]);
    // Each event arrives once, though each instance also hears its own changes locally.
    await adminStreamOnA.until(() => adminStreamOnA.data('ticket').length === 3, PUSHED_WITHIN_MS, 'the breach on A');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(adminStreamOnA.data('ticket').map((e) => [e.ticketId, e.type])).toEqual([
      [ticket.id, 'created'],
      [second.id, 'created'],
      [ticket.id, 'sla_breached'],
    ]);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});
