/**
 * Migration 2026-11-27T1600 on a database that already has tickets: its backfill gives the tables
 * the triggers would have kept, and its `down` leaves a schema where tickets are written as before
 * (no trigger left pointing at a dropped table) and the migration can run again.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { describeMigration, migrator } from './migration-support.js';
import { setTicketAgent } from '../../src/repositories/tickets.js';
import { FakeClock } from '../support/clock.js';
import { addAgents, allTickets, expectAllTimeStatsMatchScan, expectSummariesMatchTickets, insertTickets, randomTickets, rng } from './summaries-support.js';

const BEFORE = '2026-11-27T1500-closed-ticket-summary';
const NAME = '2026-11-27T1600-open-summary-resolution-histogram';

/** The migration run (up or down) was exactly `name`, and it succeeded. */
async function expectOk(result: Promise<{ error?: unknown; results?: { migrationName: string; status: string }[] }>, name: string): Promise<void> {
  const { error, results } = await result;
  expect(error).toBeUndefined();
  expect(results?.map((r) => [r.migrationName, r.status])).toEqual([[name, 'Success']]);
}

async function tableExists(db: Db, dialect: string, table: string): Promise<boolean> {
  const { rows } =
    dialect === 'postgres'
      ? await sql<{ n: number }>`select count(*) as n from information_schema.tables where table_schema = current_schema() and table_name = ${table}`.execute(db)
      : await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  return Number(rows[0]!.n) === 1;
}

async function resolutionIndexExists(db: Db, dialect: string): Promise<boolean> {
  const { rows } =
    dialect === 'postgres'
      ? await sql<{ n: number }>`select count(*) as n from pg_indexes where schemaname = current_schema() and indexname = 'tickets_resolution'`.execute(db)
      : await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'index' and name = 'tickets_resolution'`.execute(db);
  return Number(rows[0]!.n) === 1;
}

describeMigration(NAME, (db, dialect) => {

  // Closing as the code of that time did: the tickets table had no later columns yet (waiting_on).
  const closeAsOfThen = (id: number, now: number) => db().updateTable('tickets').set({ status: 'closed', closed_at: now }).where('id', '=', id).where('status', '=', 'open').execute();

  it('goes down to 1500, and back up over existing tickets with the backfilled tables equal to a recount', async () => {
    const m = await migrator(db(), dialect);
    // Later migrations come off first, so that this one is the latest (they go back on at the end).
    expect((await m.migrateTo(NAME)).error).toBeUndefined();
    await expectOk(m.migrateTo(BEFORE), NAME);
    expect(await tableExists(db(), dialect, 'open_ticket_summary')).toBe(false);
    expect(await tableExists(db(), dialect, 'resolution_histogram')).toBe(false);
    // SQLite has had the index since 2026-11-27T1400; PostgreSQL gets it here.
    expect(await resolutionIndexExists(db(), dialect)).toBe(dialect === 'sqlite');

    // Tickets written at 1500: inserted, moved, closed, deleted, with no trigger of 1600 left to fail.
    const r = rng(11);
    const clock = new FakeClock();
    const agents = await addAgents(db(), 'mig', 3);
    // Rows and summaries of that time (§11's columns and tables came later).
    const then = { sla: false };
    await insertTickets(db(), randomTickets(r, 300, clock.now(), agents, [], then));
    const open = (await allTickets(db())).filter((t) => t.status === 'open');
    await setTicketAgent(db(), { ticketId: open[0]!.id, from: open[0]!.agent_id, to: agents[0]! }, clock.now());
    await closeAsOfThen(open[1]!.id, clock.now());
    await db().deleteFrom('tickets').where('id', '=', open[2]!.id).execute();

    await expectOk(m.migrateTo(NAME), NAME);
    expect(await resolutionIndexExists(db(), dialect)).toBe(true);
    await expectSummariesMatchTickets(db(), then);

    // The triggers keep them from there.
    clock.advance(60_000);
    await insertTickets(db(), randomTickets(r, 50, clock.now(), agents, [], then));
    await closeAsOfThen(open[3]!.id, clock.now());
    await setTicketAgent(db(), { ticketId: open[4]!.id, from: open[4]!.agent_id, to: null }, clock.now());
    await expectSummariesMatchTickets(db(), then);

    // And down once more, then up again: the same tables again.
    await expectOk(m.migrateTo(BEFORE), NAME);
    await db().updateTable('tickets').set({ priority: 'high' }).where('id', '=', open[5]!.id).execute();
    await expectOk(m.migrateTo(NAME), NAME);
    await expectSummariesMatchTickets(db(), then);
    // The figures of today's code read later tables too: checked once every migration is on.
    expect((await m.migrateToLatest()).error).toBeUndefined();
    await expectSummariesMatchTickets(db());
    await expectAllTimeStatsMatchScan(db(), dialect, [clock.now(), clock.now() + 5 * 60_000, clock.now() + 2 * 86_400_000]);
  });
});
