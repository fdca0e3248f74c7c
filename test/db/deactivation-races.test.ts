/**
 * A login, or the availability switch, racing the account's deactivation (found while building the routing model's
 * interleavings, issue 24): login checks the password and that the account is active before its routing transaction (the
 * hash takes tens of milliseconds, outside the lock); a deactivation committing in between must
 * still refuse the login. Before the fix, the login went on: it stored a session for the
 * deactivated account and set it available, so a later reactivation brought back a session nobody
 * logged in with, and an "available" agent that no routing transaction had seen arrive (a ticket
 * waiting while it had room: I3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deactivateUser, reactivateUser } from '../../src/services/admin.js';
import { login } from '../../src/services/auth.js';
import { changePresence } from '../../src/services/presence.js';
import type { ServiceContext } from '../../src/services/context.js';
import { DIALECTS, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { queueViolations } from '../support/invariants.js';
import { handleWithPause, raceStage } from '../support/pause.js';

for (const dialect of DIALECTS) {
  describe(`a login or the availability switch racing a deactivation (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let adminId: number;
    let agentId: number;

    beforeAll(async () => {
      ({ database, ctx, adminId, agentId } = await raceStage(dialect));
    });
    afterAll(() => database.drop());

    it('is refused when the deactivation commits after the password check, and leaves no session or presence behind', async () => {
      const pending = await intakeTicket(ctx, { name: 'Carla', email: 'carla@example.com', title: 'Help', description: 'Please.', priority: 'medium' });
      expect(pending.agent_id).toBeNull();
      const racing = { ...ctx, handle: handleWithPause(database.handle, () => deactivateUser(ctx, adminId, agentId)) };

      await expect(login(racing, 'dana', 'password123', { idleMinutes: 480 })).rejects.toMatchObject({ code: 'unauthenticated' });

      const db = database.handle.db;
      expect(await db.selectFrom('sessions').select('id').where('user_id', '=', agentId).execute()).toEqual([]);
      expect(await db.selectFrom('users').select(['active', 'presence']).where('id', '=', agentId).executeTakeFirstOrThrow()).toEqual({ active: 0, presence: 'offline' });
      // Back in the team: offline until it logs in, so the waiting ticket breaks no rule.
      await reactivateUser(ctx, adminId, agentId);
      expect(await queueViolations(db)).toEqual([]);
      expect(await db.selectFrom('sessions').select('id').where('user_id', '=', agentId).execute()).toEqual([]);
    });

    // The same race for the availability switch (the page's and the API's): its request was
    // authenticated, then the deactivation committed before its routing transaction. Found by the
    // routing model (MODEL_SEED=1222529506 MODEL_RUNS=80, SQLite): the switch set the deactivated
    // agent available, and once reactivated it stood available with room beside a waiting ticket.
    for (const presence of ['available', 'away'] as const) {
      it(`refuses the availability switch (${presence}) when the deactivation commits after its request was authenticated`, async () => {
        await login(ctx, 'dana', 'password123', { idleMinutes: 480 });
        const racing = { ...ctx, handle: handleWithPause(database.handle, () => deactivateUser(ctx, adminId, agentId)) };

        await expect(changePresence(racing, agentId, presence)).rejects.toMatchObject({ code: 'unauthenticated' });

        const db = database.handle.db;
        const row = () => db.selectFrom('users').select(['active', 'presence']).where('id', '=', agentId).executeTakeFirstOrThrow();
        expect(await row()).toEqual({ active: 0, presence: 'offline' });
        await reactivateUser(ctx, adminId, agentId);
        expect(await row()).toEqual({ active: 1, presence: 'offline' });
        expect(await queueViolations(db)).toEqual([]);
      });
    }
  });
}
