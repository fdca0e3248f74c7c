/**
 * The §4 breach rule has one pure definition (core/sla.ts isBreached) and one SQL form
 * (repositories/breach.ts), which the API list, the admin browser and the admin figures use. Both
 * are run over the same rows, including the boundaries, and must agree; so must the three
 * repositories' answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBreached } from '../../src/core/sla.js';
import type { Priority } from '../../src/core/tickets.js';
import type { Db } from '../../src/db/connect.js';
import type { TicketRow } from '../../src/db/schema.js';
import { listTicketsPage } from '../../src/repositories/adminLists.js';
import { breachSql } from '../../src/repositories/breach.js';
import { agentFigures, ticketTotals } from '../../src/repositories/stats.js';
import { listTickets } from '../../src/repositories/ticketQueries.js';
import { insertTickets } from '../../src/repositories/tickets.js';
import { insertUser } from '../../src/repositories/users.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const NOW = Date.UTC(2026, 10, 27, 9, 0, 0);
const MIN = 60_000;

/** Deadline relative to NOW, the close relative to the deadline (null: open), and whether the monitor marked it. */
interface Case {
  name: string;
  dueIn: number;
  closedAfterDue: number | null;
  marked?: boolean;
}

// No open ticket is marked before its deadline: the monitor marks only past it, and the all-time
// figures rely on that (stats.ts notYetDueQuery).
const CASES: Case[] = [
  { name: 'open, exactly at the deadline', dueIn: 0, closedAfterDue: null },
  { name: 'open, 1 ms past the deadline', dueIn: -1, closedAfterDue: null },
  { name: 'open, before the deadline', dueIn: 5 * MIN, closedAfterDue: null },
  { name: 'open, long past the deadline, marked', dueIn: -60 * MIN, closedAfterDue: null, marked: true },
  { name: 'closed exactly at the deadline, deadline long gone', dueIn: -30 * MIN, closedAfterDue: 0 },
  { name: 'closed exactly at the deadline, now too', dueIn: 0, closedAfterDue: 0 },
  { name: 'closed 1 ms late', dueIn: -30 * MIN, closedAfterDue: 1 },
  { name: 'closed late, marked', dueIn: -30 * MIN, closedAfterDue: 10 * MIN, marked: true },
  { name: 'closed early, deadline long gone', dueIn: -30 * MIN, closedAfterDue: -1 },
  { name: 'closed early, deadline ahead', dueIn: 30 * MIN, closedAfterDue: -MIN },
  { name: 'closed late, after the caller read now', dueIn: 0, closedAfterDue: MIN },
  { name: 'closed exactly at the deadline, marked all the same', dueIn: -30 * MIN, closedAfterDue: 0, marked: true },
];

const PRIORITIES: Priority[] = ['high', 'medium', 'low'];

