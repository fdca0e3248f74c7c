/**
 * The self-service account page (SPEC §15): staff change their own display name, email and
 * password; a new address or password needs the current password; a new password ends the other
 * sessions and any reset link; bad input changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserById } from '../../src/repositories/users.js';
import { verifyPassword } from '../../src/services/passwords.js';
import { requestPasswordReset } from '../../src/services/accounts.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';

for (const dialect of DIALECTS) {
  describe(`my account (${dialect})`, () => {
    let t: TestApp;
    let bea: number;
    const db = () => t.ctx.handle.db;
    const user = async () => (await findUserById(db(), bea))!;
    const save = (client: Client, fields: Record<string, string>) => client.submit('/agents/account/', { display_name: 'Bea', email: 'bea@team.test', ...fields });

    beforeAll(async () => {
      t = await startTestApp(dialect);
      bea = await addStaff(t.ctx, 'bea');
      await addStaff(t.ctx, 'root', { role: 'admin' });
    });
    afterAll(() => t.close());

    it('is for signed-in staff, agents and admins alike, linked from their name', async () => {
      expect((await new Client(t.app).get('/agents/account/')).headers.location).toBe('/agents/login/?next=%2Fagents%2Faccount%2F');
      const agent = new Client(t.app);
      await agent.login('bea');
      const page = await agent.get('/agents/account/');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('value="bea@team.test"');
      expect((await agent.get('/agents/dashboard/')).body).toContain('href="/agents/account/"');
      const root = new Client(t.app);
      await root.login('root');
      expect((await root.get('/agents/account/')).statusCode).toBe(200);
    });

    it('changes the display name without the password', async () => {
      const client = new Client(t.app);
      await client.login('bea');
      const saved = await save(client, { display_name: 'Bea Brave' });
      expect(saved.statusCode).toBe(303);
      expect((await user()).display_name).toBe('Bea Brave');
      expect((await client.get('/agents/account/')).body).toContain('Saved.');
    });

    it('refuses a new address or password without the right current password, and changes nothing', async () => {
      const client = new Client(t.app);
      await client.login('bea');
      const before = await user();
      const noPassword = await save(client, { email: 'bea@elsewhere.test' });
      expect(noPassword.statusCode).toBe(400);
      expect(noPassword.body).toContain('Current password: required to change your email address.');
      expect(noPassword.body).toContain('value="bea@elsewhere.test"');
      const wrong = await save(client, { email: 'bea@elsewhere.test', current_password: 'not-it-at-all' });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.body).toMatch(/id="current_password"[^>]*aria-invalid="true"/);
      expect(wrong.body).toContain('Current password: this is not your current password.');
      const newPassword = await save(client, { password: 'a new password', password_confirm: 'a new password', current_password: 'wrong guess' });
      expect(newPassword.statusCode).toBe(400);
      const mismatch = await save(client, { password: 'a new password', password_confirm: 'another', current_password: 'password123' });
      expect(mismatch.statusCode).toBe(400);
      // Said once, by the error summary as on every form: no second "please correct" above it.
      expect(mismatch.body).toContain('One field needs your attention');
      expect(mismatch.body).toMatch(/id="password_confirm"[^>]*aria-invalid="true"/);
      expect(mismatch.body).not.toContain('Please correct the highlighted fields.');
      expect(mismatch.body).not.toContain('data-flash="error"');
      expect(await user()).toEqual(before);
    });

    it('changes the address and the password with the current one: other sessions and reset links end, this one stays', async () => {
      const here = new Client(t.app);
      await here.login('bea');
      const elsewhere = new Client(t.app);
      await elsewhere.login('bea');
      await requestPasswordReset(t.ctx, { email: 'bea@team.test' });
      const saved = await save(here, { email: 'bea@new.test', password: 'a new password', password_confirm: 'a new password', current_password: 'password123' });
      expect(saved.statusCode).toBe(303);
      const after = await user();
      expect(after.email).toBe('bea@new.test');
      expect(await verifyPassword('a new password', after.password_hash)).toBe(true);
      expect((await here.get('/agents/dashboard/')).statusCode).toBe(200);
      expect((await elsewhere.get('/agents/dashboard/')).statusCode).toBe(303);
      const links = await db().selectFrom('password_resets').select('used_at').where('user_id', '=', bea).execute();
      expect(links.length).toBeGreaterThan(0);
      expect(links.every((l) => l.used_at !== null)).toBe(true);
    });
  });
}
