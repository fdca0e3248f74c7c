import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { referenceOf } from '../../src/core/tickets.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { changePresence } from '../../src/services/presence.js';
import { computeStats } from '../../src/services/stats.js';
import { intakeTicket } from '../support/intake.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { ApiClient, staffWithToken, validTicket } from './support.js';

type Staff = Awaited<ReturnType<typeof staffWithToken>>;

for (const dialect of DIALECTS) {
  describe(`JSON API tickets, agents and stats (${dialect})`, () => {
    let t: TestApp;
    let admin: Staff;
    let alice: Staff;
    let bob: Staff;
    let anonymous: ApiClient;
    // A fresh desk per test: routing makes every ticket depend on what came before.
    beforeEach(async () => {
      t = await startTestApp(dialect);
      admin = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
      alice = await staffWithToken(t.app, t.ctx, 'alice', { capacity: 2 });
      bob = await staffWithToken(t.app, t.ctx, 'bob', { capacity: 2 });
      anonymous = new ApiClient(t.app);
    });
    afterEach(() => t.close());

    const db = () => t.ctx.handle.db;
    const ticketCount = async () => Number((await db().selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const eventsOf = (id: number) => db().selectFrom('ticket_events').selectAll().where('ticket_id', '=', id).orderBy('id').execute();
    const emailsOf = (id: number) => db().selectFrom('outbox').select(['kind', 'to_address']).where('ticket_id', '=', id).orderBy('id').execute();
    const idOf = (reference: string) => Number(reference.slice(3));
    const create = async (fields: Partial<typeof validTicket> = {}) => {
      const response = await anonymous.post('/api/v1/tickets', { ...validTicket, ...fields });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body;
    };

    it('creates a ticket for anyone: 201 with the ticket, its token and the created email', async () => {
      await changePresence(t.ctx, alice.id, 'available');
      const body = await create({ priority: 'HiGh', title: 'Website down' });
      expect(body).toMatchObject({
        reference: expect.stringMatching(/^HD-\d+$/),
        title: 'Website down',
        priority: 'high',
        status: 'open',
        state: 'open',
        agent: 'alice',
        customer: { name: 'Carla Customer', email: 'carla@example.com' },
        closed_at: null,
        sla_breached: false,
      });
      const row = (await findTicketById(db(), idOf(body.reference)))!;
      expect(body.token).toBe(row.token);
      expect(body.status_url).toBe(`http://helpdesk.test/tickets/status/${row.token}/`);
      expect(body.created_at).toBe(new Date(row.created_at).toISOString());
      expect(body.sla_due_at).toBe(new Date(row.created_at + 60_000).toISOString());
      expect(await emailsOf(row.id)).toEqual([{ kind: 'created', to_address: 'carla@example.com' }]);
    });

    it('takes a null topic as no topic given, as an empty or absent one: the default topic', async () => {
      for (const topic of [null, '', undefined]) {
        const body = await create({ ...(topic === undefined ? {} : { topic }) } as Partial<typeof validTicket>);
        expect([body.topic, body.team], JSON.stringify(topic)).toEqual(['General', 'Support']);
      }
    });

    it('refuses bad input with a message per field and writes nothing', async () => {
      const before = await ticketCount();
      const response = await anonymous.post('/api/v1/tickets', { name: '', email: 'not-an-address', title: 42, priority: 'urgent' });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_input');
      expect(Object.keys(response.body.error.fields).sort()).toEqual(['description', 'email', 'name', 'priority', 'title']);
      expect(response.body.error.fields.description).toBe('Description is required.');
      expect(response.body.error.fields.email).toContain('valid email address');
      const tooLong = await anonymous.post('/api/v1/tickets', { ...validTicket, title: 'x'.repeat(201) });
      expect(tooLong.body.error.fields).toEqual({ title: 'Subject: at most 200 characters.' });
      expect((await anonymous.post('/api/v1/tickets', [validTicket])).status).toBe(400);
      expect(await ticketCount()).toBe(before);
    });

    it('takes JSON only: 400 for broken JSON, 415 for a form, 413 for a huge body', async () => {
      const broken = await anonymous.request('POST', '/api/v1/tickets', '{"name": ', { 'content-type': 'application/json' });
      expect(broken.status).toBe(400);
      expect(broken.body.error.code).toBe('invalid_input');
      // The §8 400 names the field at fault, as a body that is not UTF-8 or not an object does: here the whole body.
      expect(broken.body.error.fields).toEqual({ body: 'The body is not valid JSON: check its brackets, quotes and commas.' });
      const form = await anonymous.request('POST', '/api/v1/tickets', new URLSearchParams(validTicket).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
      expect(form.status).toBe(415);
      expect(form.body.error.code).toBe('unsupported_media_type');
      const huge = await anonymous.post('/api/v1/tickets', { ...validTicket, description: 'x'.repeat(300_000) });
      expect(huge.status).toBe(413);
      expect(huge.body).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    });

    it('lists what each token may see: an agent its own and the pending tickets, an admin all', async () => {
      await changePresence(t.ctx, bob.id, 'available');
      const bobs = await create({ title: "Bob's ticket" });
      expect(bobs.agent).toBe('bob');
      await changePresence(t.ctx, bob.id, 'away');
      const pending = await create({ title: 'Nobody is online' });
      const stillPending = await create({ title: 'Still nobody' });

      const refs = (body: { items: { reference: string }[] }) => body.items.map((i) => i.reference);
      const asAdmin = await admin.api.get('/api/v1/tickets');
      expect(asAdmin.status).toBe(200);
      expect(refs(asAdmin.body)).toEqual([stillPending.reference, pending.reference, bobs.reference]);
      expect(asAdmin.body.next_cursor).toBeNull();
      expect(asAdmin.body.items[0]).not.toHaveProperty('token');

      expect(refs((await alice.api.get('/api/v1/tickets')).body)).toEqual([stillPending.reference, pending.reference]);
      expect(refs((await bob.api.get('/api/v1/tickets')).body)).toEqual([stillPending.reference, pending.reference, bobs.reference]);

      // Same visibility for one ticket: another agent's ticket does not exist for Alice.
      expect((await alice.api.get(`/api/v1/tickets/${bobs.reference}`)).status).toBe(404);
      expect((await bob.api.get(`/api/v1/tickets/${bobs.reference.toLowerCase()}`)).status).toBe(200);
    });

    it('shows one ticket with its events, oldest first', async () => {
      await changePresence(t.ctx, alice.id, 'available');
      const created = await create({ title: 'With a history' });
      const response = await admin.api.get(`/api/v1/tickets/${created.reference}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ reference: created.reference, title: 'With a history', agent: 'alice' });
      expect(response.body.events).toEqual([{ type: 'created', at: created.created_at, from_agent: null, to_agent: 'alice', actor: null }]);
      for (const reference of ['HD-999999', 'nonsense', 'HD-1x']) {
        const missing = await admin.api.get(`/api/v1/tickets/${reference}`);
        expect(missing.status).toBe(404);
        expect(missing.body.error.code).toBe('not_found');
      }
    });

    it('closes a ticket as R4: its agent (or an admin) only, then the agent pulls from the queue', async () => {
      await changePresence(t.ctx, alice.id, 'available');
      await create({ title: 'First for Alice' });
      await create({ title: 'Second for Alice' });
      const holding = (await alice.api.get('/api/v1/tickets?state=open')).body.items;
      expect(holding.length).toBe(2);
      const waiting = await create({ title: 'Waits for Alice' });
      expect(waiting.state).toBe('pending');

      // A pending ticket is visible to Alice but not hers to close.
      const notHers = await alice.api.post(`/api/v1/tickets/${waiting.reference}/close`);
      expect(notHers.status).toBe(403);
      expect(notHers.body.error.code).toBe('forbidden');

      const closed = await alice.api.request('POST', `/api/v1/tickets/${holding[0].reference}/close`, '', { 'content-type': 'application/json' });
      expect(closed.status).toBe(200);
      expect(closed.body).toMatchObject({ reference: holding[0].reference, status: 'closed', state: 'closed', agent: 'alice' });
      expect(closed.body.closed_at).not.toBeNull();
      const events = await eventsOf(idOf(holding[0].reference));
      expect(events.at(-1)).toMatchObject({ type: 'closed', actor_id: alice.id });
      expect((await emailsOf(idOf(holding[0].reference))).map((e) => e.kind)).toContain('closed');
      // R2: the freed slot takes the waiting ticket at once.
      expect((await findTicketById(db(), idOf(waiting.reference)))!.agent_id).toBe(alice.id);

      // Closing twice is a no-op: same answer, no second event.
      const again = await alice.api.post(`/api/v1/tickets/${holding[0].reference}/close`);
      expect(again.status).toBe(200);
      expect(again.body.closed_at).toBe(closed.body.closed_at);
      expect((await eventsOf(idOf(holding[0].reference))).length).toBe(events.length);

      // An admin may close anyone's ticket.
      const byAdmin = await admin.api.post(`/api/v1/tickets/${holding[1].reference}/close`);
      expect(byAdmin.status).toBe(200);
      expect(byAdmin.body.status).toBe('closed');
      expect((await alice.api.post('/api/v1/tickets/HD-999999/close')).status).toBe(404);
    });

    it('assigns as R6: to any active agent beyond capacity, or back to the queue; admins only', async () => {
      // Bob is full (2 of 2) and away: routing would never give him more.
      await changePresence(t.ctx, bob.id, 'available');
      await create();
      await create();
      await changePresence(t.ctx, bob.id, 'away');
      const ticket = await create({ title: 'For the admin to place' });
      expect(ticket.state).toBe('pending');
      const url = `/api/v1/tickets/${ticket.reference}/assign`;

      expect((await alice.api.post(url, { agent: 'alice' })).status).toBe(403);

      const assigned = await admin.api.post(url, { agent: 'BOB' });
      expect(assigned.status).toBe(200);
      expect(assigned.body).toMatchObject({ reference: ticket.reference, agent: 'bob', state: 'open' });
      const bobsOpen = await db().selectFrom('tickets').select('id').where('agent_id', '=', bob.id).where('status', '=', 'open').execute();
      expect(bobsOpen).toHaveLength(3);
      expect((await eventsOf(idOf(ticket.reference))).at(-1)).toMatchObject({ type: 'assigned', to_agent_id: bob.id, actor_id: admin.id });
      expect((await emailsOf(idOf(ticket.reference))).map((e) => e.kind)).toEqual(['created', 'assigned']);

      const moved = await admin.api.post(url, { agent: 'alice' });
      expect(moved.body.agent).toBe('alice');
      expect((await eventsOf(idOf(ticket.reference))).at(-1)).toMatchObject({ type: 'reassigned', from_agent_id: bob.id, to_agent_id: alice.id, actor_id: admin.id });

      // Nobody is available, so back to the queue means waiting there.
      const requeued = await admin.api.post(url, { agent: null });
      expect(requeued.status).toBe(200);
      expect(requeued.body).toMatchObject({ agent: null, state: 'pending' });
      expect((await eventsOf(idOf(ticket.reference))).at(-1)).toMatchObject({ type: 'requeued', from_agent_id: alice.id, to_agent_id: null });

      for (const body of [{ agent: 'nobody' }, { agent: 'root' }, {}, { agent: 7 }]) {
        const refused = await admin.api.post(url, body);
        expect(refused.status, JSON.stringify(body)).toBe(400);
        expect(refused.body.error.fields).toHaveProperty('agent');
      }
      expect((await admin.api.post(url)).status).toBe(400);
      expect((await admin.api.post('/api/v1/tickets/HD-999999/assign', { agent: 'bob' })).status).toBe(404);

      await admin.api.post(`/api/v1/tickets/${ticket.reference}/close`);
      const conflict = await admin.api.post(url, { agent: 'bob' });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.code).toBe('conflict');
    });

    it('sets an agent\'s presence with the same routing as login, away and logout', async () => {
      const waiting = await create({ title: 'Waits for Bob' });
      expect(waiting.state).toBe('pending');
      const available = await bob.api.put('/api/v1/agents/me/presence', { status: 'Available' });
      expect(available.status).toBe(200);
      expect(available.body).toMatchObject({ username: 'bob', role: 'agent', presence: 'available', capacity: 2, open_count: 1 });
      // R2: becoming available pulled the waiting ticket.
      expect((await findTicketById(db(), idOf(waiting.reference)))!.agent_id).toBe(bob.id);

      expect((await bob.api.put('/api/v1/agents/me/presence', { status: 'away' })).body.presence).toBe('away');
      expect((await create({ title: 'Bob is away' })).state).toBe('pending');
      expect((await bob.api.put('/api/v1/agents/me/presence', { status: 'offline' })).body.presence).toBe('offline');

      const bad = await bob.api.put('/api/v1/agents/me/presence', { status: 'busy' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.fields).toEqual({ status: 'Choose available, away or offline.' });
      expect((await admin.api.put('/api/v1/agents/me/presence', { status: 'available' })).status).toBe(403);
      expect((await anonymous.put('/api/v1/agents/me/presence', { status: 'available' })).status).toBe(401);
    });

    it('lists staff for admins, with presence and load, page by page', async () => {
      await changePresence(t.ctx, bob.id, 'available');
      await create();
      await changePresence(t.ctx, bob.id, 'away');
      const response = await admin.api.get('/api/v1/agents');
      expect(response.status).toBe(200);
      const bobRow = response.body.items.find((a: { username: string }) => a.username === 'bob');
      const open = await db().selectFrom('tickets').select('id').where('agent_id', '=', bob.id).where('status', '=', 'open').execute();
      expect(open).toHaveLength(1);
      expect(bobRow).toEqual({ username: 'bob', display_name: 'Bob', role: 'agent', presence: 'away', capacity: 2, open_count: 1, last_assigned_at: expect.any(String) });
      expect(response.body.items.find((a: { username: string }) => a.username === 'root')).toMatchObject({ role: 'admin', capacity: null });
      expect(response.body.next_cursor).toBeNull();

      const first = await admin.api.get('/api/v1/agents?limit=1');
      expect(first.body.items).toHaveLength(1);
      const second = await admin.api.get(`/api/v1/agents?limit=1&cursor=${first.body.next_cursor}`);
      expect(second.body.items[0].username).not.toBe(first.body.items[0].username);

      const forbidden = await alice.api.get('/api/v1/agents');
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error.code).toBe('forbidden');
    });

    it('serves the dashboard figures to admins', async () => {
      await changePresence(t.ctx, alice.id, 'available');
      const closed = await create();
      await alice.api.post(`/api/v1/tickets/${closed.reference}/close`);
      await create({ priority: 'low' });
      await create({ priority: 'low' });
      const response = await admin.api.get('/api/v1/stats');
      expect(response.status).toBe(200);
      // Nothing is overdue yet (the earliest deadline is minutes away), so the figures are stable.
      expect(response.body).toEqual(await computeStats(db(), { window: 'all', now: Date.now() }));
      expect(response.body).toMatchObject({ window: 'all', total: 3, pending: 0, open: 2, closed: 1 });
      expect((await admin.api.get('/api/v1/stats?window=7D')).body.window).toBe('7d');
      const bad = await admin.api.get('/api/v1/stats?window=1y');
      expect(bad.status).toBe(400);
      expect(bad.body.error.fields).toHaveProperty('window');
      expect((await alice.api.get('/api/v1/stats')).status).toBe(403);
      expect((await anonymous.get('/api/v1/stats')).status).toBe(401);
    });

    it('answers unknown API addresses with the JSON error shape', async () => {
      const response = await admin.api.get('/api/v1/nothing-here');
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
    });

    it('the service and the API agree on references', async () => {
      const ticket = await intakeTicket(t.ctx, validTicket);
      expect((await admin.api.get(`/api/v1/tickets/${referenceOf(ticket.id)}`)).body.title).toBe(validTicket.title);
    });
  });
}

describe('JSON API rate limit on public creation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { config: { rateLimit: true } });
  });
  afterAll(() => t.close());

  it('answers 429 in the error shape once a client has created too many tickets', async () => {
    const api = new ApiClient(t.app);
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await api.post('/api/v1/tickets', { ...validTicket, title: `Ticket ${i}` })).status);
    expect(statuses.slice(0, 30).every((s) => s === 201)).toBe(true);
    const limited = await api.post('/api/v1/tickets', validTicket);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
    const count = await t.ctx.handle.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(30);
  });
});
