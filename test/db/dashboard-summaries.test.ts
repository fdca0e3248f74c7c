/**
 * The all-time dashboard reads open tickets from open_ticket_summary, overdue ones as open minus
 * those not yet due (tickets_sla_watch), and percentiles from resolution_histogram plus one short
 * index read. Whatever is written to tickets (rows inserted, changed and deleted directly, agents
 * moved and tickets closed through the repository), the tables must equal a recount of the tickets,
 * and the all-time figures those computed from every ticket the slow way, at several instants.
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '../../bench/seed.js';
import type { Db } from '../../src/db/connect.js';
import { durationAtQuery, FIRST_RESPONSE, RESOLUTION } from '../../src/repositories/durationQuantiles.js';
import { countByState, unmarkedOverdueQuery } from '../../src/repositories/stats.js';
import { markClosed, setTicketAgent } from '../../src/repositories/tickets.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { addAgents, allTickets, EDGE_RESOLUTIONS, expectAllTimeStatsMatchScan, expectSummariesMatchTickets, insertTickets, randomTickets, rng, type Rng } from './summaries-support.js';

/** Every figure of the current schema, ratings (§13) among the generated rows. */
const WITH_RATINGS = { sla: true, csat: true };
const M = 60_000;
/** Teams and stored skills a ticket is moved between (ids need no rows: tickets.team_id has no foreign key). */
const TEAMS = [1, 2, 3];
const SKILLS = ['[]', '[{"id":1,"name":"German","after":600000}]', '[{"id":2,"name":"Legal","after":null}]'];
const H = 60 * M;
const D = 24 * H;

/** Instants to judge overdue at: now (when the marks were made) and later, plus some deadlines exactly. */
async function instants(db: Db, now: number, r: Rng): Promise<number[]> {
  const open = (await allTickets(db)).filter((t) => t.status === 'open' && t.sla_due_at >= now);
  const exact = open.length === 0 ? [] : [r.pick(open).sla_due_at, r.pick(open).sla_due_at];
  return [now, now + 1, now + 45_000, now + 5 * M, now + 2 * H, now + 3 * D, ...exact];
}

/** Changes through the repository and by hand: agents moved, tickets closed, reopened, re-timed, repriced. */
async function churn(db: Db, r: Rng, now: number, agents: readonly number[], used: number[]): Promise<void> {
  const tickets = await allTickets(db);
  for (const t of tickets) {
    const roll = r.next();
    if (t.status === 'open') {
      if (roll < 0.15) await setTicketAgent(db, { ticketId: t.id, from: t.agent_id, to: r.chance(0.3) ? null : r.pick(agents) }, now);
      else if (roll < 0.3) await markClosed(db, t.id, t.created_at + (r.chance(0.3) ? r.pick(EDGE_RESOLUTIONS) : r.int(0, 5 * H)));
      else if (roll < 0.35) await db.updateTable('tickets').set({ priority: r.pick(['high', 'medium', 'low'] as const) }).where('id', '=', t.id).execute();
      else if (roll < 0.4 && t.sla_due_at < now && t.sla_breached_at === null) {
        // The monitor's mark (open_breach_summary and the resolution counts follow it).
        await db.updateTable('tickets').set({ sla_breached_at: now }).where('id', '=', t.id).where('sla_due_at', '<', now).execute();
      } else if (roll < 0.5) {
        // §11 columns: a first reply (kept once set, as the services write it), a recorded first-response breach, next-reply clocks counted.
        await db.updateTable('tickets').set({ first_response_at: sql<number>`coalesce(first_response_at, ${now})` }).where('id', '=', t.id).execute();
      } else if (roll < 0.55 && t.first_response_due_at !== null && t.first_response_at === null) {
        await db.updateTable('tickets').set({ first_response_breached_at: now }).where('id', '=', t.id).execute();
      } else if (roll < 0.6) {
        const counter = r.chance(0.5) ? 'next_reply_met' : 'next_reply_breached';
        await db.updateTable('tickets').set({ [counter]: sql<number>`${sql.ref(counter)} + 1` }).where('id', '=', t.id).execute();
      }
    } else if (roll < 0.08) {
      await db.updateTable('tickets').set({ status: 'open', closed_at: null }).where('id', '=', t.id).execute();
    } else if (roll < 0.16) {
      const closedAt = t.created_at + (r.chance(0.5) ? r.pick(used) : r.pick(EDGE_RESOLUTIONS));
      await db.updateTable('tickets').set({ closed_at: closedAt, agent_id: r.chance(0.5) ? null : r.pick(agents) }).where('id', '=', t.id).execute();
    } else if (roll < 0.2) {
      await db.updateTable('tickets').set({ created_at: t.created_at - r.int(0, 3 * H), priority: r.pick(['high', 'medium', 'low'] as const) }).where('id', '=', t.id).execute();
    } else if (roll < 0.24) {
      await db.updateTable('tickets').set({ first_response_at: r.chance(0.3) ? null : t.created_at + r.pick(EDGE_RESOLUTIONS), first_response_due_at: r.chance(0.3) ? null : t.created_at + 4 * M }).where('id', '=', t.id).execute();
    } else if (roll < 0.4) {
      // §13: rated, re-rated or cleared (csat_summary follows).
      await db.updateTable('tickets').set({ csat_score: r.pick(['good', 'bad', null] as const), csat_rated_at: now }).where('id', '=', t.id).execute();
    }
    // §12: another team or other skills (pending_team_summary follows a waiting ticket's kind).
    if (r.chance(0.1)) await db.updateTable('tickets').set(r.chance(0.5) ? { team_id: r.pick(TEAMS) } : { required_skills: r.pick(SKILLS) }).where('id', '=', t.id).execute();
  }
  // One statement changing many rows at once: both kinds of trigger see every row.
  const some = tickets.filter(() => r.chance(0.1)).map((t) => t.id);
  if (some.length > 0) await db.updateTable('tickets').set({ status: 'closed', closed_at: sql<number>`created_at + 610000` }).where('id', 'in', some).where('status', '=', 'open').execute();
  // And many ratings and agents at once.
  const rated = tickets.filter(() => r.chance(0.1)).map((t) => t.id);
  if (rated.length > 0) await db.updateTable('tickets').set({ csat_score: sql<'good' | 'bad'>`case when id % 2 = 0 then 'good' else 'bad' end`, agent_id: r.pick(agents) }).where('id', 'in', rated).execute();
}

