/**
 * Abuse (issue 6 point 4): rate limits on login (per address and per username) and on ticket
 * creation (form and API share a count), CSRF on every form, security headers with a CSP that allows
 * no inline script, the body size limit, session cookie flags, and no user enumeration at login.
 */
import { createSkill, saveTeam, saveTopic } from '../../src/services/teams.js';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { AppConfig } from '../../src/http/app.js';
import { parseCalendar } from '../../src/core/calendar.js';
import { saveCalendar } from '../../src/services/calendars.js';
import { createEndpoint } from '../../src/services/webhookEndpoints.js';
import { hashPassword, verifyPassword } from '../../src/services/passwords.js';
import { saveCannedReply } from '../../src/services/cannedReplies.js';
import { createApiToken } from '../../src/services/tokens.js';
import { csatToken } from '../../src/services/csat.js';
import { closeTicket } from '../../src/services/tickets.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { ApiClient } from '../api/support.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { berlinOffice } from '../support/calendars.js';
import { DIALECTS } from '../support/db.js';
import { startServer } from '../support/process.js';
import { counts, routeCollector, sameSnapshot, snapshot } from '../support/snapshot.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atRealPasswordCost } from '../support/passwordCost.js';
import { sameTime, timed } from '../support/timing.js';
import { settledAsDelivered } from '../support/webhookEvents.js';

// Timing tests here compare answers with one password hash: at the real cost (vitest.config.ts lowers it).
atRealPasswordCost();

const TICKET = { name: 'Carla', email: 'carla@example.com', title: 'Broken', description: 'It broke.', priority: 'low' };
const minute = 60_000;

