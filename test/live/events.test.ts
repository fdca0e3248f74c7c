import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { addStaff, Client, submitViaForm } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { type LiveApp, SseClient, sessionCookie, startLiveApp } from './support.js';

const EVENTS = '/agents/events/';

for (const dialect of DIALECTS) {
  describe(`live updates over Server-Sent Events (${dialect})`, () => {
    let database: TestDatabase;
    let live: LiveApp;
    let alice: number;
    let bob: number;
    const streams: SseClient[] = [];
    beforeAll(async () => {
      database = await freshDatabase(dialect);
      live = await startLiveApp(database.handle, database.url, { heartbeatMs: 200 });
      alice = await addStaff(live.ctx, 'alice', { capacity: 1 });
      bob = await addStaff(live.ctx, 'bob', { capacity: 1 });
      await addStaff(live.ctx, 'boss', { role: 'admin' });
    });
    afterAll(async () => {
      for (const s of streams) s.close();
      await live.close();
      await database.drop();
    });

    async function streamAs(username: string): Promise<{ client: Client; stream: SseClient }> {
      const client = new Client(live.app);
      await client.login(username);
      const stream = new SseClient(live.baseUrl + EVENTS, sessionCookie(client.cookie('hd_session')));
      streams.push(stream);
      await stream.connected();
      return { client, stream };
    }

    it('refuses a visitor without a session', async () => {
      const anonymous = new SseClient(live.baseUrl + EVENTS);
      streams.push(anonymous);
      await anonymous.until(() => anonymous.ended, 5000, 'the end of the response');
      expect(anonymous.status).toBe(401);
      expect(anonymous.events).toEqual([]);
    });

    it('tells an agent of its own tickets and presence only, and an admin of everything', async () => {
      const a = await streamAs('alice');
      const b = await streamAs('bob');
      const admin = await streamAs('boss');
      expect(a.stream.status).toBe(200);
      expect(a.stream.headers['content-type']).toContain('text/event-stream');
      expect(a.stream.data('hello')).toEqual([{ userId: alice, role: 'agent' }]);

      // Alice and Bob are available with room for one each: R1 gives the first ticket to Alice.
      const first = await findTicketByToken(live.ctx.handle.db, await submitViaForm(new Client(live.app), { title: 'For Alice' }));
      expect(first!.agent_id).toBe(alice);
      const created = { ticketId: first!.id, type: 'created', fromAgentId: null, toAgentId: alice };
      await a.stream.until(() => a.stream.data('ticket').length === 1, 1000, "alice's ticket event");
      expect(a.stream.data('ticket')).toEqual([created]);
      await admin.stream.until(() => admin.stream.data('ticket').length === 1, 1000, "the admin's ticket event");

      // Bob's own ticket, then one nobody can take (both full): the admin hears both, Alice neither.
      const second = await findTicketByToken(live.ctx.handle.db, await submitViaForm(new Client(live.app), { title: 'For Bob' }));
      const third = await findTicketByToken(live.ctx.handle.db, await submitViaForm(new Client(live.app), { title: 'Waits' }));
      expect(second!.agent_id).toBe(bob);
      expect(third!.agent_id).toBeNull();
      await admin.stream.until(() => admin.stream.data('ticket').length === 3, 1000, 'all three for the admin');
      await b.stream.until(() => b.stream.data('ticket').length === 1, 1000, "bob's ticket event");
      expect(b.stream.data('ticket')).toEqual([{ ticketId: second!.id, type: 'created', fromAgentId: null, toAgentId: bob }]);

      // Alice closes hers and pulls the waiting one (R4, R2): two events for her, none for Bob.
      const close = await a.client.submit('/agents/dashboard/', {}, `/agents/tickets/${first!.id}/close/`);
      expect(close.statusCode).toBe(303);
      await a.stream.until(() => a.stream.data('ticket').length === 3, 1000, 'close and pull');
      expect(a.stream.data('ticket').slice(1)).toEqual([
        { ticketId: first!.id, type: 'closed', fromAgentId: alice, toAgentId: null },
        { ticketId: third!.id, type: 'assigned', fromAgentId: null, toAgentId: alice },
      ]);

      // Presence: Alice steps away; only she (and the admin) hear of it.
      const away = await a.client.submit('/agents/dashboard/', { status: 'away' }, '/agents/availability/');
      expect(away.statusCode).toBe(303);
      await a.stream.until(() => a.stream.data('presence').length === 1, 1000, 'presence');
      expect(a.stream.data('presence')).toEqual([{ agentId: alice, presence: 'away' }]);
      await admin.stream.until(() => admin.stream.data('presence').some((p) => p.agentId === alice), 1000, 'presence for the admin');

      // A breach reaches the holder's stream.
      const due = Math.max(first!.sla_due_at, third!.sla_due_at);
      await new SlaMonitor(live.ctx).runOnce(due + 1);
      await a.stream.until(() => a.stream.data('ticket').some((e) => e.type === 'sla_breached'), 1000, 'the breach');
      expect(a.stream.data('ticket').filter((e) => e.type === 'sla_breached')).toEqual([{ ticketId: third!.id, type: 'sla_breached', fromAgentId: alice, toAgentId: alice }]);
      await b.stream.until(() => b.stream.data('ticket').some((e) => e.type === 'sla_breached'), 1000, "bob's breach");
      expect(b.stream.data('ticket').filter((e) => e.ticketId !== second!.id)).toEqual([]);
      expect(b.stream.data('presence')).toEqual([]);
      expect(live.errors).toEqual([]);
    });

    it('sends heartbeats, and ends the stream with a logout event when the session ends', async () => {
      const { client, stream } = await streamAs('bob');
      await stream.until(() => stream.comments >= 2, 3000, 'two heartbeats');
      const out = await client.submit('/agents/dashboard/', {}, '/agents/logout/');
      expect(out.statusCode).toBe(303);
      await stream.until(() => stream.ended, 3000, 'the end of the stream');
      expect(stream.events.at(-1)?.event).toBe('logout');
    });
  });
}

describe('shutting down with live streams open', () => {
  it('closes the open streams so app.close() returns at once', async () => {
    const database = await freshDatabase('sqlite');
    const live = await startLiveApp(database.handle, database.url);
    try {
      await addStaff(live.ctx, 'alice');
      const client = new Client(live.app);
      await client.login('alice');
      const stream = new SseClient(live.baseUrl + EVENTS, sessionCookie(client.cookie('hd_session')));
      await stream.connected();
      const started = Date.now();
      await live.close();
      expect(Date.now() - started).toBeLessThan(1000);
      await stream.until(() => stream.ended, 1000, 'the end of the stream');
    } finally {
      await database.drop();
    }
  });
});
