import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, agentClient, newTicket } from './support.js';

for (const dialect of DIALECTS) {
  describe(`who may use the admin pages (${dialect})`, () => {
    let t: TestApp;
    let ticketId: number;
    let agentId: number;
    let emailId: number;
    let getUrls: string[];
    let postUrls: string[];

    beforeAll(async () => {
      t = await startTestApp(dialect);
      agentId = await addStaff(t.ctx, 'alice');
      ticketId = await newTicket(t.ctx);
      emailId = (await t.ctx.handle.db.selectFrom('outbox').select('id').executeTakeFirstOrThrow()).id;
      getUrls = [
        '/adminapp/dashboard/',
        '/adminapp/dashboard/?window=24h',
        '/adminapp/dashboard/data.json?window=7d',
        '/adminapp/register/',
        '/adminapp/settings/',
        '/admin/',
        '/admin/tickets/',
        '/admin/tickets/export.csv?state=pending',
        `/admin/tickets/${ticketId}/`,
        '/admin/users/',
        `/admin/users/${agentId}/`,
        '/admin/events/',
        '/admin/emails/',
        `/admin/emails/${emailId}/`,
      ];
      postUrls = [
        '/adminapp/register/',
        '/adminapp/settings/',
        `/admin/tickets/${ticketId}/reassign/`,
        `/admin/tickets/${ticketId}/requeue/`,
        `/admin/tickets/${ticketId}/close/`,
        `/admin/users/${agentId}/capacity/`,
        `/admin/users/${agentId}/deactivate/`,
        `/admin/users/${agentId}/reactivate/`,
        `/admin/emails/${emailId}/retry/`,
      ];
    });
    afterAll(() => t.close());

    it('sends an anonymous visitor to the login page with the address to come back to', async () => {
      const anonymous = new Client(t.app);
      for (const url of getUrls) {
        const response = await anonymous.get(url);
        expect(response.statusCode, url).toBe(303);
        expect(response.headers.location, url).toBe(`/agents/login/?next=${encodeURIComponent(url)}`);
      }
      for (const url of postUrls) {
        const response = await anonymous.post(url, { capacity: '9', agent: 'alice' });
        expect(response.statusCode, url).toBe(303);
        expect(String(response.headers.location), url).toMatch(/^\/agents\/login\/\?next=/);
      }
      expect((await t.ctx.handle.db.selectFrom('users').select('capacity').where('id', '=', agentId).executeTakeFirstOrThrow()).capacity).toBeNull();
    });

    it('refuses every admin page and action to a logged-in agent with 403, even with a valid CSRF token', async () => {
      const agent = await agentClient(t, 'alice');
      const csrf = csrfFrom((await agent.get('/agents/dashboard/')).body);
      for (const url of getUrls) {
        const response = await agent.get(url);
        expect(response.statusCode, url).toBe(403);
      }
      for (const url of postUrls) {
        const response = await agent.post(url, { _csrf: csrf, capacity: '9', agent: 'alice', username: 'mallory', password: 'password123', sla_high: '1m', sla_medium: '1m', sla_low: '1m', default_capacity: '9', queue_order: 'oldest' });
        expect(response.statusCode, url).toBe(403);
      }
      const db = t.ctx.handle.db;
      expect(await db.selectFrom('users').select('id').where('username', '=', 'mallory').executeTakeFirst()).toBeUndefined();
      expect((await db.selectFrom('settings').select('default_capacity').executeTakeFirstOrThrow()).default_capacity).toBe(5);
      expect((await db.selectFrom('tickets').select('status').where('id', '=', ticketId).executeTakeFirstOrThrow()).status).toBe('open');
      expect((await db.selectFrom('users').select(['active', 'capacity']).where('id', '=', agentId).executeTakeFirstOrThrow())).toEqual({ active: 1, capacity: null });
    });

    it('serves every admin page to an admin', async () => {
      const { client } = await adminClient(t);
      for (const url of getUrls) {
        const response = await client.get(url);
        expect(response.statusCode, url).toBe(200);
        expect(response.headers['cache-control'], url).toBe('no-store');
      }
    });

    it('refuses an admin action without a CSRF token and changes nothing', async () => {
      const { client } = await adminClient(t, 'root2');
      for (const url of postUrls) {
        const response = await client.post(url, { capacity: '9', agent: 'alice' });
        expect(response.statusCode, url).toBe(403);
      }
      const forged = await client.post(`/admin/users/${agentId}/capacity/`, { capacity: '9', _csrf: 'forged' });
      expect(forged.statusCode).toBe(403);
      expect((await t.ctx.handle.db.selectFrom('users').select('capacity').where('id', '=', agentId).executeTakeFirstOrThrow()).capacity).toBeNull();
    });

    it('answers 404 for ids that do not exist or are not ids', async () => {
      const { client } = await adminClient(t, 'root3');
      for (const url of ['/admin/tickets/999999/', '/admin/tickets/abc/', '/admin/tickets/0/', '/admin/tickets/-1/', '/admin/users/999999/', '/admin/users/1e3/', '/admin/emails/999999/', '/admin/emails/x/']) {
        const response = await client.get(url);
        expect(response.statusCode, url).toBe(404);
        expect(response.headers['content-type'], url).toMatch(/text\/html/);
      }
      const page = await client.get('/admin/');
      const csrf = csrfFrom(page.body);
      for (const url of ['/admin/tickets/999999/close/', '/admin/tickets/abc/reassign/', '/admin/users/999999/deactivate/', '/admin/emails/999999/retry/']) {
        const response = await client.post(url, { _csrf: csrf, agent: 'alice' });
        expect(response.statusCode, url).toBe(404);
      }
    });

    it('redirects admin URLs without their trailing slash', async () => {
      const { client } = await adminClient(t, 'root4');
      const response = await client.get('/admin/tickets?state=pending');
      expect(response.statusCode).toBe(301);
      expect(response.headers.location).toBe('/admin/tickets/?state=pending');
    });
  });
}
