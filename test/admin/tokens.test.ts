import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';

for (const dialect of DIALECTS) {
  describe(`API tokens in the admin pages (${dialect})`, () => {
    let t: TestApp;
    let agentId: number;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      agentId = await addStaff(t.ctx, 'alice');
      await addStaff(t.ctx, 'root', { role: 'admin' });
    });
    afterAll(() => t.close());

    const api = (token: string) => t.app.inject({ method: 'GET', url: '/api/v1/tickets', headers: { authorization: `Bearer ${token}` } });

    it('creates a token shown once, which the API accepts until it is revoked', async () => {
      const admin = new Client(t.app);
      await admin.login('root');
      const created = await admin.submit(`/admin/users/${agentId}/`, { name: 'Website <form>' }, `/admin/users/${agentId}/tokens/`);
      expect(created.statusCode).toBe(200);
      expect(created.headers['cache-control']).toBe('no-store');
      const token = /<code id="new-token">([^<]+)<\/code>/.exec(created.body)![1]!;
      expect(token).toMatch(/^hd_/);
      expect(created.body).toContain('Website &lt;form>');
      expect((await api(token)).statusCode).toBe(200);

      const page = await admin.get(`/admin/users/${agentId}/`);
      expect(page.body).not.toContain(token);
      expect(page.body).toContain('Revoke');
      const tokenId = /\/tokens\/(\d+)\/revoke\//.exec(page.body)![1]!;
      const revoke = await admin.post(`/admin/users/${agentId}/tokens/${tokenId}/revoke/`, { _csrf: csrfFrom(page.body) });
      expect(revoke.statusCode).toBe(303);
      expect((await api(token)).statusCode).toBe(401);
      expect((await admin.get(`/admin/users/${agentId}/`)).body).toContain('revoked');
    });

    it('a name too long is refused with the name kept in its box, and no token made', async () => {
      const admin = new Client(t.app);
      await admin.login('root');
      const before = await t.ctx.handle.db.selectFrom('api_tokens').select('id').execute();
      const name = `Nightly export ${'x'.repeat(100)}`;
      const refused = await admin.submit(`/admin/users/${agentId}/`, { name }, `/admin/users/${agentId}/tokens/`);
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain(`value="${name}"`);
      expect(await t.ctx.handle.db.selectFrom('api_tokens').select('id').execute()).toEqual(before);
    });

    it('refuses agents, forged forms and unknown tokens', async () => {
      const agent = new Client(t.app);
      await agent.login('alice');
      const refused = await agent.submit('/agents/dashboard/', { name: 'mine' }, `/admin/users/${agentId}/tokens/`);
      expect(refused.statusCode).toBe(403);
      const admin = new Client(t.app);
      await admin.login('root');
      await admin.get(`/admin/users/${agentId}/`);
      expect((await admin.post(`/admin/users/${agentId}/tokens/`, { name: 'x' })).statusCode).toBe(403);
      const page = await admin.get(`/admin/users/${agentId}/`);
      expect((await admin.post(`/admin/users/${agentId}/tokens/99999/revoke/`, { _csrf: csrfFrom(page.body) })).statusCode).toBe(404);
      const tokens = await t.ctx.handle.db.selectFrom('api_tokens').select('id').execute();
      expect(tokens).toHaveLength(1); // the first test's; refusals made none
    });
  });
}
