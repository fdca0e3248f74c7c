/**
 * `npm run search:reindex` rebuilds the known words of typo tolerance (README, "Search": "kept by
 * triggers as texts are written … and rebuilt by `npm run search:reindex`") to what the triggers
 * made of the same texts, on real SQLite files and PostgreSQL schemas: the words of titles,
 * customer names, messages and notes, attachment file names and filed mails' subjects, and nothing
 * else (not the parts of customers' email addresses, which no trigger reads), so a correction
 * offered does not change with a reindex.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceOf } from '../../src/core/tickets.js';
import { rebuildSearchIndex } from '../../src/repositories/searchIndex.js';
import type { ServiceContext } from '../../src/services/context.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { DEFAULT_INBOUND_SETTING, ingestMail } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import { customerMail } from '../mail/support/customer-mail.js';
import { addStaff } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { testContext } from './context-support.js';

for (const dialect of DIALECTS) {
  describe(`search:reindex rebuilds the known words as the triggers keep them (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;

    const knownWords = async () => {
      const { rows } = await sql<{ word: string }>`select distinct word from search_words`.execute(ctx.handle.db);
      return rows.map((r) => r.word).sort();
    };

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = testContext(database);
      const admin = { id: await addStaff(ctx, 'root', { role: 'admin' }), role: 'admin' as const };
      const ticket = await intakeTicket(ctx, {
        name: 'Brianna Quackenbush',
        email: 'zyzzyva.buyer@kumquatmail.example',
        title: 'ΟΔΟΣ Stadiou: the Printer jams',
        description: 'The printer   jams\nevery morning, O\'Brien says.',
        priority: 'low',
      });
      const message = { close: false, seen: null, channel: 'web' as const };
      await postStaffMessage(ctx, admin, ticket.id, { ...message, kind: 'note', body: 'Internal: ask about the xylophone budget.', files: [] });
      await postStaffMessage(ctx, admin, ticket.id, {
        ...message,
        kind: 'reply',
        body: 'Here is the manual.',
        files: [{ filename: 'quarterly-report_final.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF') }],
      });
      const mail = customerMail({ from: 'zyzzyva.buyer@kumquatmail.example', subject: `Re: [${referenceOf(ticket.id)}] zeppelin update`, messageId: '<words-1@mail.example>', text: 'Any news?' });
      expect(await ingestMail(ctx, new TicketIntake(ctx), DEFAULT_INBOUND_SETTING, mail, 'http')).toMatchObject({ result: 'appended', ticketId: ticket.id });
    });

    afterAll(() => database.drop());

    it('the same words before and after the rebuild, none from email addresses', async () => {
      const live = await knownWords();
      expect(live).toEqual(expect.arrayContaining(['brianna', 'quackenbush', 'printer', 'morning', 'xylophone', 'quarterly', 'zeppelin']));
      expect(live.filter((word) => ['zyzzyva', 'buyer', 'kumquatmail', 'example'].includes(word))).toEqual([]);
      await rebuildSearchIndex(ctx.handle);
      expect(await knownWords()).toEqual(live);
    });
  });
}
