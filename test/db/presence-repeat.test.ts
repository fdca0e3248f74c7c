/**
 * The availability switch and `PUT /api/v1/agents/me/presence` set a presence; setting the one the
 * agent already has changes nothing. It is no trigger of R2/R3 (the agent gained no room) nor of R5
 * (the agent did not become unavailable): a script repeating its PUT, or a second click, must not
 * undo an admin's placement (R6) by balancing it away or releasing it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../src/services/context.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { reassignTicket, updateSettings } from '../../src/services/admin.js';
import type { AdminActor } from '../../src/services/teams.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, type TestDatabase } from '../support/db.js';
import { deskOfTwo } from '../support/deskOfTwo.js';
import { resetPresence } from '../support/presence.js';

const form = (i: number) => ({ name: `C ${i}`, email: `c${i}@example.com`, title: `T ${i}`, description: 'Help', priority: 'medium' });

for (const dialect of DIALECTS) {
  describe(`setting the presence an agent already has (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    const clock = new FakeClock(Date.UTC(2026, 11, 6, 10, 0, 0));
    let admin: AdminActor;
    let ana: number;
    let bo: number;
    let intake: TicketIntake;
    let n = 0;
    const db = () => database.handle.db;
    const holders = async () => (await db().selectFrom('tickets').select(['id', 'agent_id']).where('status', '=', 'open').orderBy('id').execute()).map((t) => t.agent_id);
    const historyRows = async (id: number) => (await db().selectFrom('presence_history').select('id').where('user_id', '=', id).execute()).length;

    beforeAll(async () => {
      ({ database, ctx, admin, ana, bo } = await deskOfTwo(dialect, clock));
      intake = new TicketIntake(ctx);
    });
    afterAll(() => database.drop());
    beforeEach(async () => {
      await db().updateTable('tickets').set({ status: 'closed', closed_at: clock.now() }).where('status', '=', 'open').execute();
      await resetPresence(db(), clock.now());
      clock.advance(1000);
    });

    it('available again does not balance away a ticket the admin just moved from the agent', async () => {
      await changePresence(ctx, ana, 'available');
      await changePresence(ctx, bo, 'available');
      const first = await intake.submit(form(++n));
      clock.advance(1000);
      const second = await intake.submit(form(++n));
      expect([first.agent_id, second.agent_id]).toEqual([ana, bo]);
      // The admin wants bo to handle both; ana holds nothing now.
      await reassignTicket(ctx, admin, first.id, 'bo');
      expect(await holders()).toEqual([bo, bo]);
      const rows = await historyRows(ana);
      await changePresence(ctx, ana, 'available');
      expect(await holders()).toEqual([bo, bo]);
      expect(await historyRows(ana)).toBe(rows);
    });

    it('away again does not release a ticket the admin gave the away agent (release on logout on)', async () => {
      await updateSettings(ctx, admin, (s) => ({ ...s, releaseOnLogout: true }));
      try {
        await changePresence(ctx, bo, 'available');
        await changePresence(ctx, ana, 'away');
        const ticket = await intake.submit(form(++n));
        expect(ticket.agent_id).toBe(bo);
        // The admin gives it to ana although she is away (R6: any agent, whatever its presence).
        await reassignTicket(ctx, admin, ticket.id, 'ana');
        expect(await changePresence(ctx, ana, 'away')).toBe(0);
        expect(await holders()).toEqual([ana]);
      } finally {
        await updateSettings(ctx, admin, (s) => ({ ...s, releaseOnLogout: false }));
      }
    });
  });
}
