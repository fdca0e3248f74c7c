/**
 * One staff email address per account, in any letter case (single sign-on and reset links match
 * by lower(email)): registering an account, an admin's profile change and one's own account change
 * refuse an address another account has, with a 400 naming `email` and nothing written. An
 * account keeps its own address in another case; no address is no clash; duplicates already
 * stored are not migrated and do not block saving anything else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { snapshot } from '../support/snapshot.js';
import { adminClient, visibleText } from './support.js';

const NEW = { username: 'dora', display_name: 'Dora', password: 'correct horse', role: 'agent', capacity: '' };

for (const dialect of DIALECTS) {
  describe(`staff email addresses are one per account, in any letter case (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let bea: number;
    const db = () => t.ctx.handle.db;
    const emailOf = async (id: number) => (await db().selectFrom('users').select('email').where('id', '=', id).executeTakeFirstOrThrow()).email;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await adminClient(t)).client;
      await addStaff(t.ctx, 'ana');
      bea = await addStaff(t.ctx, 'bea');
    });
    afterAll(() => t.close());

    it.each([['ana@team.test'], ['Ana@Team.TEST'], ['  ANA@team.test ']])('registering %j refuses it next to the email field, nothing written', async (email) => {
      const before = await snapshot(db());
      const response = await admin.submit('/adminapp/register/', { ...NEW, email });
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatch(/id="email-error"[^>]*>Email: another account has this address/);
      expect(await snapshot(db())).toEqual(before);
    });

    it('an admin changing a profile to another account’s address in another case is refused, nothing written', async () => {
      const before = await snapshot(db());
      const response = await admin.submit(`/admin/users/${bea}/`, { display_name: 'Bea', email: 'ANA@team.test' }, `/admin/users/${bea}/profile/`);
      expect(response.statusCode).toBe(400);
      expect(visibleText(response)).toContain('Email: another account has this address');
      expect(await snapshot(db())).toEqual(before);
    });

    it('one’s own account page refuses another account’s address too, nothing written', async () => {
      const client = new Client(t.app);
      await client.login('bea');
      const before = await snapshot(db());
      const response = await client.submit('/agents/account/', { display_name: 'Bea', email: 'Ana@team.test', current_password: 'password123' });
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatch(/id="email-error"[^>]*>Email: another account has this address/);
      expect(await snapshot(db())).toEqual(before);
    });

    it('an account keeps its own address in another letter case, and any number of accounts may have none', async () => {
      const saved = await admin.submit(`/admin/users/${bea}/`, { display_name: 'Bea', email: 'BEA@team.test' }, `/admin/users/${bea}/profile/`);
      expect(saved.statusCode).toBe(303);
      expect(await emailOf(bea)).toBe('BEA@team.test');
      for (const username of ['erin', 'finn']) expect((await admin.submit('/adminapp/register/', { ...NEW, username, email: '' })).statusCode).toBe(303);
    });

    it('addresses stored twice before the rule stay (not migrated) and do not block saving the rest of a profile', async () => {
      await db().updateTable('users').set({ email: 'Ana@team.test' }).where('id', '=', bea).execute();
      const saved = await admin.submit(`/admin/users/${bea}/`, { display_name: 'Bea Brave', email: 'Ana@team.test' }, `/admin/users/${bea}/profile/`);
      expect(saved.statusCode).toBe(303);
      expect(await db().selectFrom('users').select(['display_name', 'email']).where('id', '=', bea).executeTakeFirstOrThrow()).toEqual({ display_name: 'Bea Brave', email: 'Ana@team.test' });
    });
  });
}