for (const dialect of DIALECTS) {
  describe(`open-ticket summary and resolution histogram (${dialect})`, () => {
    let database: TestDatabase;
    const db = () => database.handle.db;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
    });
    afterAll(() => database.drop());

    for (const seedValue of [1, 2]) {
      it(`follow random tickets inserted, changed and deleted, and the all-time figures equal a full count (seed ${seedValue})`, async () => {
        const r = rng(seedValue);
        const clock = new FakeClock();
        const now = clock.now();
        const agents = await addAgents(db(), `s${seedValue}agent`, 4);
        const used: number[] = [];
        await db().deleteFrom('tickets').execute();
        await expectSummariesMatchTickets(db());

        await insertTickets(db(), randomTickets(r, 400, now, agents, used, WITH_RATINGS));
        await expectSummariesMatchTickets(db());
        await expectAllTimeStatsMatchScan(db(), dialect, await instants(db(), now, r));

        clock.advance(10 * M);
        await churn(db(), r, clock.now(), agents, used);
        await expectSummariesMatchTickets(db());
        await expectAllTimeStatsMatchScan(db(), dialect, await instants(db(), clock.now(), r));

        const doomed = (await allTickets(db())).filter(() => r.chance(0.2)).map((t) => t.id);
        await db().deleteFrom('tickets').where('id', 'in', doomed).execute();
        await insertTickets(db(), randomTickets(r, 100, clock.now(), agents, used, WITH_RATINGS));
        await expectSummariesMatchTickets(db());
        await expectAllTimeStatsMatchScan(db(), dialect, await instants(db(), clock.now(), r));
        expect(Number((await countByState(db())).closed)).toBeGreaterThan(100);
      });
    }

    it('an empty table gives empty figures', async () => {
      await db().deleteFrom('tickets').execute();
      await expectSummariesMatchTickets(db());
      await expectAllTimeStatsMatchScan(db(), dialect, [new FakeClock().now()]);
      expect(await countByState(db())).toEqual({ pending: 0, open: 0, closed: 0 });
    });

    it('reads the open tickets past due and unmarked through tickets_sla_watch, a resolution through tickets_resolution, a first response through tickets_first_response_time', async () => {
      const r = rng(7);
      const now = new FakeClock().now();
      const agents = await addAgents(db(), 'plan', 2);
      await insertTickets(db(), randomTickets(r, 2000, now, agents, []));
      // As a running monitor keeps it: every open ticket past its deadline is marked (within a second).
      await db().updateTable('tickets').set({ sla_breached_at: now }).where('status', '=', 'open').where('sla_breached_at', 'is', null).where('sla_due_at', '<', now).execute();
      await sql`analyze`.execute(db());
      const queries = {
        tickets_sla_watch: unmarkedOverdueQuery(dialect, now).compile(db()),
        tickets_resolution: durationAtQuery(RESOLUTION, dialect, 600_000, 3).compile(db()),
        tickets_first_response_time: durationAtQuery(FIRST_RESPONSE, dialect, 600_000, 3).compile(db()),
      };
      for (const [index, query] of Object.entries(queries)) {
        const explain = dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
        const plan = await db()
          .transaction()
          .execute(async (trx) => {
            // Small as the table is, PostgreSQL might read all of it; forbid that to see which index it picks.
            if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
            return trx.executeQuery(CompiledQuery.raw(explain + query.sql, [...query.parameters]));
          });
        const text = JSON.stringify(plan.rows);
        expect(text).toContain(index);
        // The durations come in index order: no sort of the closed or answered tickets.
        if (index !== 'tickets_sla_watch') expect(text).not.toMatch(/TEMP B-TREE FOR ORDER BY|Sort/);
      }
    });
  });

  describe(`the bench seeder's derived tables (${dialect})`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
    });
    afterAll(() => database.drop());

    it('equal what the triggers would have kept', async () => {
      const now = new FakeClock().now();
      await seed(database.handle, { tickets: 3000, agents: 5, freshAgents: 1, now });
      const db = database.handle.db;
      await expectSummariesMatchTickets(db);
      await expectAllTimeStatsMatchScan(db, dialect, [now, now + 3 * M, now + 2 * H]);
      // And the triggers take over from there (ids in creation order: 2400 closed, 25 held, the rest pending).
      expect(await setTicketAgent(db, { ticketId: 3000, from: null, to: 2 }, now)).toBe(true);
      expect(await markClosed(db, 2401, now + 1)).toBe(true);
      await expectSummariesMatchTickets(db);
    });
  });
}