describe('rate limits', () => {
  let t: TestApp;
  let aliceId: number;
  const db = () => t.ctx.handle.db;
  beforeAll(async () => {
    t = await startTestApp('sqlite', {
      config: {
        rateLimit: true,
        rateLimits: { loginPerAddress: { max: 3, windowMs: minute }, loginPerUsername: { max: 4, windowMs: minute }, ticketsPerAddress: { max: 3, windowMs: minute } },
      },
    });
    aliceId = await addStaff(t.ctx, 'alice');
    await addStaff(t.ctx, 'bob');
  });
  afterAll(() => t.close());

  const sessions = async () => Number((await db().selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  it('login: after the limit from one address, even the right password gets a 429 login page, checked nothing and started no session', async () => {
    const client = new Client(t.app, { remoteAddress: '10.0.0.1' });
    for (const username of ['x1', 'x2', 'x3']) expect((await client.login(username, 'wrong-password')).statusCode).toBe(401);
    const before = await sessions();
    const limited = await client.login('alice');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toMatch(/^text\/html/);
    expect(limited.body).toContain('Too many login attempts in a short time. Please wait');
    expect(limited.body).toContain('<form method="post" action="/agents/login/"');
    expect(limited.body).toContain('value="alice"');
    expect(await sessions()).toBe(before);
    expect((await db().selectFrom('users').select('presence').where('id', '=', aliceId).executeTakeFirstOrThrow()).presence).toBe('offline');
    // Another address is not affected.
    expect((await new Client(t.app, { remoteAddress: '10.0.0.2' }).login('bob')).statusCode).toBe(303);
  });

  it('login: guesses at one username from many addresses are limited per username, in any letter case', async () => {
    for (let i = 0; i < 4; i++) {
      expect((await new Client(t.app, { remoteAddress: `10.1.0.${i}` }).login(i % 2 ? 'Alice' : 'alice ', 'wrong-password')).statusCode).toBe(401);
    }
    const limited = await new Client(t.app, { remoteAddress: '10.1.0.99' }).login(' ALICE', 'password123');
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toContain('Too many login attempts');
    // The other accounts still log in from a fresh address.
    expect((await new Client(t.app, { remoteAddress: '10.1.0.100' }).login('bob')).statusCode).toBe(303);
  });

  it('login: sign-ins that succeed count nothing, per address or per username (a team behind one address all signs in at nine)', async () => {
    await addStaff(t.ctx, 'cyd');
    await addStaff(t.ctx, 'dee');
    const office = '10.3.0.1';
    for (let i = 0; i < 6; i++) expect((await new Client(t.app, { remoteAddress: office }).login(i % 2 ? 'cyd' : 'dee')).statusCode).toBe(303);
    // Failures still count from there: the address's limit (3) is used up by three of them.
    for (const username of ['cyd', 'dee', 'x9']) expect((await new Client(t.app, { remoteAddress: office }).login(username, 'wrong-password')).statusCode).toBe(401);
    expect((await new Client(t.app, { remoteAddress: office }).login('cyd')).statusCode).toBe(429);
  });

  it('ticket creation: the form and the API share one count per address; 429 as the form again and as §8 JSON; nothing more written', async () => {
    const before = await counts(db());
    const form = new Client(t.app, { remoteAddress: '10.2.0.1' });
    const api = async () => t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET, remoteAddress: '10.2.0.1' });
    expect((await form.submit('/tickets/create/', TICKET)).statusCode).toBe(303);
    expect((await api()).statusCode).toBe(201);
    expect((await form.submit('/tickets/create/', TICKET)).statusCode).toBe(303);
    const limitedApi = await api();
    expect(limitedApi.statusCode).toBe(429);
    expect(Number(limitedApi.headers['retry-after'])).toBeGreaterThan(0);
    expect(limitedApi.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/^Too many new requests in a short time\. Please wait \d+ seconds, then try again\.$/) } });
    const limitedForm = await form.submit('/tickets/create/', TICKET);
    expect(limitedForm.statusCode).toBe(429);
    expect(limitedForm.headers['content-type']).toMatch(/^text\/html/);
    // The form itself, filled in (test/security/limited-forms.test.ts), not an error page.
    expect(limitedForm.body).toContain('action="/tickets/create/"');
    expect(limitedForm.body).toContain('Too many new requests in a short time. Please wait');
    const after = await counts(db());
    expect(after.tickets - before.tickets).toBe(3);
    expect(after.createdEmails - before.createdEmails).toBe(3);
    // Another address may still write in.
    expect((await new Client(t.app, { remoteAddress: '10.2.0.2' }).submit('/tickets/create/', TICKET)).statusCode).toBe(303);
  });

  it('RATE_LIMIT=off lifts every limit (load tests)', async () => {
    const open = await startTestApp('sqlite', { config: { rateLimit: false } });
    try {
      await addStaff(open.ctx, 'alice');
      const client = new Client(open.app);
      for (let i = 0; i < 12; i++) expect((await client.login('alice', 'wrong-password')).statusCode).toBe(401);
      expect((await client.login('alice')).statusCode).toBe(303);
      for (let i = 0; i < 40; i++) expect((await open.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET })).statusCode).toBe(201);
    } finally {
      await open.close();
    }
  });

  it('the limits are read from the environment, and a bad one stops start-up naming its key', () => {
    const config = loadConfig({ SECRET_KEY: 'k'.repeat(32), RATE_LIMIT_LOGIN: '5/30s', RATE_LIMIT_LOGIN_USERNAME: '20/1h', RATE_LIMIT_TICKETS: '100/1m' });
    expect(config.rateLimits).toEqual({ loginPerAddress: { max: 5, windowMs: 30_000 }, loginPerUsername: { max: 20, windowMs: 3_600_000 }, ticketsPerAddress: { max: 100, windowMs: minute } });
    expect(loadConfig({ SECRET_KEY: 'k'.repeat(32) }).rateLimits).toEqual({
      loginPerAddress: { max: 10, windowMs: minute },
      loginPerUsername: { max: 10, windowMs: 15 * minute },
      ticketsPerAddress: { max: 30, windowMs: minute },
    });
    for (const bad of ['ten/1m', '0/1m', '10', '10/forever', '10/0s']) {
      expect(() => loadConfig({ SECRET_KEY: 'k'.repeat(32), RATE_LIMIT_TICKETS: bad }), bad).toThrow(/^Configuration error: RATE_LIMIT_TICKETS must be a count and a duration/);
    }
  });

  it('a real server process applies RATE_LIMIT_TICKETS and RATE_LIMIT_LOGIN from its environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helpdesk-limits-'));
    const server = await startServer({ DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, ADMIN_PASSWORD: 'admin-password', RATE_LIMIT: 'on', RATE_LIMIT_TICKETS: '2/1m', RATE_LIMIT_LOGIN: '2/1m' });
    try {
      const post = () => fetch(`${server.url}/api/v1/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TICKET) });
      expect([(await post()).status, (await post()).status, (await post()).status]).toEqual([201, 201, 429]);
      const page = await fetch(`${server.url}/agents/login/`);
      const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const csrf = csrfFrom(await page.text());
      const login = () =>
        fetch(`${server.url}/agents/login/`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams({ username: 'admin', password: 'nope-nope', _csrf: csrf }) });
      expect([(await login()).status, (await login()).status, (await login()).status]).toEqual([401, 401, 429]);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The forms that come back filled in when their CSRF token is refused (route config `expiredForm`), with what they say. */
const COME_BACK = new Map([
  ['POST /tickets/create/', 'This form had expired, so nothing was sent.'],
  ['POST /tickets/status/:token/reply/', 'This form had expired, so nothing was sent.'],
  ['POST /agents/login/', 'This page had expired, so you were not signed in.'],
]);

for (const dialect of DIALECTS) {
  describe(`forms, headers, sizes, cookies and login answers (${dialect})`, () => {
    let t: TestApp;
    const collector = routeCollector();
    const db = () => t.ctx.handle.db;

    beforeAll(async () => {
      t = await startTestApp(dialect, { onRoute: collector.collect });
      await addStaff(t.ctx, 'alice', { capacity: 20 });
      await addStaff(t.ctx, 'root', { role: 'admin' });
    });
    afterAll(() => t.close());

    it('every POST form refuses a missing, forged, foreign or cookie-less CSRF token with 403 and writes nothing (the customer forms come back filled in)', async () => {
      const admin = new Client(t.app);
      const alice = new Client(t.app);
      const anonymous = new Client(t.app);
      await admin.login('root');
      await alice.login('alice');
      await anonymous.get('/tickets/create/');
      const ticket = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET });
      const ticketId = Number(String(ticket.json().reference).slice(3));
      const email = await db().selectFrom('outbox').select('id').where('ticket_id', '=', ticketId).executeTakeFirstOrThrow();
      const target = await addStaff(t.ctx, 'target');
      const targetToken = (await createApiToken(t.ctx, target, 'old script')).id;
      const canned = await saveCannedReply(t.ctx, null, { name: 'Greeting', body: 'Hello {{customer_name}}' }, null);
      const calendar = (await saveCalendar(t.ctx, null, parseCalendar(berlinOffice()), null)).id;
      // A closed ticket for the rating form (§13).
      const done = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: { ...TICKET, title: 'Done' } });
      const doneId = Number(String(done.json().reference).slice(3));
      const rootId = (await db().selectFrom('users').select('id').where('username', '=', 'root').executeTakeFirstOrThrow()).id;
      await closeTicket(t.ctx, { id: rootId, role: 'admin' }, doneId);
      const ratingToken = csatToken((await findTicketById(db(), doneId))!);
      const calendarForm = { name: 'Lisbon office', time_zone: 'Europe/Lisbon', hours_mon: '09:00-17:00' };
      const webhook = (await createEndpoint(t.ctx, null, { url: 'https://hooks.example.com/in', events: '*' }, false)).id;
      await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: { ...TICKET, title: 'For the webhook' } });
      const delivery = (await settledAsDelivered(t.ctx.handle, webhook, t.ctx.clock.now()))[0]!;
      const webhookForm = { url: 'https://hooks.example.com/other', events: 'ticket.closed', active: 'on' };
      // A team with a topic, and a skill (§12), for their pages' forms.
      const team = await saveTeam(t.ctx, rootId, { name: 'Billing', overflowTeam: null, overflowAfterMinutes: null });
      const topic = await saveTopic(t.ctx, rootId, { name: 'Invoices', team: 'Billing', skills: [], addresses: [], hidden: false, defaultPriority: null });
      const skill = await createSkill(t.ctx, rootId, { name: 'German' });
      // A working reset link of the target's (§15): only its hash is stored, as the service does.
      const resetToken = 'R'.repeat(43);
      const now = Date.now();
      await db().insertInto('password_resets').values({ user_id: target, token_hash: createHash('sha256').update(resetToken).digest('hex'), created_at: now, expires_at: now + 30 * 60_000, used_at: null }).execute();
      // The client that would be let in, and a body that would be accepted, for every form.
      const forms: Record<string, { as: Client; url: string; body: Record<string, string> }> = {
        'POST /tickets/create/': { as: anonymous, url: '/tickets/create/', body: TICKET },
        'POST /tickets/status/:token/reply/': { as: anonymous, url: `/tickets/status/${String(ticket.json().token)}/reply/`, body: { body: 'Any news?' } },
        'POST /tickets/rate/:token/': { as: anonymous, url: `/tickets/rate/${ratingToken}/`, body: { score: 'good', comment: 'Fine' } },
        'POST /agents/login/': { as: anonymous, url: '/agents/login/', body: { username: 'alice', password: 'password123' } },
        'POST /agents/logout/': { as: alice, url: '/agents/logout/', body: {} },
        'POST /agents/tickets/:id/close/': { as: alice, url: `/agents/tickets/${ticketId}/close/`, body: {} },
        'POST /agents/tickets/:id/close/undo/': { as: alice, url: `/agents/tickets/${ticketId}/close/undo/`, body: {} },
        'POST /agents/tickets/:id/messages/': { as: alice, url: `/agents/tickets/${ticketId}/messages/`, body: { kind: 'note', body: 'A note' } },
        'POST /agents/tickets/:id/copied/remove/': { as: alice, url: `/agents/tickets/${ticketId}/copied/remove/`, body: { address: 'nobody@customer.example' } },
        'POST /adminapp/replies/': { as: admin, url: '/adminapp/replies/', body: { name: 'Farewell', body: 'Bye' } },
        'POST /adminapp/replies/:id/': { as: admin, url: `/adminapp/replies/${canned}/`, body: { name: 'Greeting 2', body: 'Hi' } },
        'POST /adminapp/replies/:id/delete/': { as: admin, url: `/adminapp/replies/${canned}/delete/`, body: {} },
        'POST /adminapp/calendars/new/': { as: admin, url: '/adminapp/calendars/new/', body: calendarForm },
        'POST /adminapp/calendars/:id/': { as: admin, url: `/adminapp/calendars/${calendar}/`, body: calendarForm },
        'POST /adminapp/calendars/:id/delete/': { as: admin, url: `/adminapp/calendars/${calendar}/delete/`, body: {} },
        'POST /adminapp/webhooks/new/': { as: admin, url: '/adminapp/webhooks/new/', body: webhookForm },
        'POST /adminapp/webhooks/:id/': { as: admin, url: `/adminapp/webhooks/${webhook}/`, body: webhookForm },
        'POST /adminapp/webhooks/:id/delete/': { as: admin, url: `/adminapp/webhooks/${webhook}/delete/`, body: {} },
        'POST /adminapp/webhooks/:id/deliveries/:delivery/retry/': { as: admin, url: `/adminapp/webhooks/${webhook}/deliveries/${delivery}/retry/`, body: {} },
        'POST /agents/availability/': { as: alice, url: '/agents/availability/', body: { status: 'away' } },
        'POST /agents/password/reset/': { as: anonymous, url: '/agents/password/reset/', body: { email: 'target@team.test' } },
        'POST /agents/password/reset/:token/': { as: anonymous, url: `/agents/password/reset/${resetToken}/`, body: { password: 'forged password', password_confirm: 'forged password' } },
        'POST /agents/login/two-factor/': { as: anonymous, url: '/agents/login/two-factor/', body: { code: '123456' } },
        'POST /agents/account/two-factor/': { as: alice, url: '/agents/account/two-factor/', body: { code: '123456', enrolment: 'x' } },
        'POST /agents/account/two-factor/codes/': { as: alice, url: '/agents/account/two-factor/codes/', body: { current_password: 'password123' } },
        'POST /agents/account/two-factor/off/': { as: alice, url: '/agents/account/two-factor/off/', body: { current_password: 'password123' } },
        'POST /adminapp/settings/two-factor/': { as: admin, url: '/adminapp/settings/two-factor/', body: { required: 'on' } },
        'POST /admin/users/:id/two-factor/reset/': { as: admin, url: `/admin/users/${target}/two-factor/reset/`, body: {} },
        'POST /agents/login/sso/': { as: anonymous, url: '/agents/login/sso/', body: {} },
        'POST /agents/account/': { as: alice, url: '/agents/account/', body: { display_name: 'Forged', email: 'forged@team.test', current_password: 'password123' } },
        'POST /adminapp/register/': { as: admin, url: '/adminapp/register/', body: { username: 'newbie', display_name: 'New', email: 'n@team.test', password: 'password123', role: 'agent' } },
        'POST /adminapp/settings/': { as: admin, url: '/adminapp/settings/', body: { sla_high: '2m', sla_medium: '4m', sla_low: '1h', default_capacity: '3', queue_order: 'deadline' } },
        'POST /admin/tickets/:id/reassign/': { as: admin, url: `/admin/tickets/${ticketId}/reassign/`, body: { agent: 'target' } },
        'POST /admin/tickets/:id/requeue/': { as: admin, url: `/admin/tickets/${ticketId}/requeue/`, body: {} },
        'POST /admin/tickets/:id/close/': { as: admin, url: `/admin/tickets/${ticketId}/close/`, body: {} },
        'POST /admin/users/:id/capacity/': { as: admin, url: `/admin/users/${target}/capacity/`, body: { capacity: '7' } },
        'POST /admin/users/:id/profile/': { as: admin, url: `/admin/users/${target}/profile/`, body: { display_name: 'Forged', email: 'forged@team.test', password: 'forged password' } },
        'POST /admin/users/:id/deactivate/': { as: admin, url: `/admin/users/${target}/deactivate/`, body: {} },
        'POST /admin/users/:id/reactivate/': { as: admin, url: `/admin/users/${target}/reactivate/`, body: {} },
        'POST /admin/users/:id/tokens/': { as: admin, url: `/admin/users/${target}/tokens/`, body: { name: 'script' } },
        'POST /admin/users/:id/tokens/:tokenId/revoke/': { as: admin, url: `/admin/users/${target}/tokens/${targetToken}/revoke/`, body: {} },
        'POST /admin/emails/:id/retry/': { as: admin, url: `/admin/emails/${email.id}/retry/`, body: {} },
        'POST /adminapp/webhooks/:id/secret/': { as: admin, url: `/adminapp/webhooks/${webhook}/secret/`, body: {} },
        'POST /adminapp/teams/new/': { as: admin, url: '/adminapp/teams/new/', body: { name: 'Forged team' } },
        'POST /adminapp/teams/:id/': { as: admin, url: `/adminapp/teams/${team}/`, body: { name: 'Forged name' } },
        'POST /adminapp/teams/:id/delete/': { as: admin, url: `/adminapp/teams/${team}/delete/`, body: {} },
        'POST /adminapp/teams/skills/': { as: admin, url: '/adminapp/teams/skills/', body: { name: 'Forged skill' } },
        'POST /adminapp/teams/skills/:id/': { as: admin, url: `/adminapp/teams/skills/${skill}/`, body: { name: 'Forged name' } },
        'POST /adminapp/teams/skills/:id/delete/': { as: admin, url: `/adminapp/teams/skills/${skill}/delete/`, body: {} },
        'POST /adminapp/topics/new/': { as: admin, url: '/adminapp/topics/new/', body: { name: 'Forged topic', team: 'Support' } },
        'POST /adminapp/topics/:id/': { as: admin, url: `/adminapp/topics/${topic}/`, body: { name: 'Forged topic', team: 'Support' } },
        'POST /adminapp/topics/:id/delete/': { as: admin, url: `/adminapp/topics/${topic}/delete/`, body: {} },
        'POST /admin/users/:id/teams/': { as: admin, url: `/admin/users/${target}/teams/`, body: { teams: 'Billing' } },
      };
      const posts = collector.routes().filter((r) => r.method !== 'GET' && !r.url.startsWith('/api/'));
      expect(posts.map((r) => `${r.method} ${r.url}`).sort()).toEqual(Object.keys(forms).sort());

      const stranger = new Client(t.app);
      const foreignToken = csrfFrom((await stranger.get('/tickets/create/')).body);
      for (const [route, { as, url, body }] of Object.entries(forms)) {
        const valid = csrfFrom((await as.get('/tickets/create/')).body);
        const attempts: [string, () => Promise<{ statusCode: number; body: string }>][] = [
          ['no token', () => as.post(url, body)],
          ['forged token', () => as.post(url, { ...body, _csrf: 'forged' })],
          ['empty token', () => as.post(url, { ...body, _csrf: '' })],
          ['two tokens', () => as.post(url, { ...body, _csrf: [valid, valid] })],
          ["another browser's token", () => as.post(url, { ...body, _csrf: foreignToken })],
          // The token without the cookie it belongs to (what a cross-site form could at best carry).
          [
            'token without its cookie',
            () =>
              t.app.inject({
                method: 'POST',
                url,
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                payload: new URLSearchParams({ ...body, _csrf: valid }).toString(),
                cookies: as.cookie('hd_session') ? { hd_session: as.cookie('hd_session')! } : {},
              }),
          ],
        ];
        for (const [what, attempt] of attempts) {
          const before = await snapshot(db());
          const sessionsBefore = await db().selectFrom('sessions').select('id').orderBy('id').execute();
          const response = await attempt();
          expect(response.statusCode, `${route} with ${what}`).toBe(403);
          // The customer's forms and the sign-in come back to be sent again (an expired form: test/http/expired-forms.test.ts).
          expect(response.body, `${route} with ${what}`).toContain(COME_BACK.get(route) ?? 'This form has expired or did not come from this site');
          const after = await snapshot(db());
          if (!sameSnapshot(before, after)) expect(after, `${route} with ${what} changed the database`).toEqual(before);
          expect(await db().selectFrom('sessions').select('id').orderBy('id').execute(), `${route} with ${what}: sessions`).toEqual(sessionsBefore);
        }
      }
      // And the same forms with their token do work (so the refusals above were about the token).
      const close = await alice.submit('/tickets/create/', {}, `/agents/tickets/${ticketId}/close/`);
      expect(close.statusCode).toBe(303);
      expect((await db().selectFrom('tickets').select('status').where('id', '=', ticketId).executeTakeFirstOrThrow()).status).toBe('closed');
      expect((await admin.submit('/tickets/create/', { capacity: '7' }, `/admin/users/${target}/capacity/`)).statusCode).toBe(303);
    });

    it('every page, error and API answer carries the security headers, and the CSP allows no inline script', async () => {
      const admin = new Client(t.app);
      const agent = new Client(t.app);
      await admin.login('root');
      await agent.login('alice');
      const created = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET });
      const token = created.json().token as string;
      const anonymous = new Client(t.app);
      const pages: [Client, string][] = [
        [anonymous, '/tickets/create/'],
        [anonymous, `/tickets/createsuccess/?t=${token}`],
        [anonymous, `/tickets/status/${token}/`],
        [anonymous, '/agents/login/'],
        [anonymous, '/no-such-page/'],
        [anonymous, '/healthz'],
        [anonymous, '/api/v1/tickets'],
        [anonymous, '/api/openapi.json'],
        [agent, '/agents/dashboard/'],
        [agent, '/admin/'],
        [admin, '/adminapp/dashboard/'],
        [admin, '/adminapp/settings/'],
        [admin, '/adminapp/register/'],
        [admin, '/admin/'],
        [admin, '/admin/tickets/'],
        [admin, '/admin/users/'],
        [admin, '/admin/events/'],
        [admin, '/admin/emails/'],
        [admin, '/api/docs'],
      ];
      for (const [client, url] of pages) {
        const response = await client.get(url);
        expect(response.statusCode, url).toBeLessThan(500);
        const csp = String(response.headers['content-security-policy'] ?? '');
        const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
        expect(directives.get('default-src'), url).toEqual(["'self'"]);
        expect(directives.get('script-src'), url).toEqual(["'self'"]);
        expect(directives.get('script-src-attr'), url).toEqual(["'none'"]);
        expect(directives.get('object-src'), url).toEqual(["'none'"]);
        expect(directives.get('frame-ancestors'), url).toEqual(["'none'"]);
        expect(directives.get('base-uri'), url).toEqual(["'self'"]);
        expect(directives.get('form-action'), url).toEqual(["'self'"]);
        expect(csp, url).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|\*/);
        expect(response.headers['x-content-type-options'], url).toBe('nosniff');
        expect(response.headers['x-frame-options'], url).toBe('SAMEORIGIN');
        expect(response.headers['referrer-policy'], url).toBe('no-referrer');
        expect(response.headers['cross-origin-opener-policy'], url).toBe('same-origin');
        expect(response.headers['x-powered-by'], url).toBeUndefined();
        expect(response.headers['strict-transport-security'], `${url}: HSTS only in production`).toBeUndefined();
        if (String(response.headers['content-type']).startsWith('text/html')) {
          // Nothing the CSP would block: no inline script, no inline event handler, no javascript: URL.
          expect(response.body.match(/<script(?![^>]*\ssrc=)[^>]*>/g), `${url}: inline script`).toBeNull();
          expect(response.body.match(/<[^>]+\son[a-z]+\s*=/gi), `${url}: inline handler`).toBeNull();
          expect(response.body, url).not.toMatch(/javascript:/i);
        }
      }
    });

    it('a body over the limit is a 413, as a page and as §8 JSON, and writes nothing', async () => {
      const before = await counts(db());
      const client = new Client(t.app);
      const huge = 'x'.repeat(300 * 1024);
      const page = await client.submit('/tickets/create/', { ...TICKET, description: huge });
      expect(page.statusCode).toBe(413);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('That is more than we accept in one request.');
      const api = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: { ...TICKET, description: huge } });
      expect(api.statusCode).toBe(413);
      expect(api.json()).toEqual({ error: { code: 'payload_too_large', message: 'That is more than we accept in one request.' } });
      // Under the body limit but over the field's: a 400 naming the field.
      const long = await new ApiClient(t.app).post('/api/v1/tickets', { ...TICKET, description: 'y'.repeat(10_001) });
      expect(long.status).toBe(400);
      expect(long.body.error.fields).toHaveProperty('description');
      expect(await counts(db())).toEqual(before);
    });

    it('session cookie: HttpOnly, SameSite=Lax, whole site; new on every login; dead after logout', async () => {
      const client = new Client(t.app);
      const response = await client.login('alice');
      const cookie = (response.cookies as { name: string; httpOnly?: boolean; sameSite?: string; secure?: boolean; path?: string }[]).find((c) => c.name === 'hd_session')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(cookie.secure).toBeFalsy();
      const first = client.cookie('hd_session')!;
      // A second login in the same browser (the login page itself would send a logged-in user on).
      await client.submit('/tickets/create/', { username: 'alice', password: 'password123' }, '/agents/login/');
      const second = client.cookie('hd_session')!;
      expect(second).not.toBe(first);
      // The replaced session is gone.
      expect((await t.app.inject({ method: 'GET', url: '/agents/dashboard/', cookies: { hd_session: first } })).statusCode).toBe(303);
      expect((await client.submit('/tickets/create/', {}, '/agents/logout/')).statusCode).toBe(303);
      expect((await t.app.inject({ method: 'GET', url: '/agents/dashboard/', cookies: { hd_session: second } })).statusCode).toBe(303);
    });

    // An https PUBLIC_URL says the site is served over TLS (behind a proxy, say) though NODE_ENV was
    // forgotten: its cookies must not travel in the clear either (a visit typed as http:// sends them).
    it.each<[string, Partial<AppConfig>]>([
      ['in production', { production: true }],
      ['at an https PUBLIC_URL, NODE_ENV unset', { publicUrl: 'https://helpdesk.test' }],
    ])('%s, the session, CSRF, flash and device cookies are Secure (and HSTS is sent in production)', async (_name, config) => {
      const production = await startTestApp(dialect, { config });
      try {
        await addStaff(production.ctx, 'alice');
        const client = new Client(production.app);
        const page = await client.get('/agents/login/');
        if (config.production === true) {
          expect(page.headers['strict-transport-security']).toMatch(/max-age=\d+/);
          expect(String(page.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
        }
        const login = await client.post('/agents/login/', { username: 'alice', password: 'password123', _csrf: csrfFrom(page.body) });
        expect(login.statusCode).toBe(303);
        const all = [...(page.cookies as { name: string; secure?: boolean; httpOnly?: boolean }[]), ...(login.cookies as { name: string; secure?: boolean; httpOnly?: boolean }[])];
        // Logging out leaves a flash message for the login page.
        const logout = await client.submit('/agents/dashboard/', {}, '/agents/logout/');
        expect(logout.statusCode).toBe(303);
        all.push(...(logout.cookies as { name: string; secure?: boolean; httpOnly?: boolean }[]));
        for (const name of ['hd_session', '_csrf', 'hd_flash', 'hd_device']) {
          const cookie = all.find((c) => c.name === name);
          expect(cookie, name).toBeDefined();
          expect(cookie, name).toMatchObject({ secure: true, httpOnly: true });
        }
      } finally {
        await production.close();
      }
    });

    it('login sends back only to a page of this site, however `next` is disguised (open redirect)', async () => {
      const disguises = ['//evil.test/', '/\\evil.test/', '/\t/evil.test/', '/\n/evil.test/', '/\r\n/evil.test/', '/ /evil.test/', '\\/evil.test/', 'https://evil.test/', 'javascript:alert(1)', '/%2F/evil.test/', '/.//evil.test/', '/\u0000/evil.test/'];
      for (const next of disguises) {
        const client = new Client(t.app);
        const login = await client.submit('/agents/login/', { username: 'alice', password: 'password123', next });
        // (a \u0000 is refused before anything happens; every other one logs in and stays here)
        expect(login.statusCode, JSON.stringify(next)).toBe(next.includes('\u0000') ? 400 : 303);
        if (login.statusCode === 303) expect(new URL(String(login.headers.location), 'http://helpdesk.test/').origin, JSON.stringify(next)).toBe('http://helpdesk.test');
        const again = await client.get(`/agents/login/?next=${encodeURIComponent(next)}`);
        if (again.statusCode === 303) expect(new URL(String(again.headers.location), 'http://helpdesk.test/').origin, JSON.stringify(next)).toBe('http://helpdesk.test');
      }
      // A same-site address with its query and fragment is kept.
      const client = new Client(t.app);
      const kept = await client.submit('/agents/login/', { username: 'alice', password: 'password123', next: '/agents/dashboard/?view=1#open' });
      expect(kept.headers.location).toBe('/agents/dashboard/?view=1#open');
    });

    it('login does not tell unknown usernames from wrong passwords: same status, same page, about the same time', async () => {
      // A deactivated account answers the same way too.
      const gone = await addStaff(t.ctx, 'gone');
      await db().updateTable('users').set({ active: 0 }).where('id', '=', gone).execute();
      const client = new Client(t.app);
      const normalise = (body: string, username: string) => body.replaceAll(/name="_csrf" value="[^"]+"/g, '').replaceAll(`value="${username}"`, 'value="?"');
      const attempt = async (username: string, password: string) => {
        const started = performance.now();
        const response = await client.submit('/agents/login/', { username, password });
        return { ms: performance.now() - started, status: response.statusCode, body: normalise(response.body, username) };
      };
      const wrong = await attempt('alice', 'wrong-password');
      const unknown = await attempt('nobody-here', 'wrong-password');
      const deactivated = await attempt('gone', 'password123');
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(deactivated.status).toBe(401);
      expect(wrong.body).toContain('Wrong username or password.');
      expect(unknown.body).toBe(wrong.body);
      expect(deactivated.body).toBe(wrong.body);

      // Timing: an early return for unknown names would differ by a whole hash; less than half of
      // one is allowed (test/support/timing.ts: up to three rounds, against load).
      const stored = await hashPassword('password123');
      const { met, hash, report } = await sameTime({
        known: async (i) => (await attempt('alice', `wrong-${i}`)).ms,
        unknown: async (i) => (await attempt(`nobody-${i}`, `wrong-${i}`)).ms,
        hash: () => timed(() => verifyPassword('wrong-password', stored)),
        within: (oneHash) => oneHash / 2,
      });
      expect(hash).toBeGreaterThan(5);
      expect(met, report).toBe(true);
    });
  });
}
