/**
 * The audit log's action filter (SPEC §15, README "Audit log") stays an index lookup however long
 * the log: an action, or a family of them, walks the index by action and id from the cursor and
 * stops at the page's size, on both engines. It used to be one `action = ? or substr(…) = ?`
 * condition no index serves, so a page of a rare action walked the whole log (bench/audit.ts:
 * `settings.update` at 20,000 entries 3.9× its time at 1,000). A family still finds every action
 * under it, the retired ones included, page by page, with the who filter too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditPageQuery } from '../../src/repositories/auditLog.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient, walk } from '../api/support.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { planText } from '../support/plan.js';

for (const dialect of DIALECTS) {
  describe(`the audit log's action filter (${dialect})`, () => {
    let t: TestApp;
    let api: ApiClient;
    const db = () => t.ctx.handle.db;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const rootId = await addStaff(t.ctx, 'root', { role: 'admin' });
      api = new ApiClient(t.app, (await createApiToken(t.ctx, rootId, 'audit script')).token);
      const entry = (at: number, action: string, actor: string) => ({ at, actor_id: actor === '' ? null : 5, actor_name: actor, action, subject: 'user:5', address: '', before_json: null, after_json: null });
      await db()
        .insertInto('audit_log')
        .values([entry(1, 'user.created', ''), entry(2, 'user.update', 'ana'), entry(3, 'sign_in', 'ana'), entry(4, 'user.deactivate', 'bo'), entry(5, 'settings.update', 'ana'), entry(6, 'user.update', 'bo')])
        .execute();
    });
    afterAll(() => t.close());

    it('a family finds every action under it, retired ones too, page by page; with who, only theirs', async () => {
      const actions = async (query: string) => (await walk<{ action: string; actor: { username: string } | null }>(api, `/api/v1/audit?${query}&limit=1`)).items.map((i) => `${i.action} ${i.actor?.username ?? '-'}`);
      expect(await actions('action=user')).toEqual(['user.update bo', 'user.deactivate bo', 'user.update ana', 'user.created -', 'user.create -']);
      expect(await actions('action=user&actor=ana')).toEqual(['user.update ana']);
      expect(await actions('action=user.update')).toEqual(['user.update bo', 'user.update ana']);
      expect(await actions('action=sign_in&actor=ana')).toEqual(['sign_in ana']);
    });

    it.each(['settings.update', 'settings', 'user'])('plans %s as walks of the index by action and id, never of the whole log', async (action) => {
      const text = await planText(db(), dialect, auditPageQuery(db(), { action }, { op: '<', id: 1_000_000 }, 'desc', 51).compile());
      if (dialect === 'sqlite') {
        expect(text).toMatch(/USING INDEX audit_log_by_action \(action=\? AND id<\?\)/);
        expect(text).not.toMatch(/SCAN audit_log/);
      } else {
        expect(text).toMatch(/Index Scan Backward using audit_log_by_action/);
        expect(text).not.toMatch(/Filter: [^"]*substr/);
      }
    });
  });
}
