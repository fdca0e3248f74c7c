/**
 * The audit log's record of how staff prove who they are (SPEC §15 "every sign-in, success or
 * failure, with actor, time, address"), beyond the login form: a wrong current password typed on
 * one's own pages is a failed password check like a login's, by whoever holds the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { codeAt, enrolmentOf, secretOf } from '../support/totp.js';

const SECRET = 'JBSWY3DPEHPK3PXP';

for (const dialect of DIALECTS) {
  describe(`audit log of own-account password checks (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
    const db = () => t.ctx.handle.db;
    const entriesSince = async (id: number) =>
      (await db().selectFrom('audit_log').select(['id', 'actor_id', 'actor_name', 'action', 'subject', 'address', 'after_json']).where('id', '>', id).orderBy('id').execute()).map(({ id: _id, ...rest }) => rest);
    const lastId = async () => Number((await db().selectFrom('audit_log').select('id').orderBy('id', 'desc').executeTakeFirst())?.id ?? 0);

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
    });
    afterAll(() => t.close());

    /** Posts `fields` to `action` with the CSRF token of `page`. */
    const post = async (client: Client, page: string, action: string, fields: Record<string, string>) => client.post(action, { ...fields, _csrf: csrfFrom((await client.get(page)).body) });

    it("records a wrong current password on one's own pages as a failed sign-in of that account, from its address; a right one records none", async () => {
      const ivy = await addStaff(t.ctx, 'ivy');
      const from = '198.51.100.31';
      const client = new Client(t.app, { remoteAddress: from });
      expect((await client.login('ivy')).statusCode).toBe(303);
      const failed = { actor_id: ivy, actor_name: 'ivy', action: 'sign_in.failed', subject: 'ivy', address: from, after_json: '{"step":"current_password"}' };

      // My account: a new password, then a new address.
      let since = await lastId();
      const newPassword = { display_name: 'Ivy', email: 'ivy@team.test', current_password: 'not-my-password', password: 'a new pass phrase', password_confirm: 'a new pass phrase' };
      expect((await post(client, '/agents/account/', '/agents/account/', newPassword)).statusCode).toBe(400);
      expect((await post(client, '/agents/account/', '/agents/account/', { display_name: 'Ivy', email: 'ivy@elsewhere.test', current_password: 'not-my-password-2' })).statusCode).toBe(400);
      expect(await entriesSince(since)).toEqual([failed, failed]);

      // Two-factor set up with the right code but a wrong password.
      since = await lastId();
      const setUp = await client.get('/agents/account/two-factor/');
      const enrol = await client.post('/agents/account/two-factor/', { current_password: 'not-my-password-3', code: codeAt(secretOf(setUp.body), clock.now()), enrolment: enrolmentOf(setUp.body), _csrf: csrfFrom(setUp.body) });
      expect(enrol.statusCode).toBe(400);
      expect(await entriesSince(since)).toEqual([failed]);

      // New recovery codes and two-factor off, with a wrong password.
      await db().updateTable('users').set({ totp_secret: SECRET }).where('id', '=', ivy).execute();
      since = await lastId();
      expect((await post(client, '/agents/account/two-factor/', '/agents/account/two-factor/codes/', { current_password: 'not-my-password-4' })).statusCode).toBe(400);
      expect((await post(client, '/agents/account/two-factor/', '/agents/account/two-factor/off/', { current_password: 'not-my-password-5' })).statusCode).toBe(400);
      expect(await entriesSince(since)).toEqual([failed, failed]);

      // The right password records the change, and no failure.
      since = await lastId();
      expect((await post(client, '/agents/account/two-factor/', '/agents/account/two-factor/off/', { current_password: 'password123' })).statusCode).toBe(303);
      expect((await entriesSince(since)).map((e) => e.action)).toEqual(['account.two_factor_off']);
      // Never the password typed.
      const text = JSON.stringify(await db().selectFrom('audit_log').selectAll().execute());
      expect(text).not.toContain('not-my-password');
    });
  });
}
