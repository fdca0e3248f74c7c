/**
 * An admin's reset of their OWN second factor (SPEC §15): someone holding an admin's unlocked
 * screen or stolen session must not remove the admin's second factor with it. The admin's user
 * page asks for the current password for one's own account (as one's own password or address
 * does there); the API refuses it outright (a token carries no password) and points to My
 * account. Both refusals are audited like a wrong current password. Another account's reset
 * needs none (the admin's power).
 */
import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserById } from '../../src/repositories/users.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';

for (const dialect of DIALECTS) {
  describe(`an admin's own second factor reset (${dialect})`, () => {
    let t: TestApp;
    let root: number;
    let ana: number;
    let admin: Client;
    let api: ApiClient;
    const db = () => t.ctx.handle.db;
    const secretOf = async (id: number) => (await findUserById(db(), id))!.totp_secret;
    const giveSecondFactor = (id: number) => db().updateTable('users').set({ totp_secret: new Secret({ size: 20 }).base32 }).where('id', '=', id).execute();
    const failedChecks = () => db().selectFrom('audit_log').select(['actor_id', 'subject', 'after_json']).where('action', '=', 'sign_in.failed').orderBy('id').execute();
    const resets = () => db().selectFrom('audit_log').select('subject').where('action', '=', 'user.two_factor_reset').orderBy('id').execute();
    const reset = (id: number, fields: Record<string, string>) => admin.submit(`/admin/users/${id}/`, fields, `/admin/users/${id}/two-factor/reset/`);

    beforeAll(async () => {
      t = await startTestApp(dialect);
      root = await addStaff(t.ctx, 'root', { role: 'admin' });
      ana = await addStaff(t.ctx, 'ana');
      admin = new Client(t.app);
      expect((await admin.login('root')).statusCode).toBe(303);
      api = new ApiClient(t.app, (await createApiToken(t.ctx, root, 'admin script')).token);
      // Set after the login, so that the login needs no second step.
      await giveSecondFactor(root);
    });
    afterAll(() => t.close());

    it('asks for the current password on the page for one\'s own account, names the field, and resets nothing without the right one', async () => {
      const page = await admin.get(`/admin/users/${root}/`);
      expect(page.body).toMatch(/action="\/admin\/users\/\d+\/two-factor\/reset\/"((?!<\/form>)[\s\S])*name="reset_current_password"/);
      const secret = await secretOf(root);
      const missing = await reset(root, {});
      expect(missing.statusCode).toBe(400);
      expect(missing.body).toMatch(/id="reset_current_password"[^>]*aria-invalid="true"/);
      // One field marked, and one element of each id (the profile form's current password is another field).
      expect(missing.body).not.toMatch(/id="current_password"[^>]*aria-invalid="true"/);
      expect(missing.body.match(/id="reset_current_password"/g)).toHaveLength(1);
      const wrong = await reset(root, { reset_current_password: 'a wrong guess' });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.body).toContain('Current password: this is not your current password.');
      expect(await secretOf(root)).toBe(secret);
      expect(await resets()).toEqual([]);
      // Nothing typed is no guess; the wrong one is audited as a failed current password.
      expect(await failedChecks()).toEqual([{ actor_id: root, subject: 'root', after_json: '{"step":"current_password"}' }]);
    });

    it('refuses the API reset of the token owner\'s own second factor with a 403 pointing to My account, audited', async () => {
      const secret = await secretOf(root);
      const answer = await api.post('/api/v1/agents/root/two-factor/reset');
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('forbidden');
      expect(answer.body.error.message).toContain('My account');
      expect(await secretOf(root)).toBe(secret);
      expect(await resets()).toEqual([]);
      expect((await failedChecks()).at(-1)).toEqual({ actor_id: root, subject: 'root', after_json: '{"step":"current_password","reason":"api_token"}' });
    });

    it('resets one\'s own with the right current password, and another account\'s without one (page and API)', async () => {
      expect((await reset(root, { reset_current_password: 'password123' })).statusCode).toBe(303);
      expect(await secretOf(root)).toBeNull();
      await giveSecondFactor(ana);
      expect((await admin.get(`/admin/users/${ana}/`)).body).not.toMatch(/action="\/admin\/users\/\d+\/two-factor\/reset\/"((?!<\/form>)[\s\S])*name="reset_current_password"/);
      expect((await reset(ana, {})).statusCode).toBe(303);
      expect(await secretOf(ana)).toBeNull();
      await giveSecondFactor(ana);
      expect((await api.post('/api/v1/agents/ana/two-factor/reset')).body).toMatchObject({ had_two_factor: true });
      expect(await resets()).toEqual([{ subject: `user:${root}` }, { subject: `user:${ana}` }, { subject: `user:${ana}` }]);
    });
  });
}
