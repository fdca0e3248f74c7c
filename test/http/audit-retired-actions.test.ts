/**
 * An action the code once wrote and writes no more (`user.created`: single sign-on's first sign-in
 * recorded its new account so for a while; it writes `user.create` now) is still in the log: the
 * audit page, its CSV export and GET /api/v1/audit find it by its exact name, not only under its
 * family, and the API's description says which names are retired. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { adminClient, visibleText } from '../admin/support.js';
import { type Client, startTestApp, type TestApp } from '../support/app.js';
import { csvObjects } from '../support/csv.js';
import { DIALECTS } from '../support/db.js';

for (const dialect of DIALECTS) {
  describe(`retired audit actions stay filterable (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let api: ApiClient;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const root = await adminClient(t);
      admin = root.client;
      api = new ApiClient(t.app, (await createApiToken(t.ctx, root.id, 'audit')).token);
      // An entry as the single sign-on of 2026-12-03 wrote it: no actor, its own action name.
      const after = JSON.stringify({ username: 'sso-sam', email: 'sam@team.test', role: 'agent', capacity: null, via: 'sso' });
      await t.ctx.handle.db.insertInto('audit_log').values({ at: Date.UTC(2026, 11, 3, 13, 30), actor_id: null, actor_name: '', action: 'user.created', subject: 'user:77', address: '198.51.100.4', before_json: null, after_json: after }).execute();
    });
    afterAll(() => t.close());

    it('the page, the export and the API find it by its exact name', async () => {
      const page = await admin.get('/admin/audit/?action=user.created');
      expect(page.statusCode).toBe(200);
      expect([...page.body.matchAll(/data-action="([^"]+)"/g)].map((m) => m[1])).toEqual(['user.created']);
      expect(visibleText(page)).toContain('sso-sam');
      const csv = await admin.get('/admin/audit/export.csv?action=User.Created');
      expect(csv.statusCode).toBe(200);
      expect(csvObjects(csv.body).rows.map((row) => [row.action, row.subject])).toEqual([['user.created', 'user:77']]);
      const answer = await api.get('/api/v1/audit?action=user.created');
      expect([answer.status, answer.body.items?.map((item: { subject: string }) => item.subject)]).toEqual([200, ['user:77']]);
    });

    it('the API documents the retired names beside the action filter', async () => {
      const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      const action = doc.paths['/api/v1/audit'].get.parameters.find((p: { name: string }) => p.name === 'action');
      expect(action.description).toContain('user.created');
    });
  });
}
