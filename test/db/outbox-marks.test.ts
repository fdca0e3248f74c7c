import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueEmails, enqueueEmails, markEmailsSent } from '../../src/repositories/outbox.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const email = (to: string) => ({ ticketId: null, kind: 'created' as const, to, content: { subject: `[HD-1] ${to}`, text: 'Hello', html: '<p>Hello</p>' }, now: NOW });

for (const dialect of DIALECTS) {
  describe(`marking delivered emails together (${dialect})`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
    });
    afterAll(() => database.drop());

    it('marks only the rows still being sent, and says which', async () => {
      const { db } = database.handle;
      await enqueueEmails(db, [email('a@example.com'), email('b@example.com'), email('c@example.com')]);
      const claimed = await claimDueEmails(database.handle, { now: NOW, limit: 10, leaseUntil: NOW + 60_000, maxAttempts: 8 });
      expect(claimed).toHaveLength(3);
      const [a, b, c] = claimed as [(typeof claimed)[0], (typeof claimed)[0], (typeof claimed)[0]];
      // Meanwhile an admin reset b, and c was given up: neither may become "sent".
      await db.updateTable('outbox').set({ status: 'pending' }).where('id', '=', b.id).execute();
      await db.updateTable('outbox').set({ status: 'failed' }).where('id', '=', c.id).execute();

      expect(await markEmailsSent(db, [a.id, b.id, c.id], NOW + 5)).toEqual([true, false, false]);
      const rows = await db.selectFrom('outbox').select(['id', 'status', 'sent_at']).orderBy('id').execute();
      expect(rows.map((r) => [r.status, r.sent_at])).toEqual([
        ['sent', NOW + 5],
        ['pending', null],
        ['failed', null],
      ]);
      expect(await markEmailsSent(db, [a.id], NOW + 9)).toEqual([false]);
    });
  });
}
