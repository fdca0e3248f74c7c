/**
 * A sign-in racing a new password for its account (SPEC §15: a new password ends every session of
 * the account). A login checks the password before its routing transaction (the hash takes tens of
 * milliseconds, outside the lock), and a second step checks its code against the account as its
 * first step read it; a new password (an admin's, a reset link's, one's own) that commits in
 * between ends the sessions there are, so the session this sign-in is about to start must not
 * begin under the old password either — or whoever knew the old password, logging in over and over
 * while the owner resets it, keeps a session the reset was meant to end.
 */
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertPasswordReset } from '../../src/repositories/passwordResets.js';
import { findUserById } from '../../src/repositories/users.js';
import { changeOwnAccount, resetPassword } from '../../src/services/accounts.js';
import { changeProfile, checkCredentials, login, sessionIdOf, startSession } from '../../src/services/auth.js';
import type { ServiceContext } from '../../src/services/context.js';
import { renewRecoveryCodes, turnOffSecondFactor } from '../../src/services/twoFactor.js';
import { buildApp } from '../../src/http/app.js';
import { Client, csrfFrom, TEST_CONFIG } from '../support/app.js';
import { DIALECTS, type TestDatabase } from '../support/db.js';
import { handleWithPause, raceStage } from '../support/pause.js';

const OPTIONS = { idleMinutes: 480 };
/** No browser of the account stays (these changes are driven without one). */
const KEPT = { token: undefined, idleMinutes: OPTIONS.idleMinutes };

