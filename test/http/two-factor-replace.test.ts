/**
 * A second factor that is on can only be replaced by turning it off first, which needs the current
 * password (SPEC §15, README "Two-factor sign-in"): the set-up form must not overwrite it. Someone
 * at an unlocked screen could otherwise swap in a secret of their own and take ten fresh recovery
 * codes (what *Make new recovery codes* guards with the password), and lock the owner's phone out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserById } from '../../src/repositories/users.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { codeAt, enrolmentOf, secretOf } from '../support/totp.js';

const STEP = 30_000;

for (const dialect of DIALECTS) {
  describe(`a second factor that is on (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock(Date.UTC(2026, 11, 6, 9, 0, 0));
    let ida: number;
    const db = () => t.ctx.handle.db;
    const recoveryHashes = async () => (await db().selectFrom('recovery_codes').select('code_hash').where('user_id', '=', ida).orderBy('code_hash').execute()).map((r) => r.code_hash);

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      ida = await addStaff(t.ctx, 'ida');
    });
    afterAll(() => t.close());

    it('is not replaced by the set-up form: no new secret, no new recovery codes, no audit entry', async () => {
      const client = new Client(t.app);
      await client.login('ida');
      // Ida turns it on, as the account page offers.
      const page = await client.get('/agents/account/two-factor/');
      const first = secretOf(page.body);
      const keptEnrolment = enrolmentOf(page.body);
      expect((await client.post('/agents/account/two-factor/', { current_password: 'password123', code: codeAt(first, clock.now()), enrolment: keptEnrolment, _csrf: csrfFrom(page.body) })).statusCode).toBe(200);
      const codesBefore = await recoveryHashes();
      expect(codesBefore).toHaveLength(10);
      const audited = async () => (await db().selectFrom('audit_log').select('action').where('subject', '=', `user:${ida}`).execute()).length;
      const auditBefore = await audited();
      clock.advance(2 * STEP);

      // Someone at her unlocked screen: a set-up form sent with a broken signature used to answer a
      // fresh set-up page (a new secret signed for her account), whose code then replaced hers…
      const status = await client.get('/agents/account/two-factor/');
      const broken = await client.post('/agents/account/two-factor/', { code: '123456', enrolment: 'broken', _csrf: csrfFrom(status.body) });
      expect(broken.statusCode).toBe(409);
      expect(broken.body).toContain('Two-factor sign-in is already on');
      expect(broken.body, 'no new set-up form').not.toContain('id="totp-secret"');
      // …and the form she enrolled with, kept, still replaces her recovery codes without her password.
      const form = await client.get('/agents/account/two-factor/');
      const again = await client.post('/agents/account/two-factor/', { current_password: 'password123', code: codeAt(first, clock.now()), enrolment: keptEnrolment, _csrf: csrfFrom(form.body) });
      expect(again.statusCode, 'refused as a conflict: it is already on').toBe(409);
      expect(again.body).toContain('Two-factor sign-in is already on');
      expect(again.body).not.toMatch(/<li><code>[a-z2-9]{5}-[a-z2-9]{5}<\/code><\/li>/);
      expect((await findUserById(db(), ida))!.totp_secret).toBe(first);
      expect(await recoveryHashes()).toEqual(codesBefore);
      expect(await audited()).toBe(auditBefore);
    });

    it('takes one of two set-up forms sent at once: the other is refused, and the stored secret is the one confirmed', async () => {
      const jo = await addStaff(t.ctx, 'jo');
      const client = new Client(t.app);
      await client.login('jo');
      // Two tabs, each with its own new secret.
      const tabs = [await client.get('/agents/account/two-factor/'), await client.get('/agents/account/two-factor/')];
      const secrets = tabs.map((tab) => secretOf(tab.body));
      expect(secrets[0]).not.toBe(secrets[1]);
      const answers = await Promise.all(
        tabs.map((tab, i) => client.post('/agents/account/two-factor/', { current_password: 'password123', code: codeAt(secrets[i]!, clock.now()), enrolment: enrolmentOf(tab.body), _csrf: csrfFrom(tab.body) })),
      );
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
      const winner = answers.findIndex((a) => a.statusCode === 200);
      expect((await findUserById(db(), jo))!.totp_secret).toBe(secrets[winner]);
      const shown = [...answers[winner]!.body.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].length;
      expect(shown).toBe(10);
      expect(await db().selectFrom('recovery_codes').select('id').where('user_id', '=', jo).execute()).toHaveLength(10);
      expect(await db().selectFrom('audit_log').select('id').where('subject', '=', `user:${jo}`).where('action', '=', 'account.two_factor_on').execute()).toHaveLength(1);
    });
  });
}
