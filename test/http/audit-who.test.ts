/**
 * The audit log's "who" filter (SPEC §15, README "Audit log"): a username finds what that staff
 * member did and also the refused sign-ins that named it (they have no actor: nobody was signed
 * in), on the page, in the API and in the CSV export, on both engines; and it stays an index
 * lookup however long the log grows (both halves of the filter have an index by name and id).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditPageQuery } from '../../src/repositories/auditLog.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient, walk } from '../api/support.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { planText } from '../support/plan.js';

for (const dialect of DIALECTS) {
  describe(`the audit log's who filter (${dialect})`, () => {
    let t: TestApp;
    let api: ApiClient;
    let root: Client;
    const db = () => t.ctx.handle.db;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const rootId = await addStaff(t.ctx, 'root', { role: 'admin' });
      await addStaff(t.ctx, 'lea');
      // An account whose username is also a subject other entries have ("settings").
      await addStaff(t.ctx, 'settings');
      api = new ApiClient(t.app, (await createApiToken(t.ctx, rootId, 'audit script')).token);
      root = new Client(t.app);
      expect((await root.login('root')).statusCode).toBe(303);
    });
    afterAll(() => t.close());

    it('finds the failed sign-ins that named the username, beside what the account did', async () => {
      const lea = new Client(t.app, { remoteAddress: '198.51.100.7' });
      expect((await lea.login('LEA ', 'not her password')).statusCode).toBe(401);
      expect((await lea.login('lea')).statusCode).toBe(303);
      expect((await new Client(t.app).login('settings', 'wrong')).statusCode).toBe(401);
      // An entry whose subject is `settings` but which names no username: not found by "settings".
      expect((await root.submit('/adminapp/settings/', { required: 'on' }, '/adminapp/settings/two-factor/')).statusCode).toBe(303);

      const answer = await api.get('/api/v1/audit?actor=lea');
      expect(answer.status).toBe(200);
      expect(answer.body.items.map((i: { action: string; actor: unknown; subject: string }) => [i.action, i.actor === null ? null : 'lea', i.subject])).toEqual([
        ['sign_in', 'lea', expect.stringMatching(/^user:\d+$/)],
        ['sign_in.failed', null, 'lea'],
      ]);
      const page = await root.get('/admin/audit/?actor=lea');
      expect(page.body.match(/data-action="sign_in(\.failed)?"/g)).toEqual(['data-action="sign_in"', 'data-action="sign_in.failed"']);
      // The CSV export reads the same filter.
      const csv = await root.get('/admin/audit/export.csv?actor=lea');
      expect(csv.statusCode).toBe(200);
      expect(csv.body).toContain('sign_in.failed');

      // Page by page, one entry a page: each once, newest first, across both halves.
      const { items } = await walk<{ id: number }>(api, '/api/v1/audit?actor=lea&limit=1');
      expect(items.map((i) => i.id)).toEqual(answer.body.items.map((i: { id: number }) => i.id));

      const settings = await api.get('/api/v1/audit?actor=settings');
      expect(settings.body.items.map((i: { action: string }) => i.action)).toEqual(['sign_in.failed']);
    });

    it('plans both halves as index lookups by name and id, never a walk of the whole log', async () => {
      // The query of the page's first page, as the repository builds it.
      const text = await planText(db(), dialect, auditPageQuery(db(), { actor: 'lea' }, { op: '<', id: 1_000_000 }, 'desc', 51).compile());
      // Each half walks its own index in id order from the cursor and stops at the page's size.
      if (dialect === 'sqlite') {
        expect(text).toMatch(/USING INDEX audit_log_by_actor_name \(actor_name=\? AND id<\?\)/);
        expect(text).toMatch(/USING INDEX audit_log_by_subject \(subject=\? AND action=\? AND id<\?\)/);
      } else {
        expect(text).toMatch(/Limit[^}]*}[^}]*Index Scan Backward using audit_log_by_actor_name/);
        expect(text).toMatch(/Limit[^}]*}[^}]*Index Scan Backward using audit_log_by_subject/);
      }
    });
  });
}
