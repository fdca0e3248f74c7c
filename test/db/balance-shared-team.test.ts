/**
 * §12's R3: "only between agents who share a team, only a ticket of a shared team whose skills the
 * taker holds". A donor in two teams may hold a ticket of a team the taker is not in but may take
 * from the queue through an opened overflow; balancing must not hand it over (it is not a ticket
 * of a team the two share), on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTeam, validateTopic } from '../../src/core/teamInput.js';
import type { ServiceContext } from '../../src/services/context.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { type AdminActor, saveTeam, saveTopic, setAgentTeamsAndSkills } from '../../src/services/teams.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';

const MIN = 60_000;
const form = (i: number, topic: string) => ({ name: `C ${i}`, email: `c${i}@example.com`, title: `T ${i}`, description: 'Help', priority: 'medium', topic });

for (const dialect of DIALECTS) {
  describe(`R3 balances only tickets of a team donor and taker share (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    const clock = new FakeClock(Date.UTC(2026, 11, 4, 10, 0, 0));
    const db = () => database.handle.db;

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = { handle: database.handle, clock, publicUrl: 'http://helpdesk.test' };
    });
    afterAll(() => database.drop());

    it('a taker reaching the donor’s newest ticket only through its team’s overflow gets the donor’s ticket of their shared team instead', async () => {
      const admin: AdminActor = { id: await addStaff(ctx, 'root', { role: 'admin' }), username: 'root', address: '127.0.0.1' };
      const don = await addStaff(ctx, 'don', { capacity: 5 });
      const tia = await addStaff(ctx, 'tia', { capacity: 5 });
      await saveTeam(ctx, admin, validateTeam({ name: 'Tier 2' }));
      // Front's waiting tickets may also go to Tier 2 after 5 minutes.
      await saveTeam(ctx, admin, validateTeam({ name: 'Front', overflow_team: 'Tier 2', overflow_after_minutes: '5' }));
      await saveTopic(ctx, admin, validateTopic({ name: 'Escalation', team: 'Tier 2' }));
      await saveTopic(ctx, admin, validateTopic({ name: 'Question', team: 'Front' }));
      await setAgentTeamsAndSkills(ctx, admin, don, { teams: ['Front', 'Tier 2'] });
      await setAgentTeamsAndSkills(ctx, admin, tia, { teams: ['Tier 2'] });
      await changePresence(ctx, don, 'available');
      const intake = new TicketIntake(ctx);
      const escalation = await intake.submit(form(1, 'Escalation'));
      clock.advance(MIN);
      const question = await intake.submit(form(2, 'Question'));
      expect([escalation.agent_id, question.agent_id]).toEqual([don, don]);
      // Past Front's overflow wait: were the Front ticket waiting, tia could take it from the queue.
      clock.advance(10 * MIN);
      await changePresence(ctx, tia, 'available');
      const holders = await db().selectFrom('tickets').select(['id', 'agent_id']).orderBy('id').execute();
      expect(holders).toEqual([
        { id: escalation.id, agent_id: tia },
        { id: question.id, agent_id: don },
      ]);
      expect([...(await capacityViolations(db())), ...(await historyViolations(db()))]).toEqual([]);
    });
  });
}
