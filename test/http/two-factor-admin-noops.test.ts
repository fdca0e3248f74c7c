/**
 * An admin's two-factor actions that change nothing write nothing (SPEC §15: the audit log records
 * what changed, as a profile or capacity saved unchanged writes no entry): resetting the second
 * factor of an account that has none says there is nothing to reset (page and API), and saving the
 * all-staff requirement as it already is says it was already so. Neither leaves an audit entry.
 */
import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleText } from '../admin/support.js';
import { ApiClient } from '../api/support.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { createApiToken } from '../../src/services/tokens.js';

for (const dialect of DIALECTS) {
  describe(`an admin's two-factor action that changes nothing (${dialect})`, () => {
    let t: TestApp;
    let root: Client;
    let api: ApiClient;
    let kim: number;
    const db = () => t.ctx.handle.db;
    const auditCount = async () => (await db().selectFrom('audit_log').select('id').execute()).length;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const rootId = await addStaff(t.ctx, 'root', { role: 'admin' });
      kim = await addStaff(t.ctx, 'kim');
      root = new Client(t.app);
      expect((await root.login('root')).statusCode).toBe(303);
      api = new ApiClient(t.app, (await createApiToken(t.ctx, rootId, 'audit script')).token);
    });
    afterAll(() => t.close());

    it('says there is no second factor to reset, on the page and in the API, and writes no audit entry', async () => {
      const before = await auditCount();
      const page = await root.submit(`/admin/users/${kim}/`, {}, `/admin/users/${kim}/two-factor/reset/`);
      expect(page.statusCode).toBe(303);
      expect(visibleText(await root.get(String(page.headers.location)))).toContain('This account has no second factor: there is nothing to reset.');
      const answer = await api.post('/api/v1/agents/kim/two-factor/reset');
      expect([answer.status, answer.body]).toEqual([200, { username: 'kim', had_two_factor: false, message: 'This account has no second factor: there is nothing to reset.' }]);
      expect(await auditCount()).toBe(before);

      // With one, the reset is done and recorded once; a second press finds nothing left.
      await db().updateTable('users').set({ totp_secret: new Secret({ size: 20 }).base32 }).where('id', '=', kim).execute();
      const done = await api.post('/api/v1/agents/kim/two-factor/reset');
      expect([done.status, done.body]).toEqual([200, { username: 'kim', had_two_factor: true, message: 'Two-factor sign-in reset: they log in with their password and set it up again.' }]);
      expect((await api.post('/api/v1/agents/kim/two-factor/reset')).body).toMatchObject({ had_two_factor: false });
      const entries = await db().selectFrom('audit_log').select(['action', 'before_json']).where('action', '=', 'user.two_factor_reset').execute();
      expect(entries).toEqual([{ action: 'user.two_factor_reset', before_json: '{"two_factor":true}' }]);
    });

    it('saves the all-staff requirement unchanged without an audit entry, and says it already was so', async () => {
      const requirementEntries = async () => (await db().selectFrom('audit_log').select(['before_json', 'after_json']).where('action', '=', 'settings.two_factor_required').orderBy('id').execute()).map((r) => [r.before_json, r.after_json]);
      const save = async (required: 'on' | 'off') => {
        const answer = await root.submit('/adminapp/settings/', { required }, '/adminapp/settings/two-factor/');
        expect(answer.statusCode).toBe(303);
        return visibleText(await root.get('/adminapp/settings/'));
      };
      expect(await save('off')).toContain('Two-factor sign-in was already optional: nothing changed.');
      expect(await requirementEntries()).toEqual([]);
      expect(await save('on')).toContain('Two-factor sign-in is now required');
      expect(await save('on')).toContain('Two-factor sign-in was already required: nothing changed.');
      expect(await requirementEntries()).toEqual([['{"required":false}', '{"required":true}']]);
    });
  });
}
