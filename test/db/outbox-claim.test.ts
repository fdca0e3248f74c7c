/**
 * The email worker's claim with a long history of sent emails: what it takes (the oldest due, by
 * time and then id) and how it finds them: in claim order from the partial index of due rows, and
 * the abandoned sends from their own, never by reading every entry up to now (PostgreSQL read
 * them through a bitmap, which visits the page of every email sent since the last vacuum and never
 * marks their entries dead: 2.9 ms a claim under bench:intake; migration 2026-12-11T0900 and the
 * senders' settings, SENDER_SETTINGS).
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Db, type DbHandle } from '../../src/db/connect.js';
import { SENDER_SETTINGS } from '../../src/jobs/deliveries.js';
import { claimDueEmails, claimEmailsStatement, dueEmailIds, enqueueEmails } from '../../src/repositories/outbox.js';
import { giveUpAbandoned } from '../../src/repositories/abandoned.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const NOW = 1_800_000_000_000;
const content = { subject: 'Your request', text: 'Hello', html: '<p>Hello</p>' };

for (const dialect of DIALECTS) {
  describe(`claiming emails from the outbox (${dialect})`, () => {
    let database: TestDatabase;
    /** A handle as the senders open theirs (SENDER_SETTINGS on PostgreSQL). */
    let senders: DbHandle;
    const db = (): Db => database.handle.db;

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      senders = connect(database.url, { poolSize: 1, settings: SENDER_SETTINGS });
      // 2,000 sent emails of history, then 300 due ones: the oldest by time has the highest id, and
      // three share each time (ties go by id).
      const history = Array.from({ length: 2_000 }, (_, k) => ({ ticketId: null, kind: 'created' as const, to: `old${k}@example.com`, content, now: NOW - 86_400_000 + k }));
      for (let i = 0; i < history.length; i += 200) await enqueueEmails(db(), history.slice(i, i + 200));
      await db().updateTable('outbox').set({ status: 'sent', sent_at: NOW - 3_600_000 }).execute();
      const due = Array.from({ length: 300 }, (_, k) => ({ ticketId: null, kind: 'created' as const, to: `due${k}@example.com`, content, now: NOW - 600_000 + Math.floor((299 - k) / 3) * 1_000 }));
      for (let i = 0; i < due.length; i += 100) await enqueueEmails(db(), due.slice(i, i + 100));
      await sql`analyze`.execute(db());
    });
    afterAll(async () => {
      await senders.destroy();
      await database.drop();
    });

    it('the senders’ connections carry their settings, in the database’s own schema', async () => {
      const { rows } = await sql<{ n: number }>`select count(*) as n from outbox`.execute(senders.db);
      expect(Number(rows[0]!.n)).toBe(2_300);
      if (dialect === 'postgres') {
        const shown = await sql<{ enable_bitmapscan: string }>`show enable_bitmapscan`.execute(senders.db);
        expect(shown.rows[0]!.enable_bitmapscan).toBe('off');
        // The test's own pool is left as PostgreSQL's default.
        const mine = await sql<{ enable_bitmapscan: string }>`show enable_bitmapscan`.execute(db());
        expect(mine.rows[0]!.enable_bitmapscan).toBe('on');
      }
    });

    it('reads the due emails in claim order from their index and the abandoned sends from theirs', async () => {
      const planOf = async (query: CompiledQuery) =>
        JSON.stringify(
          (
            await senders.db.transaction().execute(async (trx) => {
              // PostgreSQL might still read a table this small whole; forbid that to see how it uses the indexes.
              if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
              return trx.executeQuery(CompiledQuery.raw(`${dialect === 'sqlite' ? 'explain query plan ' : 'explain '}${query.sql}`, [...query.parameters]));
            })
          ).rows,
        );
      const options = { now: NOW, limit: 20, leaseUntil: NOW + 60_000, maxAttempts: 5 };
      const due = db().selectFrom('outbox').select('id').where('id', 'in', dueEmailIds(options, dialect === 'postgres')).compile();
      const duePlan = await planOf(due);
      expect(duePlan).toContain('outbox_due');
      // In claim order: no sort of what the index gives, and (PostgreSQL) no bitmap over it.
      expect(duePlan).not.toMatch(/TEMP B-TREE|Sort|Bitmap/);
      expect(await planOf(giveUpAbandoned(db(), 'outbox', NOW, 5).compile())).toContain('outbox_sending');
      if (dialect === 'postgres') {
        const plan = await planOf(claimEmailsStatement(db(), options).compile());
        expect(plan).toMatch(/Index Scan using outbox_due/);
        expect(plan).toContain('outbox_sending');
        expect(plan).not.toMatch(/Sort|Bitmap/);
      }
    });

    it('takes the oldest due first, ties by id, and gives up a send abandoned on its last try', async () => {
      // One email whose worker died on its fifth try, its lease run out: failed, not claimed.
      const abandoned = await db().selectFrom('outbox').select('id').where('to_address', '=', 'due0@example.com').executeTakeFirstOrThrow();
      await db().updateTable('outbox').set({ status: 'sending', attempts: 5, next_attempt_at: NOW - 1 }).where('id', '=', abandoned.id).execute();
      const expected = await db()
        .selectFrom('outbox')
        .select('id')
        .where('status', '=', 'pending')
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(7)
        .execute();
      const claimed = await claimDueEmails(senders, { now: NOW, limit: 7, leaseUntil: NOW + 60_000, maxAttempts: 5 });
      expect(claimed.map((r) => r.id)).toEqual(expected.map((r) => r.id).sort((a, b) => a - b));
      expect(claimed.every((r) => r.status === 'sending' && r.attempts === 1 && r.next_attempt_at === NOW + 60_000)).toBe(true);
      const given = await db().selectFrom('outbox').select(['status', 'last_error']).where('id', '=', abandoned.id).executeTakeFirstOrThrow();
      expect(given.status).toBe('failed');
      expect(given.last_error).toContain('the worker stopped during the last try');
    });
  });
}
