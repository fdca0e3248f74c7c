/**
 * An admin's own account on the admin's user page (SPEC §15): a new password or address needs the
 * current password there too, as on My account — someone at an admin's unlocked screen must not
 * take the account over by the back door. Another account's profile needs none (the admin's power).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserById } from '../../src/repositories/users.js';
import { verifyPassword } from '../../src/services/passwords.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';

for (const dialect of DIALECTS) {
  describe(`an admin's own profile on the admin pages (${dialect})`, () => {
    let t: TestApp;
    let root: number;
    let ana: number;
    let admin: Client;
    const db = () => t.ctx.handle.db;
    const save = (id: number, fields: Record<string, string>) => admin.submit(`/admin/users/${id}/`, { display_name: 'Root', email: 'root@team.test', ...fields }, `/admin/users/${id}/profile/`);

    beforeAll(async () => {
      t = await startTestApp(dialect);
      root = await addStaff(t.ctx, 'root', { role: 'admin' });
      ana = await addStaff(t.ctx, 'ana');
      admin = new Client(t.app);
      await admin.login('root');
    });
    afterAll(() => t.close());

    it('refuses a new password or address without the right current password, names the field, and changes nothing', async () => {
      const before = await findUserById(db(), root);
      for (const fields of [{ password: 'taken over now' }, { email: 'thief@evil.test' }] as Record<string, string>[]) {
        const missing = await save(root, fields);
        expect(missing.statusCode).toBe(400);
        expect(missing.body).toMatch(/id="current_password"[^>]*aria-invalid="true"/);
        const wrong = await save(root, { ...fields, current_password: 'a wrong guess' });
        expect(wrong.statusCode).toBe(400);
        expect(wrong.body).toContain('Current password: this is not your current password.');
      }
      expect(await findUserById(db(), root)).toEqual(before);
      const failed = await db().selectFrom('audit_log').select(['actor_id', 'subject', 'after_json']).where('action', '=', 'sign_in.failed').execute();
      expect(failed).toEqual([
        { actor_id: root, subject: 'root', after_json: '{"step":"current_password"}' },
        { actor_id: root, subject: 'root', after_json: '{"step":"current_password"}' },
      ]);
    });

    it('saves them with the right current password, and a display name without it', async () => {
      expect((await save(root, { display_name: 'Root Admin' })).statusCode).toBe(303);
      expect((await save(root, { email: 'root@elsewhere.test', current_password: 'password123' })).statusCode).toBe(303);
      expect((await save(root, { email: 'root@elsewhere.test', password: 'a new password', current_password: 'password123' })).statusCode).toBe(303);
      const now = (await findUserById(db(), root))!;
      expect(now.email).toBe('root@elsewhere.test');
      expect(await verifyPassword('a new password', now.password_hash)).toBe(true);
    });

    it("asks nothing of the admin for another account's password or address", async () => {
      const saved = await save(ana, { display_name: 'Ana', email: 'ana@new.test', password: 'set by the admin' });
      expect(saved.statusCode).toBe(303);
      expect(await verifyPassword('set by the admin', (await findUserById(db(), ana))!.password_hash)).toBe(true);
    });
  });
}
