import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TicketRow } from '../../src/db/schema.js';
import type { ServiceContext, TicketChange } from '../../src/services/context.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { createTickets } from '../../src/services/tickets.js';
import { addStaff } from '../support/app.js';
import { DIALECTS, freshDatabase, TEST_PG_URL, type TestDatabase } from '../support/db.js';
import { historyViolations } from '../support/invariants.js';
import { testContext } from './context-support.js';

/** Takes the routing lock of the database's schema from another session, as a routing transaction elsewhere would. */
async function holdRoutingLock(url: string): Promise<{ release(): Promise<void> }> {
  const schema = new URL(url).searchParams.get('schema')!;
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  // The key of src/db/transaction.ts: (4242, hashtext(schema)).
  await client.query('select pg_advisory_lock(4242, hashtext($1))', [schema]);
  return { release: () => client.end() };
}

const form = (i: number) => ({ name: `Customer ${i}`, email: `c${i}@example.com`, title: `Retry ${i}`, description: 'Help', priority: 'high' });

/** How pg fails a query whose connection dropped: no SQLSTATE, this message. */
const connectionLost = () => new Error('Connection terminated unexpectedly');

for (const dialect of DIALECTS) {
  describe(`ticket intake when a write fails (${dialect})`, () => {
    let database: TestDatabase;
    /** Throws the next error put here from the first publication after a commit, then forgets it. */
    let failNextPublication: Error | null = null;
    const published: TicketChange[][] = [];
    let ctx: ServiceContext;

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      // Called right after the commit: an error here reaches the batcher exactly as a connection
      // that dropped while COMMIT's answer was on its way (the rows are stored, the caller sees an
      // error), through the production wiring of TicketIntake.
      ctx = testContext(database, (changes) => {
        const error = failNextPublication;
        failNextPublication = null;
        if (error) throw error;
        published.push(changes);
      });
      for (const name of ['ana', 'ben']) await changePresence(ctx, await addStaff(ctx, name, { capacity: 50 }), 'available');
    });
    afterAll(() => database.drop());
    beforeEach(() => {
      published.length = 0;
    });

    const count = async (table: 'tickets' | 'ticket_events' | 'outbox', titles: string[]) => {
      const rows =
        table === 'tickets'
          ? await database.handle.db.selectFrom('tickets').select('id').where('title', 'in', titles).execute()
          : await database.handle.db.selectFrom(table).innerJoin('tickets', 'tickets.id', `${table}.ticket_id`).select('tickets.id').where('tickets.title', 'in', titles).execute();
      return rows.length;
    };

    /** Exactly one ticket, one `created` event and one email per submission, each answered with its own stored ticket. */
    async function expectOneEach(tickets: TicketRow[], titles: string[]): Promise<void> {
      expect(tickets.map((t) => t.title)).toEqual(titles);
      expect(new Set(tickets.map((t) => t.id)).size).toBe(titles.length);
      expect(await count('tickets', titles)).toBe(titles.length);
      expect(await count('ticket_events', titles)).toBe(titles.length);
      expect(await count('outbox', titles)).toBe(titles.length);
      const stored = await database.handle.db.selectFrom('tickets').selectAll().where('title', 'in', titles).orderBy('id').execute();
      expect(stored.map((t) => [t.id, t.token, t.agent_id])).toEqual(tickets.map((t) => [t.id, t.token, t.agent_id]));
      expect(await historyViolations(database.handle.db)).toEqual([]);
    }

    it('committed but the connection dropped before the answer: each submission is answered with its stored ticket, nothing is written twice', async () => {
      const intake = new TicketIntake(ctx);
      failNextPublication = connectionLost();
      const forms = [1, 2, 3].map(form);
      const tickets = await Promise.all(forms.map((f) => intake.submit(f)));
      await expectOneEach(tickets, forms.map((f) => f.title));
      // Live pages still hear of the tickets the failed write created.
      expect(published.flat().filter((c) => c.type === 'created').map((c) => c.ticketId)).toEqual(tickets.map((t) => t.id));
    });

    it('committed but the write failed with an error that could be one ticket\'s: the tickets found stored are not written again', async () => {
      const intake = new TicketIntake(ctx);
      failNextPublication = new Error('something specific to one ticket');
      const forms = [4, 5, 6, 7].map(form);
      const tickets = await Promise.all(forms.map((f) => intake.submit(f)));
      await expectOneEach(tickets, forms.map((f) => f.title));
    });

    it('a batch failing with a transient error is attempted twice in all, not once more per ticket, and writes nothing', async () => {
      let attempts = 0;
      const intake = new TicketIntake(ctx, async () => {
        attempts++;
        throw Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' });
      });
      const forms = [8, 9, 10, 11, 12].map(form);
      const outcomes = await Promise.allSettled(forms.map((f) => intake.submit(f)));
      expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as Error).message)).toEqual(Array(5).fill('canceling statement due to lock timeout'));
      expect(attempts).toBe(2);
      expect(await count('tickets', forms.map((f) => f.title))).toBe(0);
    });

    it('a write that commits and then fails as a dropped connection is not attempted again; the request keys are stored and unique', async () => {
      let attempts = 0;
      const intake = new TicketIntake(ctx, async (c, inputs) => {
        attempts++;
        const tickets = await createTickets(c, inputs);
        if (attempts === 1) throw connectionLost();
        return tickets;
      });
      const forms = [13, 14].map(form);
      const tickets = await Promise.all(forms.map((f) => intake.submit(f)));
      await expectOneEach(tickets, forms.map((f) => f.title));
      expect(attempts).toBe(1);
      const keys = await database.handle.db.selectFrom('tickets').select('intake_key').where('id', 'in', tickets.map((t) => t.id)).execute();
      expect(keys.every((k) => typeof k.intake_key === 'string' && k.intake_key.length >= 16)).toBe(true);
      await expect(
        database.handle.db.insertInto('tickets').values({ ...tickets[0]!, id: undefined, token: 'another-token', intake_key: keys[0]!.intake_key }).execute(),
      ).rejects.toThrow(/unique|duplicate/i);
    });

    it('a retry racing the failed write\'s late commit: the unique key refuses the second copy, and each submission gets the one stored ticket', async () => {
      // The first write fails at once while its transaction goes on and commits later. On
      // PostgreSQL another session holds the routing lock meanwhile, so the check for stored keys
      // (on another pooled connection) finds nothing, the retry queues for the lock behind the first
      // write, and its insert meets the unique index once that commits. (On SQLite the one
      // connection serialises them: the check already sees the commit.)
      const locker = dialect === 'postgres' ? await holdRoutingLock(database.url) : null;
      let attempts = 0;
      const outcomes: Promise<unknown>[] = [];
      const intake = new TicketIntake(ctx, async (c, inputs) => {
        attempts++;
        if (attempts === 1) {
          outcomes.push(createTickets(c, inputs));
          await new Promise((resolve) => setImmediate(resolve));
          throw connectionLost();
        }
        const retry = createTickets(c, inputs);
        outcomes.push(retry);
        // Once the retry is under way (both writes wait for the lock), let them through.
        setTimeout(() => void locker?.release(), 100);
        return retry;
      });
      const forms = [19, 20, 21].map(form);
      const tickets = await Promise.all(forms.map((f) => intake.submit(f)));
      const settled = await Promise.allSettled(outcomes);
      await expectOneEach(tickets, forms.map((f) => f.title));
      if (dialect === 'postgres') {
        expect(attempts).toBe(2);
        expect(settled.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
        expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: '23505', constraint: 'tickets_intake_key' });
      } else {
        expect(attempts).toBe(1);
      }
    });

    if (dialect === 'sqlite') {
      it('SQLITE_BUSY (another process holds the write lock): two attempts, the callers get the error, and intake works once the lock is free', async () => {
        const file = database.url.slice('sqlite:'.length);
        const other = new SqliteDatabase(file);
        await sql`pragma busy_timeout = 50`.execute(database.handle.db);
        let attempts = 0;
        const intake = new TicketIntake(ctx, (c, inputs) => {
          attempts++;
          return createTickets(c, inputs);
        });
        try {
          other.exec('begin immediate');
          const forms = [15, 16, 17].map(form);
          const outcomes = await Promise.allSettled(forms.map((f) => intake.submit(f)));
          expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as { code?: string }).code)).toEqual(['SQLITE_BUSY', 'SQLITE_BUSY', 'SQLITE_BUSY']);
          expect(attempts).toBe(2);
          other.exec('rollback');
          expect(await count('tickets', forms.map((f) => f.title))).toBe(0);
          const later = await intake.submit(form(18));
          await expectOneEach([later], ['Retry 18']);
        } finally {
          if (other.inTransaction) other.exec('rollback');
          other.close();
          await sql`pragma busy_timeout = 10000`.execute(database.handle.db);
        }
      });
    }
  });
}
