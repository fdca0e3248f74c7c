/**
 * lookUpMails (src/repositories/inbound.ts): the mails handled at the same moment ask what their
 * rules need in one statement, and each gets exactly what it would have got asking alone: its own
 * key logged or not (with the logged row), its own sender's tickets counted over its own hour
 * (created and follow_up only), the email priority. Both engines, on the SQLite reader too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundResult } from '../../src/core/inbound.js';
import { readerOf } from '../../src/db/connect.js';
import { insertInboundMails, lookUpMails, type MailAsk } from '../../src/repositories/inbound.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 1, 12);

for (const dialect of DIALECTS) {
  describe(`mail lookups, many at once (${dialect})`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
      const row = (key: string, from: string, result: InboundResult | null, at: number) => ({
        mail_key: key,
        source: 'http' as const,
        from_address: from,
        from_name: '',
        subject: 's',
        result,
        reason: null,
        ticket_id: null,
        size: 1,
        raw: Buffer.from('x'),
        received_at: at,
        handled_at: at,
      });
      await insertInboundMails(database.handle.db, [
        row('<a1@x>', 'ann@customer.example', 'created', NOW - 10),
        row('<a2@x>', 'ann@customer.example', 'follow_up', NOW - HOUR + 1_000),
        row('<a3@x>', 'ann@customer.example', 'created', NOW - 2 * HOUR),
        row('<a4@x>', 'ann@customer.example', 'rejected', NOW - 10),
        row('<a5@x>', 'ann@customer.example', 'appended', NOW - 10),
        row('<b1@x>', 'bob@customer.example', 'created', NOW - 10),
      ]);
      await database.handle.db.updateTable('settings').set({ email_priority: 'high' }).execute();
    });
    afterAll(() => database.drop());

    it('each mail gets its own answer, as if asked alone', async () => {
      const asks: MailAsk[] = [
        { mailKey: '<new1@x>', address: 'ANN@customer.example', since: NOW - HOUR },
        // Its own hour: the follow_up 59 minutes ago is outside it.
        { mailKey: '<new2@x>', address: 'ann@customer.example', since: NOW - HOUR + 2_000 },
        { mailKey: '<a4@x>', address: 'ann@customer.example', since: NOW - 3 * HOUR },
        { mailKey: '<b1@x>', address: 'bob@customer.example', since: NOW - HOUR },
        { mailKey: 'sha256:00', address: 'nobody@customer.example', since: NOW - HOUR },
        { mailKey: '<new1@x>', address: 'ann@customer.example', since: NOW - HOUR },
      ];
      for (const db of [database.handle.db, readerOf(database.handle)]) {
        const answers = await lookUpMails(db, asks);
        expect(answers.map((a) => [a.known?.mail_key ?? null, a.known?.result ?? null, a.senderTickets, a.emailPriority])).toEqual([
          [null, null, 2, 'high'],
          [null, null, 1, 'high'],
          ['<a4@x>', 'rejected', 3, 'high'],
          ['<b1@x>', 'created', 1, 'high'],
          [null, null, 0, 'high'],
          [null, null, 2, 'high'],
        ]);
        for (const [i, ask] of asks.entries()) expect(await lookUpMails(db, [ask])).toEqual([answers[i]]);
      }
      expect(await lookUpMails(database.handle.db, [])).toEqual([]);
    });
  });
}
