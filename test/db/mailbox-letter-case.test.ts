/**
 * Staff accounts are matched by email address "in any letter case" (README: one address per
 * account; reset links and single sign-on find the account by it) — also when the address has
 * letters outside ASCII (`Åsa@…`, `ÉLODIE@…`): SQLite's lower() folds ASCII letters only, so a
 * match made by lower(email) in SQL found nothing there while PostgreSQL found the account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsByEmail } from '../../src/repositories/ssoLogins.js';
import { requestPasswordReset } from '../../src/services/accounts.js';
import type { ServiceContext } from '../../src/services/context.js';
import { createUser } from '../../src/services/users.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

for (const dialect of DIALECTS) {
  describe(`an address with letters outside ASCII, in another letter case (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let asa: number;
    let elodie: number;

    const register = (username: string, email: string) => createUser(ctx, { username, display_name: username, email, password: 'password123', role: 'agent', capacity: '' }, null);

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = { handle: database.handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
      asa = await register('asa', 'ÅSA@team.test');
      elodie = await register('elodie', 'Élodie.Martin@Exemple.FR');
      // An ASCII address of the same shape, which must not be taken for either.
      await register('bsa', 'bsa@team.test');
    });
    afterAll(() => database.drop());

    it('finds the account for single sign-on, whatever the case of the claimed address', async () => {
      expect(await accountsByEmail(database.handle.db, 'åsa@team.test')).toEqual([{ id: asa, active: true }]);
      expect(await accountsByEmail(database.handle.db, 'élodie.martin@exemple.fr')).toEqual([{ id: elodie, active: true }]);
      expect(await accountsByEmail(database.handle.db, 'xsa@team.test')).toEqual([]);
    });

    it('mails a reset link to the account typed in another case', async () => {
      const linksOf = async (id: number) => (await database.handle.db.selectFrom('password_resets').select('id').where('user_id', '=', id).execute()).length;
      await requestPasswordReset(ctx, { email: 'åsa@TEAM.test' });
      await requestPasswordReset(ctx, { email: 'ÉLODIE.MARTIN@exemple.fr' });
      expect(await linksOf(asa)).toBe(1);
      expect(await linksOf(elodie)).toBe(1);
      const mailed = await database.handle.db.selectFrom('outbox').select('to_address').where('kind', '=', 'password_reset').orderBy('id').execute();
      expect(mailed.map((m) => m.to_address)).toEqual(['ÅSA@team.test', 'Élodie.Martin@Exemple.FR']);
    });

    it('refuses the address to another account in another case', async () => {
      await expect(register('asa2', 'åsa@team.test')).rejects.toMatchObject({ code: 'invalid_input', fields: { email: expect.stringContaining('another account has this address') } });
      expect(await database.handle.db.selectFrom('users').select('id').where('username', '=', 'asa2').execute()).toEqual([]);
    });
  });
}
