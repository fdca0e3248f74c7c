import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { loadSettings, saveSettings } from '../../src/repositories/settings.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { findUserById } from '../../src/repositories/users.js';
import { expireIdleSessions } from '../../src/services/auth.js';
import { closeTicket } from '../../src/services/tickets.js';
import { DIALECTS } from '../support/db.js';
import { FakeClock } from '../support/clock.js';
import { addStaff, Client, csrfFrom, startTestApp, submitViaForm, type TestApp } from '../support/app.js';

const VALID = { name: 'Carla', email: 'carla@example.com', title: 'Broken', description: 'It broke.', priority: 'low' };

for (const dialect of DIALECTS) {
  describe(`pages and sessions (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    let alice: number;
    let bob: number;
    let root: number;
    const db = () => t.ctx.handle.db;
    const count = async (table: 'tickets' | 'ticket_events' | 'outbox') =>
      Number((await db().selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      alice = await addStaff(t.ctx, 'alice', { capacity: 2, displayName: 'Alice Agent' });
      bob = await addStaff(t.ctx, 'bob', { capacity: 2 });
      root = await addStaff(t.ctx, 'root', { role: 'admin' });
    });
    afterAll(() => t.close());
    beforeEach(async () => {
      await saveSettings(db(), DEFAULT_SETTINGS);
      await db().updateTable('users').set({ presence: 'offline' }).execute();
    });

    describe('the ticket form', () => {
      it('re-renders bad input with 400, a message per field and the other values kept, writing nothing', async () => {
        const before = [await count('tickets'), await count('ticket_events'), await count('outbox')];
        const client = new Client(t.app);
        const response = await client.submit('/tickets/create/', { ...VALID, email: 'not-an-email', title: '', priority: 'urgent' });
        expect(response.statusCode).toBe(400);
        expect(response.body).toContain('Your email: enter a valid email address');
        expect(response.body).toContain('Subject: required.');
        expect(response.body).toContain('Priority: choose high, medium or low.');
        expect(response.body).toContain('value="Carla"');
        expect(response.body).toContain('It broke.');
        expect(response.body).toMatch(/id="email"[^>]*aria-invalid="true"/);
        expect([await count('tickets'), await count('ticket_events'), await count('outbox')]).toEqual(before);
      });

      it('refuses a name, subject or description that shows nothing, and an address holding a zero-width character, writing nothing', async () => {
        const before = [await count('tickets'), await count('ticket_events'), await count('outbox')];
        // Zero-width spaces, a Hangul filler, a BOM: pasted or typed, they read as empty fields.
        const fields = { name: '\u200b', email: 'carla\u200b@example.com', title: '\u3164 \u200b', description: '\ufeff\n\u200b', priority: 'low' };
        const response = await new Client(t.app).submit('/tickets/create/', fields);
        expect(response.statusCode).toBe(400);
        expect(response.body).toContain('Your name: required.');
        expect(response.body).toContain('Subject: required.');
        expect(response.body).toContain('Description: required.');
        expect(response.body).toContain('Your email: enter a valid email address');
        expect([await count('tickets'), await count('ticket_events'), await count('outbox')]).toEqual(before);
      });

      it('refuses an address whose domain has an empty part (a doubled or stray dot), writing nothing', async () => {
        for (const email of ['carla@gmail..com', 'carla@.gmail.com', 'carla@gmail.com.', 'carla@gmail.c.']) {
          const before = [await count('tickets'), await count('ticket_events'), await count('outbox')];
          const response = await new Client(t.app).submit('/tickets/create/', { ...VALID, email });
          expect([email, response.statusCode]).toEqual([email, 400]);
          expect(response.body).toContain('Your email: enter a valid email address');
          expect([await count('tickets'), await count('ticket_events'), await count('outbox')]).toEqual(before);
        }
      });

      it('stores a name, subject and address without the invisible characters around them', async () => {
        const token = await submitViaForm(new Client(t.app), { name: '\u200bCarla\u00ad', title: 'Broken\u200b', email: '\ufeffcarla@example.com\u200b' });
        const ticket = (await findTicketByToken(db(), token))!;
        expect([ticket.customer_name, ticket.title, ticket.customer_email]).toEqual(['Carla', 'Broken', 'carla@example.com']);
      });

      it('accepts a priority in any letter case and stores it lower-case', async () => {
        const token = await submitViaForm(new Client(t.app), { priority: 'HiGh' });
        expect((await findTicketByToken(db(), token))!.priority).toBe('high');
      });

      it('refuses a POST without a valid CSRF token with 403 and writes nothing', async () => {
        const before = await count('tickets');
        const client = new Client(t.app);
        await client.get('/tickets/create/');
        expect((await client.post('/tickets/create/', VALID)).statusCode).toBe(403);
        expect((await client.post('/tickets/create/', { ...VALID, _csrf: 'forged' })).statusCode).toBe(403);
        expect(await count('tickets')).toBe(before);
      });

      it('shows the confirmation with reference, priority and due time, and the status page with its timeline', async () => {
        const token = await submitViaForm(new Client(t.app), { priority: 'high', title: '<script>alert(1)</script>' });
        const ticket = (await findTicketByToken(db(), token))!;
        const success = await new Client(t.app).get(`/tickets/createsuccess/?t=${token}`);
        expect(success.body).toContain(`HD-${ticket.id}`);
        expect(success.body).toContain('High');
        expect(success.body).toContain(new Date(ticket.sla_due_at).toISOString().slice(11, 16));
        const status = await new Client(t.app).get(`/tickets/status/${token}/`);
        expect(status.statusCode).toBe(200);
        expect(status.body).toContain('Waiting for an agent');
        expect(status.body).toContain('You wrote to us');
        expect(status.body).not.toContain('<script>alert(1)</script>');
        expect(status.body).toContain('&lt;script>alert(1)&lt;/script>');
      });

      it('tells on the confirmation that a request closed meanwhile is closed, not looked at or queued (as its status page does)', async () => {
        await db().updateTable('users').set({ presence: 'available' }).where('id', '=', alice).execute();
        const taken = (await findTicketByToken(db(), await submitViaForm(new Client(t.app))))!;
        expect(taken.agent_id).toBe(alice);
        await db().updateTable('users').set({ presence: 'offline' }).execute();
        const queued = (await findTicketByToken(db(), await submitViaForm(new Client(t.app))))!;
        expect(queued.agent_id).toBeNull();
        for (const ticket of [taken, queued]) {
          await closeTicket(t.ctx, { id: root, role: 'admin' }, ticket.id);
          const page = await new Client(t.app).get(`/tickets/createsuccess/?t=${ticket.token}`);
          expect(page.statusCode).toBe(200);
          expect(page.body).toContain('This request is closed.');
          for (const stale of ['looking at it now', 'in the queue', 'Waiting for the next free agent']) expect(page.body).not.toContain(stale);
          expect((await new Client(t.app).get(`/tickets/status/${ticket.token}/`)).body).toContain('Closed');
        }
      });

      it('lets no cache keep the pages behind the secret status link (the confirmation holds the link and the address)', async () => {
        const token = await submitViaForm(new Client(t.app));
        for (const url of [`/tickets/createsuccess/?t=${token}`, `/tickets/status/${token}/`]) {
          const page = await new Client(t.app).get(url);
          expect(page.statusCode).toBe(200);
          expect(page.headers['cache-control'], url).toBe('no-store');
        }
      });

      it('does not claim a confirmation went to a mailbox nobody reads (automatic emails are never sent there)', async () => {
        const sent = await new Client(t.app).get(`/tickets/createsuccess/?t=${await submitViaForm(new Client(t.app))}`);
        expect(sent.body).toContain('We sent a confirmation to carla@example.com.');
        const token = await submitViaForm(new Client(t.app), { email: 'No-Reply@shop.example' });
        const success = await new Client(t.app).get(`/tickets/createsuccess/?t=${token}`);
        expect(success.body).not.toContain('We sent a confirmation to');
        expect(success.body).toContain('We send no confirmation and no automatic updates to No-Reply@shop.example: it looks like a mailbox nobody reads. Keep the link below to follow your request.');
        // Nor an email when someone takes it: the assigned email is automatic too.
        expect(success.body).not.toContain('we email you');
        expect(success.body).toContain('Your request is in the queue, and the link below shows when someone takes it.');
      });

      it('answers an unknown token with a 404 page, not a 500', async () => {
        const status = await new Client(t.app).get('/tickets/status/no-such-token/');
        expect(status.statusCode).toBe(404);
        expect(status.headers['content-type']).toContain('text/html');
        expect((await new Client(t.app).get('/tickets/createsuccess/?t=nope')).statusCode).toBe(404);
      });

      it('redirects the form of a URL without its trailing slash (301)', async () => {
        const response = await new Client(t.app).get('/tickets/create?x=1');
        expect(response.statusCode).toBe(301);
        expect(response.headers.location).toBe('/tickets/create/?x=1');
      });
    });

    describe('staff sessions', () => {
      it('sends anonymous visitors of staff pages to the login page with next', async () => {
        const response = await new Client(t.app).get('/agents/dashboard/');
        expect(response.statusCode).toBe(303);
        expect(response.headers.location).toBe('/agents/login/?next=%2Fagents%2Fdashboard%2F');
        expect((await new Client(t.app).get('/adminapp/dashboard/')).headers.location).toContain('/agents/login/?next=');
      });

      it('gives a logged-in agent 403 on admin pages and lands an admin on the admin dashboard', async () => {
        const agent = new Client(t.app);
        await agent.login('alice');
        expect((await agent.get('/adminapp/dashboard/')).statusCode).toBe(403);
        const admin = new Client(t.app);
        const login = await admin.login('root');
        expect(login.headers.location).toBe('/adminapp/dashboard/');
        expect((await admin.get('/adminapp/dashboard/')).statusCode).toBe(200);
      });

      it('answers an unknown user and a wrong password alike, without a session', async () => {
        const unknown = await new Client(t.app).login('nobody', 'password123');
        const wrong = await new Client(t.app).login('alice', 'wrong-password');
        expect(unknown.statusCode).toBe(401);
        expect(wrong.statusCode).toBe(401);
        expect(unknown.body).toContain('Wrong username or password.');
        expect(wrong.body).toContain('Wrong username or password.');
        expect(wrong.cookies.find((c) => c.name === 'hd_session')).toBeUndefined();
      });

      it('sets an httpOnly SameSite=Lax session cookie, rotated at every login', async () => {
        const client = new Client(t.app);
        const first = await client.login('alice');
        const cookie = first.cookies.find((c) => c.name === 'hd_session')!;
        expect(cookie.httpOnly).toBe(true);
        expect(cookie.sameSite).toBe('Lax');
        const oldToken = cookie.value;
        // Logging in again from the same browser (the login page itself redirects a logged-in user).
        const form = await client.get('/tickets/create/');
        expect((await client.post('/agents/login/', { username: 'alice', password: 'password123', _csrf: csrfFrom(form.body) })).statusCode).toBe(303);
        expect(client.cookie('hd_session')).not.toBe(oldToken);
        const stale = await t.app.inject({ method: 'GET', url: '/agents/dashboard/', cookies: { hd_session: oldToken } });
        expect(stale.statusCode).toBe(303);
      });

      it('makes an agent available at login and offline at logout', async () => {
        const client = new Client(t.app);
        await client.login('alice');
        expect((await findUserById(db(), alice))!.presence).toBe('available');
        const dashboard = await client.get('/agents/dashboard/');
        const logout = await client.post('/agents/logout/', { _csrf: csrfFrom(dashboard.body) });
        expect(logout.statusCode).toBe(303);
        expect((await findUserById(db(), alice))!.presence).toBe('offline');
        expect((await client.get('/agents/dashboard/')).statusCode).toBe(303);
      });

      it('ends an idle session and sets the agent offline, both on the next request and by the expiry job', async () => {
        const onRequest = new Client(t.app);
        await onRequest.login('alice');
        const byJob = new Client(t.app);
        await byJob.login('bob');
        clock.advance(481 * 60_000);
        expect((await onRequest.get('/agents/dashboard/')).statusCode).toBe(303);
        expect((await findUserById(db(), alice))!.presence).toBe('offline');
        expect((await expireIdleSessions(t.ctx, 480)).sessionsEnded).toBeGreaterThanOrEqual(1);
        expect((await findUserById(db(), bob))!.presence).toBe('offline');
        expect((await byJob.get('/agents/dashboard/')).statusCode).toBe(303);
      });
    });

    describe('the agent dashboard', () => {
      it('toggles away (no new tickets) and available (pulls the waiting ones)', async () => {
        await db().updateTable('tickets').set({ status: 'closed', closed_at: clock.now() }).where('status', '=', 'open').execute();
        const client = new Client(t.app);
        await client.login('alice');
        const away = await client.submit('/agents/dashboard/', { status: 'away' }, '/agents/availability/');
        expect(away.statusCode).toBe(303);
        expect((await findUserById(db(), alice))!.presence).toBe('away');
        const token = await submitViaForm(new Client(t.app));
        expect((await findTicketByToken(db(), token))!.agent_id).toBeNull();
        await client.submit('/agents/dashboard/', { status: 'available' }, '/agents/availability/');
        expect((await findTicketByToken(db(), token))!.agent_id).toBe(alice);
        const bad = await client.submit('/agents/dashboard/', { status: 'asleep' }, '/agents/availability/');
        expect(bad.statusCode).toBe(400);
      });

      it("refuses to close another agent's ticket (403, unchanged), and closing twice is a no-op", async () => {
        await db().updateTable('tickets').set({ status: 'closed', closed_at: clock.now() }).where('status', '=', 'open').execute();
        const a = new Client(t.app);
        await a.login('alice');
        const token = await submitViaForm(new Client(t.app));
        const ticket = (await findTicketByToken(db(), token))!;
        expect(ticket.agent_id).toBe(alice);
        const b = new Client(t.app);
        await b.login('bob');
        const refused = await b.submit('/agents/dashboard/', {}, `/agents/tickets/${ticket.id}/close/`);
        expect(refused.statusCode).toBe(403);
        expect((await findTicketByToken(db(), token))!.status).toBe('open');
        const events = await count('ticket_events');
        expect((await a.submit('/agents/dashboard/', {}, `/agents/tickets/${ticket.id}/close/`)).statusCode).toBe(303);
        expect((await a.submit('/agents/dashboard/', {}, `/agents/tickets/${ticket.id}/close/`)).statusCode).toBe(303);
        expect((await a.get('/agents/dashboard/')).body).toContain('was already closed');
        expect(await count('ticket_events')).toBe(events + 1);
        expect((await a.submit('/agents/dashboard/', {}, '/agents/tickets/999999/close/')).statusCode).toBe(404);
        expect((await a.submit('/agents/dashboard/', {}, '/agents/tickets/abc/close/')).statusCode).toBe(404);
      });

      it("keeps an action's message for the page the browser shows next, not for a background refresh", async () => {
        const client = new Client(t.app);
        await client.login('alice');
        await client.submit('/agents/dashboard/', { status: 'away' }, '/agents/availability/');
        const refresh = await t.app.inject({ method: 'GET', url: '/agents/dashboard/', headers: { 'x-helpdesk-refresh': '1' }, cookies: { hd_session: client.cookie('hd_session')!, hd_flash: client.cookie('hd_flash')! } });
        expect(refresh.body).not.toContain('You are away');
        expect((await client.get('/agents/dashboard/')).body).toContain('You are away');
      });

      it('lists my open tickets most urgent SLA first', async () => {
        await db().updateTable('tickets').set({ status: 'closed', closed_at: clock.now() }).where('status', '=', 'open').execute();
        const client = new Client(t.app);
        await client.login('alice');
        await submitViaForm(new Client(t.app), { title: 'Slow one', priority: 'low' });
        await submitViaForm(new Client(t.app), { title: 'Urgent one', priority: 'high' });
        const body = (await client.get('/agents/dashboard/')).body;
        expect(body.indexOf('Urgent one')).toBeGreaterThan(0);
        expect(body.indexOf('Urgent one')).toBeLessThan(body.indexOf('Slow one'));
      });
    });

    describe('R5 with release_on_logout', () => {
      it("routes a leaving agent's tickets to an agent with room, or back to the queue", async () => {
        await db().updateTable('tickets').set({ status: 'closed', closed_at: clock.now() }).where('status', '=', 'open').execute();
        await saveSettings(db(), { ...(await loadSettings(db())), releaseOnLogout: true });
        const a = new Client(t.app);
        await a.login('alice');
        const tokens = [await submitViaForm(new Client(t.app), { title: 'R5 one' }), await submitViaForm(new Client(t.app), { title: 'R5 two' })];
        const b = new Client(t.app);
        await b.login('bob');
        // Bob balanced one of Alice's two; Alice now holds one.
        const held = await db().selectFrom('tickets').select(['id', 'agent_id']).where('status', '=', 'open').orderBy('id').execute();
        expect(held.map((h) => h.agent_id)).toEqual([alice, bob]);
        // Alice goes away: her ticket moves to Bob, who has room (one `reassigned` event).
        await a.submit('/agents/dashboard/', { status: 'away' }, '/agents/availability/');
        expect((await findTicketByToken(db(), tokens[0]!))!.agent_id).toBe(bob);
        // Bob logs out with nobody else available: both go back to the queue.
        const dashboard = await b.get('/agents/dashboard/');
        await b.post('/agents/logout/', { _csrf: csrfFrom(dashboard.body) });
        for (const token of tokens) expect((await findTicketByToken(db(), token))!.agent_id).toBeNull();
        const types = await db().selectFrom('ticket_events').select('type').where('ticket_id', '=', held[0]!.id).orderBy('id').execute();
        expect(types.map((e) => e.type)).toEqual(['created', 'reassigned', 'requeued']);
      });
    });

    describe('queue order deadline', () => {
      it('gives a returning agent the earliest deadline first, not the oldest ticket', async () => {
        await db().updateTable('tickets').set({ status: 'closed', closed_at: clock.now() }).where('status', '=', 'open').execute();
        await saveSettings(db(), { ...DEFAULT_SETTINGS, queueOrder: 'deadline' });
        await db().updateTable('users').set({ capacity: 1 }).where('id', '=', alice).execute();
        const low = await submitViaForm(new Client(t.app), { priority: 'low' });
        clock.advance(1000);
        const high = await submitViaForm(new Client(t.app), { priority: 'high' });
        await new Client(t.app).login('alice');
        expect((await findTicketByToken(db(), high))!.agent_id).toBe(alice);
        expect((await findTicketByToken(db(), low))!.agent_id).toBeNull();
        await db().updateTable('users').set({ capacity: 2 }).where('id', '=', alice).execute();
      });
    });

    describe('operations', () => {
      it('reports health and Prometheus metrics', async () => {
        const health = await t.app.inject({ method: 'GET', url: '/healthz' });
        expect(health.statusCode).toBe(200);
        expect(health.json()).toEqual({ status: 'ok', database: 'ok' });
        const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
        expect(metrics.body).toContain('helpdesk_tickets{state="pending"}');
        expect(metrics.body).toContain('helpdesk_ticket_changes_total');
      });
    });
  });
}
