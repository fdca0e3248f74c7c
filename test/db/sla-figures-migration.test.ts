/**
 * Migration 2026-12-03T0900 on a database that already has tickets: its backfill gives the tables
 * the triggers would have kept (a breach recorded before §11, an sla_breached event without a
 * metric and the ticket's sla_breached_at, counts as a resolution breach; recorded next-reply
 * breaches give the tickets' counters), and its `down` leaves a schema where tickets are written as
 * before and the migration can run again.
 */
import { expect, it } from 'vitest';
import { describeMigration, migrateTo, migrator } from './migration-support.js';
import { FakeClock } from '../support/clock.js';
import { addAgents, allTickets, expectAllTimeStatsMatchScan, expectSummariesMatchTickets, insertTickets, randomTickets, rng } from './summaries-support.js';

const BEFORE = '2026-12-02T1900-business-hours';
const NAME = '2026-12-03T0900-sla-figures';
/** The schema right after this migration: §11's summaries, no §13 csat_summary yet. */
const AT_THIS_MIGRATION = { sla: true, csat: false };

describeMigration(NAME, (db, dialect) => {

  it('backfills the figures from the tickets and their recorded breaches, goes down, and up again', async () => {
    const m = await migrator(db(), dialect);
    await migrateTo(m, BEFORE);
    const r = rng(21);
    const clock = new FakeClock();
    const agents = await addAgents(db(), 'fig', 3);
    // Tickets of that schema: §11 columns, no per-ticket next-reply counters yet.
    const rows = randomTickets(r, 300, clock.now(), agents, []).map(({ next_reply_met: _met, next_reply_breached: _breached, ...row }) => row);
    await insertTickets(db(), rows);
    const tickets = await allTickets(db());
    // Breach events as they were written: before §11 without a metric, then naming it.
    const events = tickets.flatMap((t, i) => [
      ...(t.sla_breached_at === null ? [] : [{ ticket_id: t.id, type: 'sla_breached' as const, at: t.sla_breached_at, from_agent_id: null, to_agent_id: null, actor_id: null, metric: i % 2 === 0 ? null : ('resolution' as const) }]),
      ...(i % 7 === 0 ? [1, 2].map((k) => ({ ticket_id: t.id, type: 'sla_breached' as const, at: t.created_at + k, from_agent_id: null, to_agent_id: null, actor_id: null, metric: 'next_reply' as const })) : []),
    ]);
    await db().insertInto('ticket_events').values(events).execute();

    await migrateTo(m, NAME);
    const after = await allTickets(db());
    expect(after.map((t) => [t.id, t.next_reply_met, t.next_reply_breached])).toEqual(tickets.map((t, i) => [t.id, 0, i % 7 === 0 ? 2 : 0]));
    // Resolution breaches recorded before §11 count: every open ticket with sla_breached_at.
    const recorded = after.filter((t) => t.status === 'open' && t.sla_breached_at !== null).length;
    expect(recorded).toBeGreaterThan(0);
    const summary = await db().selectFrom('open_breach_summary').select((eb) => eb.fn.sum<number>('breached').as('n')).executeTakeFirstOrThrow();
    expect(Number(summary.n)).toBe(recorded);
    await expectSummariesMatchTickets(db(), AT_THIS_MIGRATION);

    // The triggers keep them from there; down and up again rebuilds the same.
    clock.advance(60_000);
    await insertTickets(db(), randomTickets(r, 50, clock.now(), agents, []));
    await db().updateTable('tickets').set({ status: 'closed', closed_at: clock.now() }).where('id', '=', after.find((t) => t.status === 'open')!.id).execute();
    await expectSummariesMatchTickets(db(), AT_THIS_MIGRATION);
    await migrateTo(m, BEFORE);
    await db().updateTable('tickets').set({ first_response_at: clock.now() }).where('first_response_at', 'is', null).where('status', '=', 'open').execute();
    await migrateTo(m, NAME);
    await expectSummariesMatchTickets(db(), AT_THIS_MIGRATION);
    expect((await m.migrateToLatest()).error).toBeUndefined();
    // Today's stats read tables of later migrations too (csat_summary): judged at the latest schema.
    await expectSummariesMatchTickets(db());
    await expectAllTimeStatsMatchScan(db(), dialect, [clock.now(), clock.now() + 2 * 86_400_000]);
  });
});
