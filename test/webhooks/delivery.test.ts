/**
 * Webhooks end to end on both engines (§13): real changes through the services, the real worker,
 * a real HTTP receiver that checks every signature with the Standard Webhooks verifier.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { type Receiver, startReceiver, verified } from '../support/webhookReceiver.js';
import { staffWithToken, type ApiClient } from '../api/support.js';
import { newTicket, visibleText } from '../admin/support.js';
import { changePresence } from '../../src/services/presence.js';
import { reassignTicket, requeueTicket } from '../../src/services/admin.js';
import { postCustomerMessageOn, postStaffMessage } from '../../src/services/conversation.js';
import { closeTicket } from '../../src/services/tickets.js';
import { recordDueBreaches } from '../../src/services/sla.js';
import { WebhookWorker } from '../../src/webhooks/worker.js';
import { DISABLE_AFTER_MS } from '../../src/core/webhooks.js';
import { QueryCounter } from '../support/queryCounter.js';
import { useAsSlaCalendar } from '../support/calendars.js';
import { addCalendar, OFFICE_HOURS } from '../support/sla.js';
import { formatMailTime } from '../../src/core/mailTime.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

for (const dialect of DIALECTS) {
  describe(`webhook deliveries (${dialect})`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let admin: { id: number; api: ApiClient };
    const clock = new FakeClock(Date.now());

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock, config: { webhooksAllowPrivate: true } });
      receiver = await startReceiver();
      admin = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
    });
    afterAll(async () => {
      await receiver.close();
      await t.close();
    });
    afterEach(async () => {
      receiver.answer = () => 200;
      // Each test its own endpoints.
      await t.ctx.handle.db.updateTable('webhook_endpoints').set({ active: 0 }).execute();
      await useAsSlaCalendar(t.ctx.handle.db, null);
    });

    const worker = (options: Partial<ConstructorParameters<typeof WebhookWorker>[0]> = {}) =>
      new WebhookWorker({ handle: t.ctx.handle, clock, logger: quiet, publicUrl: 'http://helpdesk.test', allowPrivate: true, timeoutMs: 5_000, ...options });

    const register = async (path: string, events: string[] | string) => {
      const created = await admin.api.post('/api/v1/webhooks', { url: receiver.url(path), events });
      expect(created.status).toBe(201);
      return created.body as { id: number; secret: string };
    };

    /** Rounds until nothing is due now. */
    const drain = async (w: WebhookWorker) => {
      for (let i = 0; i < 50; i++) if ((await w.runOnce()).claimed === 0) return;
      throw new Error('the worker never ran dry');
    };

    it('sends each event of each change once, signed, with the API shape, to the endpoints that take it; none for a rolled-back change', async () => {
      const all = await register('/all', '*');
      const closes = await register('/closes', ['ticket.closed']);
      const db = t.ctx.handle.db;
      const alice = await addStaff(t.ctx, 'alice');
      const bob = await addStaff(t.ctx, 'bob');
      // created (pending), assigned (alice comes), reassigned, requeued then assigned again, a
      // customer message, a staff reply and note, closed; another ticket breaches.
      const first = await newTicket(t.ctx, { title: 'Webhook one' });
      await changePresence(t.ctx, alice, 'available');
      await changePresence(t.ctx, bob, 'available');
      await reassignTicket(t.ctx, admin.id, first, 'bob');
      await changePresence(t.ctx, alice, 'away');
      await requeueTicket(t.ctx, admin.id, first);
      await postCustomerMessageOn(t.ctx, first, { body: 'Any news?', channel: 'web' });
      const holder = (await db.selectFrom('tickets').select('agent_id').where('id', '=', first).executeTakeFirstOrThrow()).agent_id!;
      await postStaffMessage(t.ctx, { id: holder, role: 'agent' }, first, { kind: 'reply', body: 'Working on it.', channel: 'web', close: false, seen: null });
      await postStaffMessage(t.ctx, { id: holder, role: 'agent' }, first, { kind: 'note', body: 'Internal.', channel: 'web', close: false, seen: null });
      await closeTicket(t.ctx, { id: holder, role: 'agent' }, first);
      const second = await newTicket(t.ctx, { title: 'Webhook two', priority: 'high' });
      clock.advance(30 * 86_400_000);
      await recordDueBreaches(t.ctx, clock.now(), 100);
      // A mail already handled: its message is written, then the inbound log's unique key refuses
      // the mail and the whole transaction, delivery included, rolls back.
      const mail = { mail_key: '<twice@example.com>', source: 'http' as const, from_address: 'carla@example.com', from_name: 'Carla', subject: 'Re', result: 'appended' as const, reason: null, size: 10, raw: Buffer.from('x'), received_at: clock.now(), handled_at: clock.now() };
      await postCustomerMessageOn(t.ctx, second, { body: 'First copy', channel: 'email', mail: () => mail });
      await expect(postCustomerMessageOn(t.ctx, second, { body: 'Second copy', channel: 'email', mail: () => mail })).rejects.toThrow();

      await drain(worker());

      // What the receiver got is what the database says happened: one event per change.
      const events = await db.selectFrom('ticket_events').select(['ticket_id', 'type']).where('ticket_id', 'in', [first, second]).orderBy('id').execute();
      const messages = await db.selectFrom('messages').select(['ticket_id', 'body']).where('ticket_id', 'in', [first, second]).orderBy('id').execute();
      const expected = [
        ...events.map((e) => `ticket.${e.type} HD-${e.ticket_id}`),
        // The first message of a ticket is its description, carried by ticket.created.
        ...messages.filter((m) => !['It is on fire.'].includes(m.body)).map((m) => `message.created HD-${m.ticket_id}`),
      ].sort();
      expect(expected).toContain(`ticket.requeued HD-${first}`);
      expect(expected).toContain(`ticket.sla_breached HD-${second}`);
      expect(expected.filter((e) => e.startsWith('message.created'))).toHaveLength(4);
      const got = receiver.on('/all').map((r) => {
        const body = verified(r, all.secret);
        return `${body.type} ${body.data.reference ?? body.data.ticket}`;
      });
      expect(got.sort()).toEqual(expected);
      expect(got.join()).not.toContain('Second copy');
      const closed = receiver.on('/closes').map((r) => verified(r, closes.secret));
      expect(closed.map((b) => `${b.type} ${b.data.reference}`)).toEqual([`ticket.closed HD-${first}`]);
      expect(closed[0]!.data).toMatchObject({ title: 'Webhook one', status: 'closed', state: 'closed', customer: { email: 'carla@example.com' } });
      // A new ticket's body is the API's shape as its creation left it, names included (intake
      // builds it from the rows it writes, in the same statement).
      const created = receiver.on('/all').map((r) => verified(r, all.secret)).find((b) => b.type === 'ticket.created' && b.data.reference === `HD-${second}`);
      const createdEvent = await db.selectFrom('ticket_events').select('to_agent_id').where('ticket_id', '=', second).where('type', '=', 'created').executeTakeFirstOrThrow();
      const holderName = createdEvent.to_agent_id === null ? null : (await db.selectFrom('users').select('username').where('id', '=', createdEvent.to_agent_id).executeTakeFirstOrThrow()).username;
      expect(created!.data).toMatchObject({ title: 'Webhook two', priority: 'high', status: 'open', agent: holderName, team: 'Support', topic: 'General', customer: { email: 'carla@example.com' } });
      // Each request carries the three headers, a webhook-id of its own, and JSON.
      const ids = receiver.on('/all').map((r) => r.headers['webhook-id']);
      expect(new Set(ids).size).toBe(ids.length);
      expect(receiver.on('/all')[0]!.headers['content-type']).toBe('application/json');
      expect(() => verified(receiver.on('/all')[0]!, closes.secret)).toThrow();
      const reply = receiver.on('/all').map((r) => verified(r, all.secret)).find((b) => b.type === 'message.created' && b.data.message.body === 'Working on it.');
      expect(reply!.data.message).toMatchObject({ kind: 'reply', author: { type: 'staff' }, channel: 'web' });
      // The log says delivered, with the answer's status.
      const log = await admin.api.get(`/api/v1/webhooks/${all.id}/deliveries?limit=200`);
      expect(log.status).toBe(200);
      expect(log.body.items).toHaveLength(expected.length);
      expect(log.body.items.every((d: { status: string; response_status: number }) => d.status === 'delivered' && d.response_status === 200)).toBe(true);
    });

    it('retries after a 500 and after a timeout, with the same webhook-id and a fresh signature; an admin retries a given-up delivery', async () => {
      const endpoint = await register('/flaky', ['ticket.created']);
      let calls = 0;
      receiver.answer = (r) => (r.path !== '/flaky' ? 200 : ++calls === 1 ? 500 : calls === 2 ? 'hang' : 200);
      await newTicket(t.ctx, { title: 'Flaky' });
      const w = worker({ timeoutMs: 300 });
      expect(await w.runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
      const db = t.ctx.handle.db;
      const row = () => db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpoint.id).executeTakeFirstOrThrow();
      expect(await row()).toMatchObject({ status: 'pending', attempts: 1, response_status: 500, next_attempt_at: clock.now() + 5_000 });
      expect(await w.runOnce()).toMatchObject({ claimed: 0 });
      // An admin need not wait out the backoff: the waiting try is due now, its count kept.
      const waiting = (await row()).id;
      expect((await admin.api.post(`/api/v1/webhooks/${endpoint.id}/deliveries/${waiting}/retry`)).body).toEqual({ retried: true });
      expect(await row()).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: clock.now() });
      expect((await admin.api.post(`/api/v1/webhooks/${endpoint.id}/deliveries/${waiting}/retry`)).body).toEqual({ retried: false });
      clock.advance(5_000);
      expect(await w.runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
      expect(await row()).toMatchObject({ status: 'pending', attempts: 2, response_status: null, last_error: 'no answer within 0.3 s', next_attempt_at: clock.now() + 5 * 60_000 });
      clock.advance(5 * 60_000);
      expect(await w.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
      expect(await row()).toMatchObject({ status: 'delivered', attempts: 3, response_status: 200 });
      const tries = receiver.on('/flaky');
      expect(tries).toHaveLength(3);
      expect(new Set(tries.map((r) => r.headers['webhook-id'])).size).toBe(1);
      for (const r of tries) expect(verified(r, endpoint.secret).type).toBe('ticket.created');
      // Sent again on an admin's word, as it was.
      const id = (await row()).id;
      expect((await admin.api.post(`/api/v1/webhooks/${endpoint.id}/deliveries/${id}/retry`)).body).toEqual({ retried: true });
      expect((await admin.api.post(`/api/v1/webhooks/${endpoint.id}/deliveries/${id}/retry`)).body).toEqual({ retried: false });
      expect((await admin.api.post(`/api/v1/webhooks/${endpoint.id}/deliveries/999999/retry`)).status).toBe(404);
      await drain(w);
      expect(receiver.on('/flaky')).toHaveLength(4);
      expect(receiver.on('/flaky')[3]!.headers['webhook-id']).toBe(tries[0]!.headers['webhook-id']);
    });

    it('says on the page that a delivery retried on an endpoint that is off waits for the endpoint to be on', async () => {
      const endpoint = await register('/switched-off', ['ticket.created']);
      receiver.answer = (r) => (r.path === '/switched-off' ? 500 : 200);
      await newTicket(t.ctx, { title: 'Off' });
      expect(await worker().runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
      const delivery = await t.ctx.handle.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', endpoint.id).executeTakeFirstOrThrow();
      await admin.api.put(`/api/v1/webhooks/${endpoint.id}`, { url: receiver.url('/switched-off'), events: ['ticket.created'], active: false });
      // The file's one admin, signed in (another admin would get another "disabled" email below).
      const client = new Client(t.app);
      expect((await client.login('root')).statusCode).toBe(303);
      const page = await client.get(`/adminapp/webhooks/${endpoint.id}/`);
      const retried = await client.post(`/adminapp/webhooks/${endpoint.id}/deliveries/${delivery.id}/retry/`, { _csrf: csrfFrom(page.body) });
      expect(retried.statusCode).toBe(303);
      // Old: "Delivery queued to be sent again." alone, while nothing is sent until the endpoint is on.
      expect(visibleText(await client.get(`/adminapp/webhooks/${endpoint.id}/`))).toContain('Delivery queued to be sent again. The endpoint is off: it is sent once the endpoint is turned on again.');
    });

    it('follows no redirect: a 302 is a failed try', async () => {
      const endpoint = await register('/moved', ['ticket.created']);
      receiver.answer = (r) => (r.path === '/moved' ? { status: 302, headers: { location: '/elsewhere' } } : 200);
      await newTicket(t.ctx, { title: 'Moved' });
      expect(await worker().runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
      expect(receiver.on('/elsewhere')).toHaveLength(0);
      const row = await t.ctx.handle.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpoint.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'pending', response_status: 302 });
    });

    it('disables an endpoint failing for 24 h, emailing each admin once, and keeps the others flowing meanwhile', async () => {
      const dead = await register('/dead', ['ticket.created']);
      const alive = await register('/alive', ['ticket.created']);
      // The desk works on Berlin time: the admins' email says since when in that zone (§5).
      await useAsSlaCalendar(t.ctx.handle.db, await addCalendar(t.ctx.handle.db, 'Berlin office', OFFICE_HOURS, clock.now()));
      receiver.answer = (r) => (r.path === '/dead' ? 503 : 200);
      await newTicket(t.ctx, { title: 'Dead 1' });
      await newTicket(t.ctx, { title: 'Dead 2' });
      const db = t.ctx.handle.db;
      const w = worker();
      const start = clock.now();
      await drain(w);
      expect(receiver.on('/alive')).toHaveLength(2);
      // Try after try, as the schedule brings them, until a day has passed.
      while (clock.now() - start < DISABLE_AFTER_MS + 11 * 3_600_000) {
        clock.advance(30 * 60_000);
        await drain(w);
      }
      const endpoint = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', dead.id).executeTakeFirstOrThrow();
      expect(endpoint).toMatchObject({ active: 0, failing_since: start });
      expect(endpoint.disabled_at).toBeGreaterThanOrEqual(start + DISABLE_AFTER_MS);
      const emails = await db.selectFrom('outbox').select(['to_address', 'to_name', 'subject', 'text_body']).where('kind', '=', 'webhook_disabled').execute();
      expect(emails).toHaveLength(1);
      expect(emails[0]!.to_name).not.toBe('');
      expect(emails[0]!.subject).toBe(`Webhook endpoint disabled: ${receiver.url('/dead')}`);
      expect(emails[0]!.text_body).toContain(`/adminapp/webhooks/${dead.id}/`);
      expect(emails[0]!.text_body).toContain(`has failed every delivery since ${formatMailTime(start, 'Europe/Berlin')},`);
      expect(emails[0]!.text_body).toMatch(/since \d{4}-\d\d-\d\d \d\d:\d\d Europe\/Berlin \(UTC\+0[12]:00\)/);
      // Disabled: nothing more is tried; the live endpoint never failed.
      const tried = receiver.on('/dead').length;
      clock.advance(DISABLE_AFTER_MS);
      await drain(w);
      expect(receiver.on('/dead')).toHaveLength(tried);
      expect((await db.selectFrom('webhook_endpoints').select('failing_since').where('id', '=', alive.id).executeTakeFirstOrThrow()).failing_since).toBeNull();
      // Turned on again through the API: its run of failures is forgotten.
      const again = await admin.api.put(`/api/v1/webhooks/${dead.id}`, { url: receiver.url('/dead'), events: ['ticket.created'], active: true });
      expect(again.body).toMatchObject({ active: true, failing_since: null, disabled_at: null });
    });

    it('counts a secret it cannot sign with as a failed try, retried later, and goes on with the lane', async () => {
      const broken = await register('/broken', ['ticket.created']);
      await t.ctx.handle.db.updateTable('webhook_endpoints').set({ secret: 'whsec_!!!' }).where('id', '=', broken.id).execute();
      await newTicket(t.ctx, { title: 'Unsignable 1' });
      await newTicket(t.ctx, { title: 'Unsignable 2' });
      const w = worker();
      expect(await w.runOnce()).toMatchObject({ claimed: 2, retrying: 2 });
      expect(receiver.requests.filter((r) => r.path === '/broken')).toHaveLength(0);
      const rows = await t.ctx.handle.db.selectFrom('webhook_deliveries').select(['status', 'attempts', 'last_error']).where('endpoint_id', '=', broken.id).execute();
      expect(rows).toEqual([1, 2].map(() => ({ status: 'pending', attempts: 1, last_error: expect.stringContaining('Base64') })));
      // Its lane went on: nothing else waits in it.
      expect(await w.runOnce()).toMatchObject({ claimed: 0 });
    });

    it('claims up to perEndpoint of an endpoint at once but posts at most postsPerEndpoint of them at a time', async () => {
      const endpoint = await register('/steady', ['ticket.created']);
      let open = 0;
      let mostOpen = 0;
      receiver.answer = () => {
        open++;
        mostOpen = Math.max(mostOpen, open);
        setTimeout(() => open--, 40);
        return { status: 204, delayMs: 40 };
      };
      for (let i = 0; i < 20; i++) await newTicket(t.ctx, { title: `Steady ${i}` });
      const w = worker({ perEndpoint: 16, postsPerEndpoint: 4 });
      const first = await w.runOnce();
      expect(first).toMatchObject({ claimed: 16, delivered: 16 });
      expect(mostOpen).toBe(4);
      await drain(w);
      const own = receiver.requests.filter((r) => r.path === '/steady');
      expect(own).toHaveLength(20);
      expect(new Set(own.map((r) => verified(r, endpoint.secret).data.reference)).size).toBe(20);
    });

    it('records the 2xx answers of a lane together, in one statement, however spread their answers come', async () => {
      await register('/spread', ['ticket.created']);
      let n = 0;
      // Answers 0 to 60 ms apart: recorded as they came, they took several statements.
      receiver.answer = () => ({ status: 204, delayMs: (n++ % 4) * 20 });
      for (let i = 0; i < 16; i++) await newTicket(t.ctx, { title: `Spread ${i}` });
      // The statements that write an answer to the log (the lane's settle; markDelivered for retries).
      const marks = new QueryCounter((node) => JSON.stringify(node).includes('delivered_at'));
      const w = worker({ handle: { ...t.ctx.handle, db: t.ctx.handle.db.withPlugin(marks) }, perEndpoint: 16, postsPerEndpoint: 4 });
      expect(await w.runOnce()).toMatchObject({ claimed: 16, delivered: 16 });
      expect(marks.count).toBe(1);
      const rows = await t.ctx.handle.db.selectFrom('webhook_deliveries as d').innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id').select(['d.status', 'd.response_status']).where('e.url', '=', receiver.url('/spread')).execute();
      expect(rows).toHaveLength(16);
      expect(rows.every((r) => r.status === 'delivered' && r.response_status === 204)).toBe(true);
    });

    it('never lets a slow endpoint hold up another: the fast one is delivered while the slow one still waits for its answer', async () => {
      await register('/slow', ['ticket.created']);
      await register('/fast', ['ticket.created']);
      receiver.answer = (r) => (r.path === '/slow' ? 'hang' : 200);
      const w = worker({ timeoutMs: 20_000, pollMs: 20 });
      w.start();
      try {
        await newTicket(t.ctx, { title: 'Slow and fast 1' });
        await receiver.waitFor('/slow', 1);
        await newTicket(t.ctx, { title: 'Slow and fast 2' });
        await newTicket(t.ctx, { title: 'Slow and fast 3' });
        w.nudge();
        // The fast endpoint gets all three while the slow one's first request is unanswered: its
        // lane is still held, nothing of it settled.
        await receiver.waitFor('/fast', 3);
        const slow = await t.ctx.handle.db.selectFrom('webhook_endpoints').select(['id', 'lane_until']).where('url', '=', receiver.url('/slow')).where('active', '=', 1).executeTakeFirstOrThrow();
        expect(slow.lane_until).toBeGreaterThan(clock.now());
        expect(await t.ctx.handle.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', slow.id).execute()).toEqual([]);
        expect(receiver.requests.filter((r) => r.path === '/slow')).toHaveLength(1);
      } finally {
        receiver.answer = () => 200;
        await receiver.close().catch(() => {});
        receiver = await startReceiver();
        await w.stop();
      }
    });

    it('posts none of the events waiting in a lane that the endpoint no longer takes once its events are narrowed, and counts none as waiting', async () => {
      const url = receiver.url('/narrowed');
      const endpoint = await register('/narrowed', '*');
      // No worker runs while the tickets come and go (as behind a slow or failing receiver): their events wait in its lane.
      const first = await newTicket(t.ctx, { title: 'Narrowed 1' });
      await newTicket(t.ctx, { title: 'Narrowed 2' });
      await closeTicket(t.ctx, { id: admin.id, role: 'admin' }, first);
      const log = () => admin.api.get(`/api/v1/webhooks/${endpoint.id}/deliveries`);
      expect((await log()).body.waiting).toBeGreaterThanOrEqual(3);
      // The admin wants closings only from now on.
      expect((await admin.api.put(`/api/v1/webhooks/${endpoint.id}`, { url, events: ['ticket.closed'] })).status).toBe(200);
      // The page and the API count only what will be sent (old: 3).
      expect((await log()).body.waiting).toBe(1);
      await drain(worker());
      // Old: ticket.created twice as well.
      expect(receiver.on('/narrowed').map((r) => verified(r, endpoint.secret).type)).toEqual(['ticket.closed']);
      expect((await log()).body).toMatchObject({ waiting: 0, items: [{ event: 'ticket.closed', status: 'delivered' }] });
    });
  });
}