for (const dialect of DIALECTS) {
  describe(`a sign-in racing a new password (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let rootId: number;
    let danaId: number;
    const root = () => ({ id: rootId, username: 'root', address: '', token: 'not-a-session' });
    const sessionsOfDana = async () => (await database.handle.db.selectFrom('sessions').select('id').where('user_id', '=', danaId).execute()).length;

    /** The context of a sign-in during which `change` commits (once), just before its session's transaction. */
    function racing(change: () => Promise<unknown>): ServiceContext {
      let done = false;
      return { ...ctx, handle: handleWithPause(database.handle, async () => (done ? undefined : ((done = true), change()))) };
    }

    /** Dana's password, set by an admin (also its current text: every test starts from it). */
    const adminSets = (password: string) => () => changeProfile(ctx, root(), danaId, { display_name: 'Dana', email: 'dana@team.test', password }, OPTIONS.idleMinutes);

    beforeAll(async () => {
      ({ database, ctx, adminId: rootId, agentId: danaId } = await raceStage(dialect));
    });
    afterAll(() => database.drop());

    it("is refused when an admin's new password commits after the password check, and leaves no session", async () => {
      await adminSets('password123')();
      const before = await sessionsOfDana();
      await expect(login(racing(adminSets('a brand new password')), 'dana', 'password123', OPTIONS)).rejects.toMatchObject({ code: 'unauthenticated' });
      expect(await sessionsOfDana()).toBe(before);
      // The new password signs in.
      await login(ctx, 'dana', 'a brand new password', OPTIONS);
      expect(await sessionsOfDana()).toBe(before + 1);
    });

    it('is refused when a reset link sets the password after the password check', async () => {
      await adminSets('password123')();
      const token = randomBytes(32).toString('base64url');
      const now = Date.now();
      await insertPasswordReset(database.handle.db, { userId: danaId, tokenHash: sessionIdOf(token), now, expiresAt: now + 30 * 60_000 });
      const viaLink = () => resetPassword(ctx, token, { password: 'reset to this one', password_confirm: 'reset to this one' }, OPTIONS.idleMinutes);
      await expect(login(racing(viaLink), 'dana', 'password123', OPTIONS)).rejects.toMatchObject({ code: 'unauthenticated' });
      expect(await sessionsOfDana()).toBe(0);
    });

    it('is refused at the second step when the password changed after the step read the account', async () => {
      await adminSets('password123')();
      // The code page read the account (its password's stamp matched); then the new password commits.
      const asRead = (await findUserById(database.handle.db, danaId))!;
      const before = await sessionsOfDana();
      await expect(startSession(racing(adminSets('another new password')), asRead, OPTIONS)).rejects.toMatchObject({ code: 'unauthenticated' });
      expect(await sessionsOfDana()).toBe(before);
    });

    it('still starts when what changed meanwhile is not the password, or for single sign-on, which checked no password', async () => {
      await adminSets('password123')();
      const exists = async (token: string) => (await database.handle.db.selectFrom('sessions').select('id').where('id', '=', sessionIdOf(token)).executeTakeFirst()) !== undefined;
      const checked = await checkCredentials(ctx, 'dana', 'password123');
      // A new display name: the password the login checked is still the account's.
      const rename = () => changeProfile(ctx, root(), danaId, { display_name: 'Dana D.', email: 'dana@team.test', password: '' }, OPTIONS.idleMinutes);
      expect(await exists((await startSession(racing(rename), checked, OPTIONS)).token)).toBe(true);
      // Single sign-on opened the account by its address: a new password meanwhile is no reason to refuse it.
      const asRead = (await findUserById(database.handle.db, danaId))!;
      expect(await exists((await startSession(racing(adminSets('yet another password')), asRead, { ...OPTIONS, method: 'sso' })).token)).toBe(true);
    });

    // The same race on the account page: its current password is checked before the routing
    // transaction (two hashes: the current one's check, the new one's making). A reset committing in
    // between ended the session that asked; the change it authorised with the old password must not
    // follow, or whoever knew that password sets one of their own (or their own address, for the next
    // reset link) over the owner's reset.
    for (const field of ['password', 'email'] as const) {
      it(`refuses one's own new ${field} typed with the old current password when a new password was set meanwhile`, async () => {
        await adminSets('password123')();
        const session = await login(ctx, 'dana', 'password123', OPTIONS);
        const own = { id: danaId, username: 'dana', address: '', token: session.token };
        const typed = field === 'password' ? { email: 'dana@team.test', password: 'the intruder’s pick', password_confirm: 'the intruder’s pick' } : { email: 'intruder@elsewhere.test' };
        const owner = adminSets('the owner’s reset');
        await expect(changeOwnAccount(racing(owner), own, { display_name: 'Dana', current_password: 'password123', ...typed }, OPTIONS.idleMinutes)).rejects.toMatchObject({ code: 'invalid_input', fields: { current_password: expect.any(String) } });
        const now = (await findUserById(database.handle.db, danaId))!;
        expect(now.email).toBe('dana@team.test');
        await login(ctx, 'dana', 'the owner’s reset', OPTIONS);
      });
    }

    // And on the two-factor page: new recovery codes, or the second factor turned off, with the old
    // current password as a reset commits — codes that outlive the reset, or an account left with its
    // password alone.
    it('refuses new recovery codes, or turning the second factor off, with the old current password when a new password was set meanwhile', async () => {
      await adminSets('password123')();
      const secret = new Secret({ size: 20 }).base32;
      await database.handle.db.updateTable('users').set({ totp_secret: secret, totp_last_step: null }).where('id', '=', danaId).execute();
      try {
        const changes = [() => renewRecoveryCodes(racing(adminSets('the owner’s reset')), danaId, 'password123', KEPT), () => turnOffSecondFactor(racing(adminSets('the owner’s second reset')), danaId, 'password123', KEPT)];
        for (const change of changes) {
          await expect(change()).rejects.toMatchObject({ code: 'invalid_input', fields: { current_password: expect.any(String) } });
        }
        expect((await findUserById(database.handle.db, danaId))!.totp_secret).toBe(secret);
        expect(await database.handle.db.selectFrom('recovery_codes').select('id').where('user_id', '=', danaId).execute()).toEqual([]);
        expect(await database.handle.db.selectFrom('audit_log').select('action').where('subject', '=', `user:${danaId}`).where('action', 'in', ['account.recovery_codes_renewed', 'account.two_factor_off']).execute()).toEqual([]);
      } finally {
        await database.handle.db.updateTable('users').set({ totp_secret: null, totp_last_step: null }).where('id', '=', danaId).execute();
      }
    });

    it('sends a second step overtaken by a new password back to the login, with no session (through the pages)', async () => {
      await adminSets('password123')();
      const secret = new Secret({ size: 20 }).base32;
      await database.handle.db.updateTable('users').set({ totp_secret: secret, totp_last_step: null }).where('id', '=', danaId).execute();
      // The app's transactions wait, once armed, for the new password to commit first.
      let armed = false;
      const handle = handleWithPause(database.handle, async () => {
        if (!armed) return;
        armed = false;
        await adminSets('set while the code was checked')();
      });
      const { app } = await buildApp({ handle, clock: ctx.clock, config: TEST_CONFIG });
      try {
        await app.ready();
        const client = new Client(app);
        expect((await client.login('dana')).headers.location).toBe('/agents/login/two-factor/');
        const form = await client.get('/agents/login/two-factor/');
        const before = await sessionsOfDana();
        armed = true;
        const answer = await client.post('/agents/login/two-factor/', { code: TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() }), _csrf: csrfFrom(form.body) });
        expect(armed, 'the new password was set during the step').toBe(false);
        expect(answer.statusCode).toBe(303);
        expect(answer.headers.location).toBe('/agents/login/');
        expect(client.cookie('hd_session')).toBeUndefined();
        expect(await sessionsOfDana()).toBe(before);
        expect((await client.get('/agents/login/')).body).toContain('Please log in again.');
      } finally {
        await app.close();
        await database.handle.db.updateTable('users').set({ totp_secret: null, totp_last_step: null }).where('id', '=', danaId).execute();
      }
    });
  });
}
