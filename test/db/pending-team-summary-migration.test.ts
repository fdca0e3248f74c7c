/**
 * Migration 2026-12-14T0900 on a database that already has waiting tickets of several teams and
 * skills: its backfill gives the summary the triggers would have kept, the triggers keep it from
 * there, and its `down` leaves tickets writable as before and the migration able to run again.
 */
import { expect, it } from 'vitest';
import { setTicketAgent } from '../../src/repositories/tickets.js';
import { FakeClock } from '../support/clock.js';
import { describeMigration, migrateTo, migrator } from './migration-support.js';
import { addAgents, allTickets, expectSummariesMatchTickets, insertTickets, randomTickets, rng } from './summaries-support.js';

const BEFORE = '2026-12-13T0900-webhook-lanes';
const NAME = '2026-12-14T0900-pending-team-summary';
const SKILLS = ['[]', '[{"id":1,"name":"German","after":600000}]'];

describeMigration(NAME, (db, dialect) => {

  it('backfills the waiting tickets per team and skills, and the triggers keep them from there; down and up again', async () => {
    const m = await migrator(db(), dialect);
    await migrateTo(m, BEFORE);
    const r = rng(5);
    const clock = new FakeClock();
    const agents = await addAgents(db(), 'pts', 3);
    const before = { sla: true, csat: true, pendingTeams: false };
    const rows = randomTickets(r, 300, clock.now(), agents, [], before).map((row, i) => ({ ...row, team_id: 1 + (i % 3), required_skills: SKILLS[i % 2]! }));
    await insertTickets(db(), rows);

    await migrateTo(m, NAME);
    const waiting = (await allTickets(db())).filter((t) => t.status === 'open' && t.agent_id === null);
    expect(new Set(waiting.map((t) => `${t.team_id} ${t.required_skills}`)).size).toBe(6);
    await expectSummariesMatchTickets(db());

    // Assigned, requeued, moved to another team, given other skills, closed, deleted.
    const [a, b, c, d, e, f] = waiting;
    await setTicketAgent(db(), { ticketId: a!.id, from: null, to: agents[0]! }, clock.now());
    const held = (await allTickets(db())).find((t) => t.status === 'open' && t.agent_id !== null && t.id !== a!.id)!;
    await setTicketAgent(db(), { ticketId: held.id, from: held.agent_id, to: null }, clock.now());
    await db().updateTable('tickets').set({ team_id: 3 }).where('id', '=', b!.id).execute();
    await db().updateTable('tickets').set({ required_skills: SKILLS[1]! === c!.required_skills ? SKILLS[0]! : SKILLS[1]! }).where('id', '=', c!.id).execute();
    await db().updateTable('tickets').set({ status: 'closed', closed_at: clock.now() }).where('id', '=', d!.id).execute();
    await db().deleteFrom('tickets').where('id', 'in', [e!.id, f!.id]).execute();
    await expectSummariesMatchTickets(db());

    await migrateTo(m, BEFORE);
    await db().updateTable('tickets').set({ team_id: 2 }).where('id', '=', a!.id).execute();
    await insertTickets(db(), randomTickets(r, 20, clock.now(), agents, [], before));
    await migrateTo(m, NAME);
    await expectSummariesMatchTickets(db());
    expect((await m.migrateToLatest()).error).toBeUndefined();
  });
});
