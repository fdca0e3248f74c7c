import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTeam, validateTopic } from '../../src/core/teamInput.js';
import type { ServiceContext } from '../../src/services/context.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { requeueTicket } from '../../src/services/admin.js';
import { type AdminActor, saveTeam, saveTopic, setAgentTeamsAndSkills } from '../../src/services/teams.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, type TestDatabase } from '../support/db.js';
import { deskOfTwo } from '../support/deskOfTwo.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';

const form = (i: number, topic: string) => ({ name: `C ${i}`, email: `c${i}@example.com`, title: `T ${i}`, description: 'Help', priority: 'medium', topic });

for (const dialect of DIALECTS) {
  describe(`an admin's requeue with teams (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    const clock = new FakeClock(Date.UTC(2026, 11, 6, 10, 0, 0));
    let admin: AdminActor;
    let ana: number; // Support
    let bo: number; // Support
    let intake: TicketIntake;

    beforeAll(async () => {
      ({ database, ctx, admin, ana, bo } = await deskOfTwo(dialect, clock));
      const cy = await addStaff(ctx, 'cy'); // Billing only, offline: Billing's tickets wait
      await saveTeam(ctx, admin, validateTeam({ name: 'Billing' }));
      await setAgentTeamsAndSkills(ctx, admin, cy, { teams: ['Billing'] });
      await saveTopic(ctx, admin, validateTopic({ name: 'Invoices', team: 'Billing' }));
      intake = new TicketIntake(ctx);
      await changePresence(ctx, ana, 'available');
      await changePresence(ctx, bo, 'available');
    });
    afterAll(() => database.drop());

    it('a requeued ticket goes to another member with room although another team’s ticket waits ahead of it', async () => {
      // An older Billing ticket waits: nobody of Billing is available. Support's agents cannot take it.
      const billing = await intake.submit(form(1, 'Invoices'));
      expect(billing.agent_id).toBeNull();
      clock.advance(1000);
      const mine = await intake.submit(form(2, 'General'));
      clock.advance(1000);
      const other = await intake.submit(form(3, 'General'));
      expect([mine.agent_id, other.agent_id]).toEqual([ana, bo]);
      // The admin takes ana's ticket away: bo has room and may take it, so it goes to bo, not back to
      // ana (the Billing ticket waiting ahead is one bo may not take: it is not overtaken).
      const outcome = await requeueTicket(ctx, admin, mine.id);
      expect(outcome.agentId).toBe(bo);
      const rows = await database.handle.db.selectFrom('tickets').select(['id', 'agent_id']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: billing.id, agent_id: null },
        { id: mine.id, agent_id: bo },
        { id: other.id, agent_id: bo },
      ]);
      expect([...(await capacityViolations(database.handle.db)), ...(await historyViolations(database.handle.db))]).toEqual([]);
    });
  });
}
