/**
 * The opening query of a routing transaction (src/db/transaction.ts): on PostgreSQL it travels in
 * the round trip that begins the transaction and takes the lock, so it must read after the lock is
 * held, seeing what the transaction before committed, and never a snapshot from before the wait.
 * On both engines its rows reach the work, a failure in it rolls back and leaves the connection
 * usable, and on PostgreSQL a query with parameters is refused before anything is sent.
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.js';
import { inRoutingTransaction } from '../../src/db/transaction.js';
import { loadRoutingState, routingStateOf, routingStateQuery } from '../../src/repositories/routingState.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const capacityQuery = CompiledQuery.raw('select default_capacity from settings where id = 1') as CompiledQuery<{ default_capacity: number }>;

for (const dialect of DIALECTS) {
  describe(`the opening query of a routing transaction (${dialect})`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
    });
    afterAll(async () => {
      await database.drop();
    });
    const capacity = (value: number) => database.handle.db.updateTable('settings').set({ default_capacity: value }).where('id', '=', 1).execute();

    it('reads after the lock: a transaction waiting for it sees what the holder committed', async () => {
      await capacity(5);
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      const holder = inRoutingTransaction(database.handle, async (trx) => {
        await trx.updateTable('settings').set({ default_capacity: 9 }).where('id', '=', 1).execute();
        holding();
        await new Promise((r) => setTimeout(r, 400));
      });
      await held;
      const seen = await inRoutingTransaction(database.handle, async (_trx, [row]) => row!.default_capacity, capacityQuery);
      await holder;
      expect(seen).toBe(9);
    });

    it('hands its rows to the work, which reads in the same transaction', async () => {
      await capacity(6);
      const [opened, inside] = await inRoutingTransaction(
        database.handle,
        async (trx, rows) => [rows, (await sql<{ n: number }>`select default_capacity as n from settings where id = 1`.execute(trx)).rows[0]!.n] as const,
        capacityQuery,
      );
      expect(opened).toEqual([{ default_capacity: 6 }]);
      expect(inside).toBe(6);
    });

    it('a failing opening query rolls back, and the next routing transaction works', async () => {
      await capacity(7);
      const failing = inRoutingTransaction(
        database.handle,
        async (trx) => {
          await trx.updateTable('settings').set({ default_capacity: 1 }).where('id', '=', 1).execute();
        },
        CompiledQuery.raw('select no_such_column from settings'),
      );
      await expect(failing).rejects.toThrow(/no_such_column/);
      expect(await inRoutingTransaction(database.handle, async (_trx, [row]) => row!.default_capacity, capacityQuery)).toBe(7);
    });

    it('the routing state read as the opening query equals the state read inside the transaction', async () => {
      const now = Date.now();
      const state = await inRoutingTransaction(database.handle, async (_trx, [row]) => routingStateOf(row, now, 2), routingStateQuery(database.handle.db, 2));
      const read = await inRoutingTransaction(database.handle, (trx) => loadRoutingState(trx, now, 2));
      expect({ ...state, newTicketIds: null }).toEqual({ ...read, newTicketIds: null });
      if (dialect === 'postgres') {
        // Two ids reserved each time, from the tickets' sequence, ascending.
        expect(state.newTicketIds).toHaveLength(2);
        expect(read.newTicketIds![0]).toBeGreaterThan(state.newTicketIds![1]!);
      } else {
        expect(state.newTicketIds).toBeNull();
      }
    });

    if (dialect === 'postgres') {
      describe('prepared once per connection', () => {
        // One connection, so every transaction below runs on the same session.
        let single: DbHandle;
        beforeAll(() => {
          single = connect(database.url, { poolSize: 1 });
        });
        afterAll(() => single.destroy());

        it('keeps its one plan across transactions', async () => {
          let plans: unknown[] = [];
          for (let i = 0; i < 7; i++) {
            plans = await inRoutingTransaction(
              single,
              async (trx) => (await sql`select generic_plans, custom_plans from pg_prepared_statements where name like 'hd\_%'`.execute(trx)).rows,
              routingStateQuery(single.db, 3),
            );
          }
          expect(plans).toEqual([{ generic_plans: 7, custom_plans: 0 }]);
        });

        it('still answers after a migration changes a table it reads (its result is one json column)', async () => {
          await capacity(8);
          const read = () => inRoutingTransaction(single, async (_trx, [row]) => row, CompiledQuery.raw('select * from settings where id = 1') as CompiledQuery<Record<string, unknown>>);
          expect(await read()).toMatchObject({ default_capacity: 8 });
          await sql`alter table settings add column opening_test integer not null default 42`.execute(database.handle.db);
          try {
            expect(await read()).toMatchObject({ default_capacity: 8, opening_test: 42 });
          } finally {
            await sql`alter table settings drop column opening_test`.execute(database.handle.db);
          }
          expect(await read()).not.toHaveProperty('opening_test');
        });

        it('a statement that failed to prepare is prepared again by the next transaction', async () => {
          const later = CompiledQuery.raw('select count(*) as n from opening_later') as CompiledQuery<{ n: number }>;
          await expect(inRoutingTransaction(single, async () => 1, later)).rejects.toThrow(/opening_later/);
          await sql`create table opening_later (x integer)`.execute(database.handle.db);
          expect(await inRoutingTransaction(single, async (_trx, [row]) => row!.n, later)).toBe(0);
        });
      });

      it('refuses an opening query with parameters, before sending anything', async () => {
        const withParameter = sql`select ${1} as one`.compile(database.handle.db);
        await expect(inRoutingTransaction(database.handle, async () => 1, withParameter)).rejects.toThrow(/no parameters/);
      });
    }
  });
}
