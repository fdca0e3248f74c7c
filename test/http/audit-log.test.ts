/**
 * The audit log of admin actions (SPEC §15, issue 19 item 4): a broad run of admin actions and
 * sign-ins through the pages and the API, each leaving its entry (actor, address, before/after);
 * a change rolled back after its audit write leaves no entry; /admin/audit/ and GET /api/v1/audit
 * with their filters and pages; and not one password, token, secret or code anywhere in the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/services/tokens.js';
import { updateSettings } from '../../src/services/admin.js';
import { ApiClient } from '../api/support.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { berlinOffice } from '../support/calendars.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { codeAt, enrolmentOf, recoveryCodesOf } from '../support/totp.js';

const ADDRESS = '203.0.113.9';
const tokenOf = (html: string) => /<code id="new-token">([^<]+)<\/code>/.exec(html)![1]!;
const totpSecretOf = (html: string) => /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(html)![1]!;
const webhookSecretOf = (html: string) => /(whsec_[A-Za-z0-9+/=]+)/.exec(html)![1]!;

for (const dialect of DIALECTS) {
  describe(`audit log of admin actions (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock(Date.UTC(2026, 11, 5, 9, 0, 0));
    let root: Client;
    let api: ApiClient;
    let rootId: number;
    /** Every secret value the run typed or was shown: none may reach the audit log. */
    const secrets: string[] = [];
    const db = () => t.ctx.handle.db;
    const rows = () => db().selectFrom('audit_log').selectAll().orderBy('id').execute();
    const last = async (action: string) => (await rows()).filter((r) => r.action === action).at(-1);
    const json = (text: string | null) => (text === null ? null : (JSON.parse(text) as unknown));

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      rootId = await addStaff(t.ctx, 'root', { role: 'admin' });
      root = new Client(t.app, { remoteAddress: ADDRESS });
      expect((await root.login('root')).statusCode).toBe(303);
      const created = await root.submit(`/admin/users/${rootId}/`, { name: 'audit script' }, `/admin/users/${rootId}/tokens/`);
      const token = tokenOf(created.body);
      secrets.push(token);
      api = new ApiClient(t.app, token);
    });
    afterAll(() => t.close());

    it('records a broad run of admin actions and sign-ins, each with actor, address and what changed', async () => {
      // Users: register, profile with a new password, capacity, deactivate, reactivate.
      const password1 = 'first-Secret-pass-1';
      const registered = await root.submit('/adminapp/register/', { username: 'ivy', display_name: 'Ivy', email: 'ivy@team.test', password: password1, role: 'agent', capacity: '' });
      expect(registered.statusCode).toBe(303);
      const ivy = Number(/\/admin\/users\/(\d+)\//.exec(String(registered.headers.location))![1]);
      expect(await last('user.create')).toMatchObject({ actor_id: rootId, actor_name: 'root', address: ADDRESS, subject: `user:${ivy}`, before_json: null });
      expect(json((await last('user.create'))!.after_json)).toEqual({ username: 'ivy', display_name: 'Ivy', email: 'ivy@team.test', role: 'agent', capacity: null });

      const password2 = 'second-Secret-pass-2';
      expect((await root.submit(`/admin/users/${ivy}/`, { display_name: 'Ivy Ray', email: 'ivy@team.test', password: password2, password_confirm: password2 }, `/admin/users/${ivy}/profile/`)).statusCode).toBe(303);
      const profile = (await last('user.update'))!;
      expect([json(profile.before_json), json(profile.after_json)]).toEqual([{ display_name: 'Ivy', email: 'ivy@team.test' }, { display_name: 'Ivy Ray', email: 'ivy@team.test', credentials_changed: true }]);
      // The same profile saved again (no new password) changes nothing: no second entry, as for the capacity.
      expect((await root.submit(`/admin/users/${ivy}/`, { display_name: 'Ivy Ray', email: 'ivy@team.test', password: '' }, `/admin/users/${ivy}/profile/`)).statusCode).toBe(303);
      expect((await root.submit(`/admin/users/${ivy}/`, { capacity: '4' }, `/admin/users/${ivy}/capacity/`)).statusCode).toBe(303);
      expect([json((await last('user.capacity'))!.before_json), json((await last('user.capacity'))!.after_json)]).toEqual([{ capacity: null }, { capacity: 4 }]);
      // The same capacity saved again changes nothing: no second entry.
      expect((await root.submit(`/admin/users/${ivy}/`, { capacity: '4' }, `/admin/users/${ivy}/capacity/`)).statusCode).toBe(303);
      // Deactivation revokes the account's tokens: the entry says how many (api_keys_revoked: a field named for tokens would be redacted; left out when there were none).
      await createApiToken(t.ctx, ivy, 'ivy script');
      await createApiToken(t.ctx, ivy, 'ivy other');
      expect((await root.submit(`/admin/users/${ivy}/`, {}, `/admin/users/${ivy}/deactivate/`)).statusCode).toBe(303);
      expect(json((await last('user.deactivate'))!.after_json)).toEqual({ active: false, api_keys_revoked: 2 });
      expect((await root.submit(`/admin/users/${ivy}/`, {}, `/admin/users/${ivy}/reactivate/`)).statusCode).toBe(303);
      expect((await rows()).filter((r) => r.subject === `user:${ivy}`).map((r) => r.action)).toEqual(['user.create', 'user.update', 'user.capacity', 'user.deactivate', 'user.reactivate']);

      // Sign-ins: a wrong password, a right one, her own password change, sign-out.
      const wrong = 'wrong-Secret-guess-3';
      const ivyClient = new Client(t.app, { remoteAddress: '198.51.100.20' });
      expect((await ivyClient.login('ivy', wrong)).statusCode).toBe(401);
      expect(await last('sign_in.failed')).toMatchObject({ actor_id: null, subject: 'ivy', address: '198.51.100.20' });
      expect((await ivyClient.login('ivy', password2)).statusCode).toBe(303);
      expect(await last('sign_in')).toMatchObject({ actor_id: ivy, address: '198.51.100.20' });
      const password3 = 'third-Secret-pass-4';
      const own = await ivyClient.submit('/agents/account/', { display_name: 'Ivy Ray', email: 'ivy@team.test', current_password: password2, password: password3, password_confirm: password3 });
      expect(own.statusCode).toBe(303);
      expect(await last('account.update')).toMatchObject({ actor_id: ivy, subject: `user:${ivy}`, address: '198.51.100.20' });

      // Her second factor: enrolled (secret and recovery codes shown), then reset by the admin (page and API).
      const enrol = await ivyClient.get('/agents/account/two-factor/');
      const totpSecret = totpSecretOf(enrol.body);
      const code = codeAt(totpSecret, clock.now());
      const enrolled = await ivyClient.post('/agents/account/two-factor/', { current_password: password3, code, enrolment: enrolmentOf(enrol.body), _csrf: csrfFrom(enrol.body) });
      expect(enrolled.statusCode).toBe(200);
      const codes = recoveryCodesOf(enrolled.body);
      expect(codes).toHaveLength(10);
      secrets.push(password1, password2, password3, wrong, totpSecret, code, ...codes, ...codes.map((c) => c.replace('-', '')), enrolmentOf(enrol.body));
      expect((await root.submit(`/admin/users/${ivy}/`, {}, `/admin/users/${ivy}/two-factor/reset/`)).statusCode).toBe(303);
      expect([json((await last('user.two_factor_reset'))!.before_json), (await last('user.two_factor_reset'))!.address]).toEqual([{ two_factor: true }, ADDRESS]);
      const reset = await api.post('/api/v1/agents/ivy/two-factor/reset');
      expect([reset.status, reset.body]).toEqual([200, { username: 'ivy', had_two_factor: false, message: 'This account has no second factor: there is nothing to reset.' }]);
      expect((await api.post('/api/v1/agents/nobody/two-factor/reset')).status).toBe(404);
      // The reset signed her browser out (README "Sessions after a credential change"): she signs in again, then out.
      expect((await ivyClient.login('ivy', password3)).statusCode).toBe(303);
      expect(await ivyClient.submit('/agents/dashboard/', {}, '/agents/logout/')).toMatchObject({ statusCode: 303 });
      expect(await last('sign_out')).toMatchObject({ actor_id: ivy, subject: `user:${ivy}`, address: '198.51.100.20' });

      // API tokens: created and revoked on the page (the token itself shown once).
      const tokenPage = await root.submit(`/admin/users/${ivy}/`, { name: 'ivy script' }, `/admin/users/${ivy}/tokens/`);
      const ivyToken = tokenOf(tokenPage.body);
      secrets.push(ivyToken);
      const tokenRow = (await last('token.create'))!;
      expect(json(tokenRow.after_json)).toEqual({ user_id: ivy, username: 'ivy', name: 'ivy script', scope: 'api' });
      const tokenId = tokenRow.subject.replace('token:', '');
      expect((await root.submit(`/admin/users/${ivy}/`, {}, `/admin/users/${ivy}/tokens/${tokenId}/revoke/`)).statusCode).toBe(303);
      expect(await last('token.revoke')).toMatchObject({ subject: `token:${tokenId}`, actor_id: rootId });

      // Settings, from the form and the API.
      const settingsForm = { sla_high: '1h', sla_medium: '4h', sla_low: '1d', default_capacity: '6', queue_order: 'oldest', release_on_logout: 'on' };
      expect((await root.submit('/adminapp/settings/', settingsForm)).statusCode).toBe(303);
      expect(json((await last('settings.update'))!.after_json)).toMatchObject({ defaultCapacity: 6 });
      expect((await api.request('PATCH', '/api/v1/settings', { default_capacity: 7 })).status).toBe(200);
      const fromApi = (await last('settings.update'))!;
      expect([json(fromApi.before_json), json(fromApi.after_json), fromApi.address]).toEqual([expect.objectContaining({ defaultCapacity: 6 }), expect.objectContaining({ defaultCapacity: 7 }), '127.0.0.1']);

      // Calendars, teams, topics, skills, an agent's teams.
      const calendar = await api.post('/api/v1/calendars', berlinOffice('Office'));
      expect(calendar.status).toBe(201);
      expect((await api.delete(`/api/v1/calendars/${calendar.body.id}`)).status).toBe(204);
      const team = await api.post('/api/v1/teams', { name: 'Billing' });
      expect(team.status).toBe(201);
      expect((await api.put(`/api/v1/teams/${team.body.id}`, { name: 'Billing EU' })).status).toBe(200);
      expect((await api.post('/api/v1/skills', { name: 'German' })).status).toBe(201);
      expect((await api.put('/api/v1/agents/ivy/teams', { teams: ['Support', 'Billing EU'], skills: ['German'] })).status).toBe(200);
      const topic = await api.post('/api/v1/topics', { name: 'Invoices', team: 'Billing EU', skills: ['German'] });
      expect(topic.status).toBe(201);
      expect((await api.delete(`/api/v1/topics/${topic.body.id}`)).status).toBe(204);
      expect((await api.delete(`/api/v1/teams/${team.body.id}`)).status).toBe(204);
      const teamUpdate = (await last('team.update'))!;
      expect([json(teamUpdate.before_json), json(teamUpdate.after_json)]).toEqual([expect.objectContaining({ name: 'Billing' }), expect.objectContaining({ name: 'Billing EU' })]);
      expect([json((await last('user.teams'))!.before_json), json((await last('user.teams'))!.after_json)]).toEqual([
        { teams: ['Support'], skills: [] },
        { teams: expect.arrayContaining(['Support', 'Billing EU']), skills: ['German'] },
      ]);

      // Tickets: an admin's reassignment and requeue.
      const ticket = await intakeTicket(t.ctx, { name: 'Carla', email: 'carla@example.com', title: 'Audit me', description: 'x', priority: 'low' });
      const reference = `HD-${ticket.id}`;
      await addStaff(t.ctx, 'jon');
      expect((await api.post(`/api/v1/tickets/${reference}/assign`, { agent: 'jon' })).status).toBe(200);
      expect(json((await last('ticket.reassign'))!.after_json)).toMatchObject({ agent: 'jon' });
      expect((await api.post(`/api/v1/tickets/${reference}/assign`, { agent: null })).status).toBe(200);
      expect(await last('ticket.requeue')).toMatchObject({ subject: `ticket:${reference}` });
      // And its close (QA: an admin's close wrote no entry, while reassign and requeue did).
      expect((await api.post(`/api/v1/tickets/${reference}/close`)).status).toBe(200);
      expect(await last('ticket.close')).toMatchObject({ subject: `ticket:${reference}` });
      expect(json((await last('ticket.close'))!.after_json)).toEqual({ status: 'closed' });

      // Webhook endpoints: created (secret shown once), a new secret on the page and by the API, changed, deleted.
      const hook = await api.post('/api/v1/webhooks', { url: 'https://hooks.example.com/audit', events: ['ticket.created'] });
      expect(hook.status).toBe(201);
      secrets.push(hook.body.secret);
      const rotatedPage = await root.submit(`/adminapp/webhooks/${hook.body.id}/`, {}, `/adminapp/webhooks/${hook.body.id}/secret/`);
      expect(rotatedPage.statusCode).toBe(200);
      secrets.push(webhookSecretOf(rotatedPage.body));
      const rotated = await api.post(`/api/v1/webhooks/${hook.body.id}/secret`);
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).not.toBe(hook.body.secret);
      secrets.push(rotated.body.secret);
      expect((await api.put(`/api/v1/webhooks/${hook.body.id}`, { url: 'https://hooks.example.com/audit2', events: '*', active: false })).status).toBe(200);
      expect((await api.delete(`/api/v1/webhooks/${hook.body.id}`)).status).toBe(204);
      expect((await rows()).filter((r) => r.subject === `webhook:${hook.body.id}`).map((r) => [r.action, json(r.before_json), json(r.after_json)])).toEqual([
        ['webhook.create', null, { url: 'https://hooks.example.com/audit', events: 'ticket.created', active: true }],
        ['webhook.secret_rotate', null, null],
        ['webhook.secret_rotate', null, null],
        ['webhook.update', { url: 'https://hooks.example.com/audit', events: 'ticket.created', active: true }, { url: 'https://hooks.example.com/audit2', events: '*', active: false }],
        ['webhook.delete', { url: 'https://hooks.example.com/audit2', events: '*', active: false }, null],
      ]);

      const actions = new Set((await rows()).map((r) => r.action));
      for (const action of ['calendar.create', 'calendar.delete', 'team.create', 'team.delete', 'skill.create', 'topic.create', 'topic.delete', 'settings.update', 'sign_in', 'sign_out']) expect(actions, action).toContain(action);
      // Every entry of an admin action or sign-in carries the time it happened.
      for (const row of await rows()) expect(Number(row.at)).toBe(clock.now());
    });

    it('holds no password, token, secret or code anywhere in the table after the run', async () => {
      expect(secrets.length).toBeGreaterThan(20);
      const users = await db().selectFrom('users').select(['password_hash', 'totp_secret']).execute();
      const tokens = await db().selectFrom('api_tokens').select('token_hash').execute();
      const hashes = [...users.map((u) => u.password_hash), ...tokens.map((k) => k.token_hash)];
      const table = await rows();
      const dump = JSON.stringify(table);
      for (const secret of [...secrets, ...hashes]) {
        expect(dump, 'the whole table').not.toContain(secret);
        for (const row of table) expect(`${row.before_json} ${row.after_json} ${row.subject}`).not.toContain(secret);
      }
      expect(dump).not.toMatch(/whsec_|hd_[A-Za-z0-9_-]{20,}/);
    });

    it('leaves no entry when the change fails after its audit write (a settings change naming no calendar)', async () => {
      const [before, settings] = [await rows(), await db().selectFrom('settings').selectAll().execute()];
      // updateSettings writes its entry first, then finds that calendar 9999 does not exist.
      await expect(updateSettings(t.ctx, { id: rootId, username: 'root', address: ADDRESS }, (stored) => ({ ...stored, defaultCapacity: 9, calendarId: 9999 }))).rejects.toMatchObject({ code: 'invalid_input' });
      expect(await rows()).toEqual(before);
      expect(await db().selectFrom('settings').selectAll().execute()).toEqual(settings);
      // The same change without the bad calendar commits with its entry.
      await updateSettings(t.ctx, { id: rootId, username: 'root', address: ADDRESS }, (stored) => ({ ...stored, defaultCapacity: 9 }));
      expect(await rows()).toHaveLength(before.length + 1);
    });

    it('lists the log on /admin/audit/ and GET /api/v1/audit, admins only, filtered by actor, action and dates, page by page', async () => {
      const page = await root.get('/admin/audit/?action=webhook');
      expect(page.statusCode).toBe(200);
      expect((page.body.match(/data-action="webhook\./g) ?? []).length).toBe(5);
      expect(page.body).not.toContain('data-action="user.');
      // What each entry changed, field by field: an update's before → after, a creation's values.
      expect(page.body).toContain('<li><code>active</code>: <span class="was">true</span> → <span class="is">false</span></li>');
      expect(page.body).toContain('<li><code>events</code>: <span class="is">&quot;ticket.created&quot;</span></li>');
      expect((await root.get('/admin/audit/?action=Not%20one')).statusCode).toBe(400);
      expect((await root.get('/admin/audit/?from=2026-13-01')).statusCode).toBe(400);
      expect((await new Client(t.app).get('/admin/audit/')).statusCode).toBe(303);

      const signIns = await api.get('/api/v1/audit?action=sign_in&limit=200');
      expect(signIns.status).toBe(200);
      expect(new Set(signIns.body.items.map((i: { action: string }) => i.action))).toEqual(new Set(['sign_in', 'sign_in.failed']));
      const ivys = await api.get('/api/v1/audit?actor=IVY&limit=200');
      // What ivy did, and the refused sign-in that named her (no actor: nobody was signed in).
      expect(ivys.body.items.map((i: { action: string; actor: { username: string } | null }) => [i.action, i.actor?.username ?? null])).toEqual([
        ['sign_out', 'ivy'],
        ['sign_in', 'ivy'],
        ['account.two_factor_on', 'ivy'],
        ['account.update', 'ivy'],
        ['sign_in', 'ivy'],
        ['sign_in.failed', null],
      ]);
      const today = new Date(clock.now()).toISOString().slice(0, 10);
      expect((await api.get(`/api/v1/audit?from=${today}&to=${today}&limit=1`)).body.items).toHaveLength(1);
      expect((await api.get('/api/v1/audit?to=2026-12-04')).body.items).toEqual([]);
      expect((await api.get(`/api/v1/audit?from=${today}&to=2026-12-01`)).status).toBe(400);
      expect((await api.get('/api/v1/audit?action=x%20y')).body.error.fields).toHaveProperty('action');

      // Page by page: every entry once, newest first.
      const all: number[] = [];
      let cursor: string | null = null;
      do {
        const answer: { body: { items: { id: number }[]; next_cursor: string | null } } = await api.get(`/api/v1/audit?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        all.push(...answer.body.items.map((i) => i.id));
        cursor = answer.body.next_cursor;
      } while (cursor !== null);
      expect(all).toEqual((await rows()).map((r) => r.id).reverse());
    });

    it('refuses an action or family the log never records, by the action field, on the page, its export and the API', async () => {
      const exports = async () => (await rows()).filter((r) => r.action.startsWith('export.')).length;
      const before = await exports();
      for (const action of ['user.frobnicate', 'nope', 'webhook.created']) {
        const page = await root.get(`/admin/audit/?action=${action}`);
        expect([action, page.statusCode]).toEqual([action, 400]);
        expect(page.body).toMatch(/id="action-error"[^>]*>[^<]*The log records no such action/);
        expect((await root.get(`/admin/audit/export.csv?action=${action}`)).statusCode).toBe(400);
        const answer = await api.get(`/api/v1/audit?action=${action}`);
        expect([answer.status, Object.keys(answer.body.error?.fields ?? {})]).toEqual([400, ['action']]);
      }
      expect(await exports()).toBe(before);
      for (const action of ['export', 'User.Create', 'sign_in.failed', 'canned_reply']) expect((await root.get(`/admin/audit/?action=${action}`)).statusCode).toBe(200);
    });
  });

  describe(`audit log addresses behind a proxy (${dialect})`, () => {
    it('records the forwarded client when TRUST_PROXY trusts the proxy, and the peer when it does not', async () => {
      for (const [trustProxy, expected] of [[1, '192.0.2.44'], [false, '10.0.0.5']] as const) {
        const t = await startTestApp(dialect, { config: { trustProxy } });
        try {
          await addStaff(t.ctx, 'kim');
          const client = new Client(t.app, { remoteAddress: '10.0.0.5' });
          const form = await client.get('/agents/login/');
          const answer = await client.request({
            method: 'POST',
            url: '/agents/login/',
            payload: new URLSearchParams({ username: 'kim', password: 'password123', _csrf: csrfFrom(form.body) }).toString(),
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '192.0.2.44' },
          });
          expect(answer.statusCode).toBe(303);
          const row = await t.ctx.handle.db.selectFrom('audit_log').selectAll().where('action', '=', 'sign_in').executeTakeFirstOrThrow();
          expect(row.address).toBe(expected);
        } finally {
          await t.close();
        }
      }
    });
  });
}
