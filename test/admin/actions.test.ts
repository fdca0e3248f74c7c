/**
 * Admin actions through the pages: R6 (reassign, send back to the queue), closing, capacity,
 * deactivation. Each test starts from a fresh app: alice and bob (capacity 2) logged in, admin root.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { changePresence } from '../../src/services/presence.js';
import { deactivateUser } from '../../src/services/admin.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';
import { adminClient, agentClient, emailKindsOf, eventsOf, holderOf, newTicket, visibleText } from './support.js';

for (const dialect of DIALECTS) {
  describe(`admin actions (${dialect})`, () => {
    let t: TestApp;
    afterEach(() => t?.close());

    async function team(options: { capacity?: number } = {}) {
      t = await startTestApp(dialect, { clock: new FakeClock() });
      const alice = await addStaff(t.ctx, 'alice', { capacity: options.capacity ?? 2, displayName: 'Alice Agent' });
      const bob = await addStaff(t.ctx, 'bob', { capacity: options.capacity ?? 2, displayName: 'Bob Agent' });
      const { client: admin, id: adminId } = await adminClient(t);
      const aliceClient = await agentClient(t, 'alice');
      await agentClient(t, 'bob');
      return { db: t.ctx.handle.db, alice, bob, admin, adminId, aliceClient };
    }

    const act = (admin: Client, kind: 'tickets' | 'users', id: number, action: string, fields: Record<string, string> = {}) =>
      admin.submit(`/admin/${kind}/${id}/`, fields, `/admin/${kind}/${id}/${action}/`);

    it('reassigns a ticket to another agent: reassigned event by the admin and the customer email (R6)', async () => {
      const { db, alice, bob, admin, adminId } = await team();
      const ticket = await newTicket(t.ctx);
      expect(await holderOf(db, ticket)).toBe(alice);

      const response = await act(admin, 'tickets', ticket, 'reassign', { agent: 'BOB' });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe(`/admin/tickets/${ticket}/`);
      expect(await holderOf(db, ticket)).toBe(bob);
      expect((await eventsOf(db, ticket)).at(-1)).toEqual({ type: 'reassigned', from_agent_id: alice, to_agent_id: bob, actor_id: adminId });
      expect(await emailKindsOf(db, ticket)).toEqual(['created', 'reassigned']);
      const mail = await db.selectFrom('outbox').select(['to_address', 'text_body']).where('ticket_id', '=', ticket).where('kind', '=', 'reassigned').executeTakeFirstOrThrow();
      expect(mail.to_address).toBe('carla@example.com');
      // An admin's move: no reason the help desk does not know (balancing's "answered sooner").
      expect(mail.text_body).toContain('is now with Bob Agent, who takes over from Alice Agent.');
      expect(mail.text_body).not.toContain('sooner');
      const page = await admin.get(`/admin/tickets/${ticket}/`);
      expect(visibleText(page)).toContain(`HD-${ticket} is now with Bob Agent`);
      expect(page.body).toMatch(/<tr data-event="reassigned">[\s\S]*?alice → bob[\s\S]*?root/);
      expect(await historyViolations(db)).toEqual([]);
    });

    it('assigns a waiting ticket to an agent beyond its capacity, with the assigned event and email', async () => {
      const { db, alice, admin, adminId } = await team({ capacity: 1 });
      await newTicket(t.ctx);
      await newTicket(t.ctx);
      const waiting = await newTicket(t.ctx);
      expect(await holderOf(db, waiting)).toBeNull();

      expect((await act(admin, 'tickets', waiting, 'reassign', { agent: 'alice' })).statusCode).toBe(303);
      expect(await holderOf(db, waiting)).toBe(alice);
      expect((await eventsOf(db, waiting)).at(-1)).toEqual({ type: 'assigned', from_agent_id: null, to_agent_id: alice, actor_id: adminId });
      expect(await emailKindsOf(db, waiting)).toEqual(['created', 'assigned']);
      // R6 may exceed capacity (I2 holds for routing only): alice holds 2 with capacity 1.
      expect(await capacityViolations(db)).toEqual([`I2: agent ${alice} holds 2 > capacity 1`]);
      expect(await historyViolations(db)).toEqual([]);
    });

    it('balances (R3) only when a capacity change raises the capacity in force: the same number or a lower one takes no colleague’s ticket', async () => {
      const { db, alice, bob, admin, adminId } = await team({ capacity: 3 });
      const tickets = [await newTicket(t.ctx), await newTicket(t.ctx), await newTicket(t.ctx)]; // alice, bob, alice
      // An admin sends bob's only ticket to alice: bob is idle, alice holds three, nothing waits.
      expect((await act(admin, 'tickets', tickets[1]!, 'reassign', { agent: 'alice' })).statusCode).toBe(303);
      const holders = async () => Promise.all(tickets.map((id) => holderOf(db, id)));
      expect(await holders()).toEqual([alice, alice, alice]);

      // Lowered, or set to what it is: no trigger. Raised: R2 finds nothing waiting, R3 takes alice's newest.
      for (const capacity of ['2', '1']) {
        expect((await act(admin, 'users', bob, 'capacity', { capacity })).statusCode).toBe(303);
        expect(await holders(), `lowered to ${capacity}`).toEqual([alice, alice, alice]);
      }
      expect((await act(admin, 'users', bob, 'capacity', { capacity: '1' })).statusCode).toBe(303);
      expect(await holders(), 'the same capacity again').toEqual([alice, alice, alice]);
      expect((await act(admin, 'users', bob, 'capacity', { capacity: '2' })).statusCode).toBe(303);
      expect(await holders(), 'raised').toEqual([alice, alice, bob]);
      expect((await eventsOf(db, tickets[2]!)).at(-1)).toEqual({ type: 'reassigned', from_agent_id: alice, to_agent_id: bob, actor_id: adminId });
    });

    it('refuses to reassign to an unknown, inactive or admin account, or to move a closed ticket', async () => {
      const { db, alice, bob, admin, adminId } = await team();
      const ticket = await newTicket(t.ctx);
      await deactivateUser(t.ctx, adminId, bob);
      for (const agent of ['nobody', 'bob', 'root', '']) {
        const response = await act(admin, 'tickets', ticket, 'reassign', { agent });
        expect(response.statusCode, agent).toBe(400);
        // An admin exists: said as such (as the API says it), not as if nobody had the name.
        expect(visibleText(response), agent).toContain(agent === 'root' ? 'Reassign to: “root” is an admin: admins take no tickets and belong to no team.' : 'Reassign to: choose an active agent.');
      }
      expect(await holderOf(db, ticket)).toBe(alice);

      expect((await act(admin, 'tickets', ticket, 'close')).statusCode).toBe(303);
      const events = (await eventsOf(db, ticket)).length;
      const reassign = await act(admin, 'tickets', ticket, 'reassign', { agent: 'alice' });
      expect(reassign.statusCode).toBe(409);
      expect(visibleText(reassign)).toContain('a closed ticket keeps its agent');
      expect((await act(admin, 'tickets', ticket, 'requeue')).statusCode).toBe(409);
      expect((await eventsOf(db, ticket)).length).toBe(events);
      // Closing again is a no-op, not an error (I1).
      expect((await act(admin, 'tickets', ticket, 'close')).statusCode).toBe(303);
    });

    it('sends a ticket back to the queue; another agent with room takes it at once (I3)', async () => {
      const { db, alice, bob, admin, adminId } = await team();
      const first = await newTicket(t.ctx); // alice
      const second = await newTicket(t.ctx); // bob
      const third = await newTicket(t.ctx); // alice again (1 each, alice assigned longer ago)
      expect([await holderOf(db, first), await holderOf(db, second), await holderOf(db, third)]).toEqual([alice, bob, alice]);

      const response = await act(admin, 'tickets', third, 'requeue');
      expect(response.statusCode).toBe(303);
      // `requeued` by the admin, then the settle rule: bob has room, so it cannot wait (I3); the
      // former holder is passed over while someone else has room.
      expect(await holderOf(db, third)).toBe(bob);
      expect((await eventsOf(db, third)).slice(-2)).toEqual([
        { type: 'requeued', from_agent_id: alice, to_agent_id: null, actor_id: adminId },
        { type: 'assigned', from_agent_id: null, to_agent_id: bob, actor_id: adminId },
      ]);
      expect(await emailKindsOf(db, third)).toEqual(['created', 'assigned']);
      expect(visibleText(await admin.get(`/admin/tickets/${third}/`))).toContain('went back to the queue and was routed at once to Bob Agent');
      expect(await capacityViolations(db)).toEqual([]);
      expect(await historyViolations(db)).toEqual([]);
    });

    it('keeps a sent-back ticket waiting when nobody available has room', async () => {
      const { db, alice, bob, admin, adminId } = await team();
      const ticket = await newTicket(t.ctx); // alice
      await changePresence(t.ctx, bob, 'away');
      await changePresence(t.ctx, alice, 'away');
      expect((await act(admin, 'tickets', ticket, 'requeue')).statusCode).toBe(303);
      expect(await holderOf(db, ticket)).toBeNull();
      expect((await eventsOf(db, ticket)).at(-1)).toEqual({ type: 'requeued', from_agent_id: alice, to_agent_id: null, actor_id: adminId });
      expect(await emailKindsOf(db, ticket)).toEqual(['created']);
      expect(visibleText(await admin.get(`/admin/tickets/${ticket}/`))).toContain('is back in the queue; no agent has room right now');
      // Sending a waiting ticket back again changes nothing.
      expect((await act(admin, 'tickets', ticket, 'requeue')).statusCode).toBe(303);
      expect((await eventsOf(db, ticket)).length).toBe(2);
    });

    it('gives a sent-back ticket straight back when its own agent is the only one with room (I3), and says so', async () => {
      const { db, alice, bob, admin, adminId } = await team();
      const ticket = await newTicket(t.ctx); // alice
      await changePresence(t.ctx, bob, 'away');
      expect((await act(admin, 'tickets', ticket, 'requeue')).statusCode).toBe(303);
      expect(await holderOf(db, ticket)).toBe(alice);
      expect((await eventsOf(db, ticket)).slice(-2)).toEqual([
        { type: 'requeued', from_agent_id: alice, to_agent_id: null, actor_id: adminId },
        { type: 'assigned', from_agent_id: null, to_agent_id: alice, actor_id: adminId },
      ]);
      expect(visibleText(await admin.get(`/admin/tickets/${ticket}/`))).toContain('only its agent Alice Agent had room');
      expect(await historyViolations(db)).toEqual([]);
    });

    it('closes a ticket as admin: closed event and email, and the agent pulls the next waiting ticket (R4)', async () => {
      const { db, alice, admin, adminId } = await team({ capacity: 1 });
      const first = await newTicket(t.ctx); // alice
      await newTicket(t.ctx); // bob
      const waiting = await newTicket(t.ctx);
      expect((await act(admin, 'tickets', first, 'close')).statusCode).toBe(303);
      const row = await db.selectFrom('tickets').select(['status', 'closed_at']).where('id', '=', first).executeTakeFirstOrThrow();
      expect(row.status).toBe('closed');
      expect((await eventsOf(db, first)).at(-1)).toEqual({ type: 'closed', from_agent_id: alice, to_agent_id: null, actor_id: adminId });
      expect(await emailKindsOf(db, first)).toEqual(['created', 'closed']);
      expect(await holderOf(db, waiting)).toBe(alice);
    });

    it('changes an agent’s capacity: raising it pulls from the queue (R2), bad values are refused', async () => {
      const { db, alice, bob, admin, adminId } = await team({ capacity: 1 });
      await newTicket(t.ctx);
      await newTicket(t.ctx);
      const w1 = await newTicket(t.ctx);
      const w2 = await newTicket(t.ctx);

      const bad = await act(admin, 'users', bob, 'capacity', { capacity: '0' });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toMatch(/id="capacity-error"[^>]*>Capacity: enter a whole number/);
      expect(bad.body).toContain('value="0"');
      expect((await db.selectFrom('users').select('capacity').where('id', '=', bob).executeTakeFirstOrThrow()).capacity).toBe(1);

      expect((await act(admin, 'users', bob, 'capacity', { capacity: '3' })).statusCode).toBe(303);
      expect([await holderOf(db, w1), await holderOf(db, w2)]).toEqual([bob, bob]);
      expect((await eventsOf(db, w1)).at(-1)).toEqual({ type: 'assigned', from_agent_id: null, to_agent_id: bob, actor_id: adminId });

      // Lowering below the current load takes nothing away.
      expect((await act(admin, 'users', bob, 'capacity', { capacity: '1' })).statusCode).toBe(303);
      expect(await holderOf(db, w2)).toBe(bob);
      // Empty: back to the default capacity.
      expect((await act(admin, 'users', alice, 'capacity', { capacity: '' })).statusCode).toBe(303);
      expect((await db.selectFrom('users').select('capacity').where('id', '=', alice).executeTakeFirstOrThrow()).capacity).toBeNull();
      expect(visibleText(await admin.get(`/admin/users/${alice}/`))).toContain('Capacity set to the default');
      // Admins have no capacity.
      expect((await act(admin, 'users', adminId, 'capacity', { capacity: '3' })).statusCode).toBe(400);
    });

    it('deactivates an agent: logged out for good, its open tickets requeued and routed again', async () => {
      const { db, alice, bob, admin, aliceClient, adminId } = await team();
      const a1 = await newTicket(t.ctx); // alice
      const b1 = await newTicket(t.ctx); // bob
      const a2 = await newTicket(t.ctx); // alice
      expect([await holderOf(db, a1), await holderOf(db, b1), await holderOf(db, a2)]).toEqual([alice, bob, alice]);

      const response = await act(admin, 'users', alice, 'deactivate');
      expect(response.statusCode).toBe(303);
      const row = await db.selectFrom('users').select(['active', 'presence']).where('id', '=', alice).executeTakeFirstOrThrow();
      expect(row).toEqual({ active: 0, presence: 'offline' });
      // Bob had room for one: the oldest goes to him directly; the other waits in the queue.
      expect(await holderOf(db, a1)).toBe(bob);
      expect(await holderOf(db, a2)).toBeNull();
      expect((await eventsOf(db, a1)).at(-1)).toEqual({ type: 'reassigned', from_agent_id: alice, to_agent_id: bob, actor_id: adminId });
      expect((await eventsOf(db, a2)).at(-1)).toEqual({ type: 'requeued', from_agent_id: alice, to_agent_id: null, actor_id: adminId });
      expect(await emailKindsOf(db, a1)).toEqual(['created', 'reassigned']);
      // The admin acted, but the ticket moved because its agent left (R5): the email says that.
      const moved = await db.selectFrom('outbox').select('text_body').where('ticket_id', '=', a1).where('kind', '=', 'reassigned').executeTakeFirstOrThrow();
      expect(moved.text_body).toContain('has moved from Alice Agent, who is not available, to Bob Agent.');
      // Her session is gone and she cannot log in again.
      expect((await aliceClient.get('/agents/dashboard/')).statusCode).toBe(303);
      expect((await new Client(t.app).login('alice')).statusCode).toBe(401);
      expect(await db.selectFrom('sessions').select('id').where('user_id', '=', alice).execute()).toEqual([]);
      // Deactivated agents receive nothing: bob is full, so a new ticket waits too.
      const later = await newTicket(t.ctx);
      expect(await holderOf(db, later)).toBeNull();
      expect(await capacityViolations(db)).toEqual([]);
      expect(await historyViolations(db)).toEqual([]);

      // Reactivated, she can log in again and pulls the waiting tickets.
      expect((await act(admin, 'users', alice, 'reactivate')).statusCode).toBe(303);
      expect((await new Client(t.app).login('alice')).statusCode).toBe(303);
      expect([await holderOf(db, a2), await holderOf(db, later)]).toEqual([alice, alice]);
    });

    it('never lets an admin deactivate itself, nor two admins deactivate each other at once', async () => {
      const { db, admin, adminId } = await team();
      const self = await act(admin, 'users', adminId, 'deactivate');
      expect(self.statusCode).toBe(409);
      expect(visibleText(self)).toContain('You cannot deactivate your own account');
      expect((await db.selectFrom('users').select('active').where('id', '=', adminId).executeTakeFirstOrThrow()).active).toBe(1);

      const other = await addStaff(t.ctx, 'root2', { role: 'admin' });
      const results = await Promise.allSettled([deactivateUser(t.ctx, adminId, other), deactivateUser(t.ctx, other, adminId)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const activeAdmins = await db.selectFrom('users').select('id').where('role', '=', 'admin').where('active', '=', 1).execute();
      expect(activeAdmins).toHaveLength(1);
    });
  });
}