for (const dialect of DIALECTS) {
  describe(`the breach rule, core and SQL (${dialect})`, () => {
    let database: TestDatabase;
    let db: Db;
    let tickets: TicketRow[];
    const agents: number[] = [];
    const coreBreached = (t: TicketRow) => isBreached({ slaDueAt: t.sla_due_at, closedAt: t.closed_at }, NOW);
    const ids = (rows: readonly { id: number }[]) => rows.map((r) => r.id).sort((a, b) => a - b);

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      db = database.handle.db;
      for (const name of ['ann', 'ben']) {
        agents.push(await insertUser(db, { username: name, display_name: name, email: `${name}@team.test`, password_hash: 'x', role: 'agent', capacity: 50, presence: 'available', last_assigned_at: null, active: 1, created_at: 0 }));
      }
      // Every case at every priority, with an agent or waiting (closed ones always had an agent).
      const rows = CASES.flatMap((c, i) =>
        PRIORITIES.map((priority, p) => {
          const due = NOW + c.dueIn;
          const created = due - 2 * 60 * MIN;
          const closedAt = c.closedAfterDue === null ? null : due + c.closedAfterDue;
          const agentId = c.closedAfterDue === null && p === 2 ? null : agents[(i + p) % 2]!;
          return {
            token: `breach-${i}-${priority}`,
            customer_name: 'C',
            customer_email: 'c@example.com',
            title: c.name,
            description: 'D',
            priority,
            status: closedAt === null ? ('open' as const) : ('closed' as const),
            agent_id: agentId,
            created_at: created,
            assigned_at: agentId === null ? null : created,
            closed_at: closedAt,
            sla_due_at: due,
            sla_breached_at: c.marked ? Math.max(due + 1, created) : null,
          };
        }),
      );
      tickets = await insertTickets(db, rows);
    });

    afterAll(async () => {
      await database.drop();
    });

    it('the rows cover both outcomes', () => {
      expect(tickets.filter(coreBreached).length).toBeGreaterThan(0);
      expect(tickets.filter((t) => !coreBreached(t)).length).toBeGreaterThan(0);
    });

    it('the SQL form (qualified and not) says what the core says for every row', async () => {
      const qualified = breachSql(NOW, 't');
      const bare = breachSql(NOW);
      const fromSql = await db
        .selectFrom('tickets as t')
        .select(['t.id', qualified.breached.as('breached_t'), qualified.overdue.as('overdue_t'), qualified.late.as('late_t')])
        .orderBy('t.id')
        .execute();
      const bareRows = await db.selectFrom('tickets').select(['id', bare.breached.as('breached')]).orderBy('id').execute();
      const truth = (v: unknown) => v === true || Number(v) === 1;
      for (const [k, t] of tickets.entries()) {
        const label = `${t.title} (${t.priority})`;
        expect(truth(fromSql[k]!.breached_t), label).toBe(coreBreached(t));
        expect(truth(bareRows[k]!.breached), label).toBe(coreBreached(t));
        expect(truth(fromSql[k]!.overdue_t), label).toBe(t.status === 'open' && coreBreached(t));
        expect(truth(fromSql[k]!.late_t), label).toBe(t.status === 'closed' && coreBreached(t));
      }
    });

    it('breached and not breached split the tickets with nothing left over', async () => {
      const { breached } = breachSql(NOW, 't');
      const yes = await db.selectFrom('tickets as t').select('t.id').where(breached).execute();
      const no = await db.selectFrom('tickets as t').select('t.id').where((eb) => eb.not(breached)).execute();
      expect(ids(yes)).toEqual(ids(tickets.filter(coreBreached)));
      expect(ids(no)).toEqual(ids(tickets.filter((t) => !coreBreached(t))));
    });

    it('the API list filters by the same rule', async () => {
      const admin = { id: 0, role: 'admin' as const };
      const yes = await listTickets(db, admin, { breached: true, limit: 500, now: NOW });
      const no = await listTickets(db, admin, { breached: false, limit: 500, now: NOW });
      expect(ids(yes)).toEqual(ids(tickets.filter(coreBreached)));
      expect(ids(no)).toEqual(ids(tickets.filter((t) => !coreBreached(t))));
    });

    it('the admin browser filters by the same rule', async () => {
      const yes = await listTicketsPage(db, { breached: true }, NOW, { limit: 500 });
      const no = await listTicketsPage(db, { breached: false }, NOW, { limit: 500 });
      expect(ids(yes.rows)).toEqual(ids(tickets.filter(coreBreached)));
      expect(ids(no.rows)).toEqual(ids(tickets.filter((t) => !coreBreached(t))));
    });

    it('the admin figures count by the same rule, for a window and for all time', async () => {
      const count = (where: (t: TicketRow) => boolean) => tickets.filter(where).length;
      for (const since of [0, null]) {
        const totals = await ticketTotals(db, { since, now: NOW });
        expect(totals.openOverdue, `since ${since}`).toBe(count((t) => t.status === 'open' && coreBreached(t)));
        expect(totals.closedLate, `since ${since}`).toBe(count((t) => t.status === 'closed' && coreBreached(t)));
        expect([totals.breachedHigh, totals.breachedMedium, totals.breachedLow], `since ${since}`).toEqual(
          PRIORITIES.map((p) => count((t) => t.priority === p && coreBreached(t))),
        );
        const perAgent = await agentFigures(db, { since, now: NOW });
        expect(perAgent.map((a) => a.breached), `since ${since}`).toEqual(agents.map((id) => count((t) => t.agent_id === id && coreBreached(t))));
      }
    });
  });
}
