/**
 * The SQLite reader beside the writer (src/db/connect.ts): while the writer holds a transaction,
 * the reader answers at once with the last commit (it does not queue behind it, and does not see
 * the uncommitted rows), sees the commit once made, and refuses to write. PostgreSQL has no
 * reader: readerOf gives the pool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readerOf } from '../../src/db/connect.js';
import { inTransaction } from '../../src/db/transaction.js';
import { insertInboundMails } from '../../src/repositories/inbound.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

for (const dialect of DIALECTS) {
  describe(`the read connection (${dialect})`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
    });
    afterAll(() => database.drop());

    const count = async (db = readerOf(database.handle)) => Number((await db.selectFrom('inbound_mails').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const row = { mail_key: '<r@x>', source: 'http' as const, from_address: 'r@x', from_name: '', subject: '', result: 'rejected' as const, reason: null, ticket_id: null, size: 1, raw: Buffer.from('x'), received_at: 1, handled_at: 1 };

    it(dialect === 'sqlite' ? 'reads the last commit while the writer holds a transaction, and cannot write' : 'is the pool itself', async () => {
      if (dialect === 'postgres') {
        expect(database.handle.reader).toBeUndefined();
        expect(readerOf(database.handle)).toBe(database.handle.db);
        return;
      }
      expect(database.handle.reader).toBeDefined();
      const before = await count();
      let seenInside: number | undefined;
      await inTransaction(database.handle, async (trx) => {
        await insertInboundMails(trx, [row]);
        // The writer's one connection is held (Kysely queues anything else on it until the commit).
        seenInside = await count();
      });
      expect(seenInside).toBe(before);
      expect(await count()).toBe(before + 1);
      await expect(insertInboundMails(readerOf(database.handle), [{ ...row, mail_key: '<r2@x>' }])).rejects.toThrow(/readonly|read-only|query_only/i);
      expect(await count(database.handle.db)).toBe(before + 1);
    });
  });
}
