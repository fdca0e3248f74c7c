/**
 * A second step racing an admin's reset of the account's second factor (SPEC §15, README "Lost
 * phone"). The check reads the account's secret, works out which step the typed code matches, and
 * then records that step as used; a reset (or the owner turning it off, or a new secret) that
 * commits in between must win: the code of a secret the account no longer has passes nothing.
 */
import { createHash } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceRecoveryCodes } from '../../src/repositories/twoFactor.js';
import { findUserById } from '../../src/repositories/users.js';
import type { ServiceContext } from '../../src/services/context.js';
import { insertSession } from '../../src/repositories/sessions.js';
import { checkSecondFactor, renewRecoveryCodes, resetSecondFactor, turnOffSecondFactor } from '../../src/services/twoFactor.js';
import { DIALECTS, type TestDatabase } from '../support/db.js';
import { handleAfterFirstRead, handleWithPause, raceStage } from '../support/pause.js';

/** The admin acts without a browser session. */
const KEPT = { token: undefined, idleMinutes: 480 };
/** Another account's reset: the channel asks nothing (core/twoFactor.ts ownResetNeeds). */
const BY_TOKEN = { channel: 'token' } as const;

for (const dialect of DIALECTS) {
  describe(`a two-factor code racing an admin's reset (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let rootId: number;
    let danaId: number;
    const db = () => database.handle.db;
    const root = () => ({ id: rootId, username: 'root', address: '' });

    /** Dana's second factor: a new secret, no step used yet. */
    const enrol = async () => {
      const secret = new Secret({ size: 20 }).base32;
      await db().updateTable('users').set({ totp_secret: secret, totp_last_step: null }).where('id', '=', danaId).execute();
      return secret;
    };
    /** The context of a check during which `change` commits just after the check read the account. */
    const racing = (change: () => Promise<unknown>): ServiceContext => ({ ...ctx, handle: handleAfterFirstRead(database.handle, change) });

    beforeAll(async () => {
      ({ database, ctx, adminId: rootId, agentId: danaId } = await raceStage(dialect));
    });
    afterAll(() => database.drop());

    it("refuses a right code when the admin's reset commits between reading the secret and accepting the code", async () => {
      const secret = await enrol();
      let reset = false;
      const passed = await checkSecondFactor(
        racing(async () => (reset = await resetSecondFactor(ctx, root(), danaId, KEPT, BY_TOKEN))),
        danaId,
        TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() }),
      );
      expect(passed).toBeNull();
      expect(reset).toBe(true);
      // Nothing recorded on the account the reset cleared.
      expect(await findUserById(db(), danaId)).toMatchObject({ totp_secret: null, totp_last_step: null });
    });

    it('refuses the old secret\'s code when a new secret replaced it meanwhile (reset, then enrolled again)', async () => {
      const old = await enrol();
      let fresh = '';
      const passed = await checkSecondFactor(
        racing(async () => {
          await resetSecondFactor(ctx, root(), danaId, KEPT, BY_TOKEN);
          fresh = await enrol();
        }),
        danaId,
        TOTP.generate({ secret: Secret.fromBase32(old), timestamp: Date.now() }),
      );
      expect(passed).toBeNull();
      expect(await findUserById(db(), danaId)).toMatchObject({ totp_secret: fresh, totp_last_step: null });
    });

    it('refuses a recovery code when the reset commits after the check read the account (the reset deletes the codes)', async () => {
      await enrol();
      const code = 'abcde23456';
      await replaceRecoveryCodes(db(), danaId, [createHash('sha256').update(code).digest('hex')], Date.now());
      const passed = await checkSecondFactor(racing(() => resetSecondFactor(ctx, root(), danaId, KEPT, BY_TOKEN)), danaId, code);
      expect(passed).toBeNull();
    });

    it('still accepts a right code when nothing changed meanwhile (the race stage itself lets codes pass)', async () => {
      const secret = await enrol();
      const passed = await checkSecondFactor(racing(async () => undefined), danaId, TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() }));
      expect(passed).toEqual({ via: 'totp' });
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`turning one's second factor off twice (two tabs) (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let danaId: number;

    beforeAll(async () => {
      ({ database, ctx, agentId: danaId } = await raceStage(dialect));
    });
    afterAll(() => database.drop());

    it('turns it off once: the second says it is already off, writes no audit entry and ends no session', async () => {
      await database.handle.db.updateTable('users').set({ totp_secret: new Secret({ size: 20 }).base32 }).where('id', '=', danaId).execute();
      await turnOffSecondFactor(ctx, danaId, 'password123', KEPT);
      await insertSession(database.handle.db, 'a-browser-of-dana', danaId, Date.now());
      await expect(turnOffSecondFactor(ctx, danaId, 'password123', KEPT)).rejects.toMatchObject({ code: 'conflict', message: 'Two-factor sign-in is already off.' });
      const entries = await database.handle.db.selectFrom('audit_log').select('action').where('action', '=', 'account.two_factor_off').execute();
      expect(entries).toHaveLength(1);
      expect(await database.handle.db.selectFrom('sessions').select('id').where('user_id', '=', danaId).execute()).toEqual([{ id: 'a-browser-of-dana' }]);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`new recovery codes racing an admin's reset (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let rootId: number;
    let danaId: number;

    beforeAll(async () => {
      ({ database, ctx, adminId: rootId, agentId: danaId } = await raceStage(dialect));
    });
    afterAll(() => database.drop());

    it('makes none when the reset commits after the password was checked: no codes without a second factor, no audit entry', async () => {
      const db = database.handle.db;
      await db.updateTable('users').set({ totp_secret: new Secret({ size: 20 }).base32 }).where('id', '=', danaId).execute();
      let done = false;
      const racing: ServiceContext = {
        ...ctx,
        handle: handleWithPause(database.handle, async () => (done ? undefined : ((done = true), resetSecondFactor(ctx, { id: rootId, username: 'root', address: '' }, danaId, KEPT, BY_TOKEN)))),
      };
      await expect(renewRecoveryCodes(racing, danaId, 'password123', KEPT)).rejects.toMatchObject({ code: 'conflict', message: 'Two-factor sign-in is off: there are no recovery codes to renew.' });
      expect(done).toBe(true);
      expect(await db.selectFrom('recovery_codes').select('id').where('user_id', '=', danaId).execute()).toEqual([]);
      expect(await db.selectFrom('audit_log').select('id').where('action', '=', 'account.recovery_codes_renewed').execute()).toEqual([]);
    });
  });
}
