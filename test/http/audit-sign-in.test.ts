/**
 * The audit log's foundation (SPEC §15, issue 19 item 4, partly): every sign-in, success or
 * failure, with actor, time and address; an entry commits with its change or not at all; and no
 * password, token, secret or code ever reaches the table.
 */
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/db/transaction.js';
import { audit } from '../../src/services/audit.js';
import { renewRecoveryCodes } from '../../src/services/twoFactor.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { codeAt, TOTP_STEP_MS } from '../support/totp.js';

for (const dialect of DIALECTS) {
  describe(`audit log of sign-ins (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock(Date.UTC(2026, 11, 3, 10, 0, 0));
    let gus: number;
    const db = () => t.ctx.handle.db;
    const rows = () => db().selectFrom('audit_log').selectAll().orderBy('id').execute();

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      gus = await addStaff(t.ctx, 'gus');
    });
    afterAll(() => t.close());

    it('records a successful and a failed sign-in with time, address and who', async () => {
      const before = (await rows()).length;
      expect((await new Client(t.app, { remoteAddress: '198.51.100.7' }).login('gus')).statusCode).toBe(303);
      expect((await new Client(t.app, { remoteAddress: '198.51.100.8' }).login('Gus', 'wrong-password-1')).statusCode).toBe(401);
      expect((await new Client(t.app, { remoteAddress: '198.51.100.9' }).login('nobody', 'wrong-password-2')).statusCode).toBe(401);
      const added = (await rows()).slice(before).map(({ id: _id, ...rest }) => ({ ...rest, at: Number(rest.at) }));
      expect(added).toEqual([
        { at: clock.now(), actor_id: gus, actor_name: 'gus', action: 'sign_in', subject: `user:${gus}`, address: '198.51.100.7', before_json: null, after_json: null },
        { at: clock.now(), actor_id: null, actor_name: '', action: 'sign_in.failed', subject: 'gus', address: '198.51.100.8', before_json: null, after_json: '{"step":"password"}' },
        { at: clock.now(), actor_id: null, actor_name: '', action: 'sign_in.failed', subject: 'nobody', address: '198.51.100.9', before_json: null, after_json: '{"step":"password"}' },
      ]);
    });

    it('keeps a long username typed at a failed sign-in to 200 units without cutting a character in half, alike on both engines', async () => {
      // An emoji (two UTF-16 units) across the 200th unit: its first half alone was stored, which
      // SQLite keeps as bytes that are not UTF-8 (read back as three U+FFFD) and PostgreSQL as one.
      const typed = `${'a'.repeat(199)}😀tail`;
      expect((await new Client(t.app, { remoteAddress: '198.51.100.11' }).login(typed, 'wrong-password-3')).statusCode).toBe(401);
      expect((await rows()).at(-1)).toMatchObject({ action: 'sign_in.failed', subject: 'a'.repeat(199) });
    });

    it('records a wrong second-factor code as a failed sign-in', async () => {
      const secret = new Secret({ size: 20 }).base32;
      await db().updateTable('users').set({ totp_secret: secret }).where('id', '=', gus).execute();
      const client = new Client(t.app, { remoteAddress: '198.51.100.10' });
      await client.login('gus');
      const right = TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock.now() });
      await client.submit('/agents/login/two-factor/', { code: right === '000000' ? '111111' : '000000' });
      expect((await rows()).at(-1)).toMatchObject({ action: 'sign_in.failed', subject: 'gus', address: '198.51.100.10', after_json: '{"step":"second_factor"}' });
      expect((await client.submit('/agents/login/two-factor/', { code: right })).statusCode).toBe(303);
      expect((await rows()).at(-1)).toMatchObject({ action: 'sign_in', actor_id: gus, address: '198.51.100.10' });
      await db().updateTable('users').set({ totp_secret: null, totp_last_step: null }).where('id', '=', gus).execute();
    });

    it('says in a sign-in’s entry which second factor let it in: an app’s code, or a recovery code (the first sign that the codes are known)', async () => {
      const secret = 'JBSWY3DPEHPK3PXP';
      const jon = await addStaff(t.ctx, 'jon');
      await db().updateTable('users').set({ totp_secret: secret }).where('id', '=', jon).execute();
      const [code] = await renewRecoveryCodes(t.ctx, jon, 'password123', { token: undefined, idleMinutes: 60 });
      const from = '198.51.100.32';
      /** Signs in with the password and `typed`; the entries it added. */
      const signIn = async (typed: string) => {
        const before = (await rows()).length;
        const client = new Client(t.app, { remoteAddress: from });
        expect((await client.login('jon')).statusCode).toBe(303);
        expect((await client.submit('/agents/login/two-factor/', { code: typed })).statusCode).toBe(303);
        return (await rows()).slice(before).map(({ action, actor_id, subject, address, after_json }) => ({ action, actor_id, subject, address, after_json }));
      };
      const signedIn = (after: string) => [{ action: 'sign_in', actor_id: jon, subject: `user:${jon}`, address: from, after_json: after }];

      expect(await signIn(codeAt(secret, clock.now()))).toEqual(signedIn('{"second_factor":"totp"}'));
      clock.advance(TOTP_STEP_MS);
      expect(await signIn(code!)).toEqual(signedIn('{"second_factor":"recovery"}'));
      expect(JSON.stringify(await rows())).not.toContain(code!);
    });

    it('leaves no entry when the change it records is rolled back', async () => {
      const before = await rows();
      await expect(
        inTransaction(t.ctx.handle, async (trx) => {
          await trx.updateTable('users').set({ display_name: 'Rolled back' }).where('id', '=', gus).execute();
          await audit(trx, { actor: { id: gus, name: 'gus' }, action: 'user.update', subject: `user:${gus}`, address: '127.0.0.1', before: { display_name: 'Gus' }, after: { display_name: 'Rolled back' } }, clock.now());
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      expect(await rows()).toEqual(before);
      await inTransaction(t.ctx.handle, (trx) => audit(trx, { actor: { id: gus, name: 'gus' }, action: 'user.update', subject: `user:${gus}`, address: '127.0.0.1', after: { display_name: 'Kept', password: 'never-stored-1' } }, clock.now()));
      expect((await rows()).at(-1)).toMatchObject({ action: 'user.update', after_json: '{"display_name":"Kept","password":"[redacted]"}' });
    });

    it('holds no password, token, secret or code after all of the above', async () => {
      const text = JSON.stringify(await rows());
      for (const secret of ['password123', 'wrong-password-1', 'wrong-password-2', 'never-stored-1', 'hd_session']) expect(text).not.toContain(secret);
      const users = await db().selectFrom('users').select(['password_hash']).execute();
      for (const u of users) expect(text).not.toContain(u.password_hash);
    });
  });
}
