/**
 * Mail the MIME parser refuses whole (SPEC §10: every mail gets a result by the rules; README,
 * "Broken mail": a mail whose sender can be read gets a ticket with what can be read), through
 * POST /api/v1/inbound/email on both engines. mailparser gives up on a mail of more than 1000 MIME
 * parts, or a header of more than 1 MB: such a mail was `rejected` as "no valid sender address in
 * From" (a false reason, no sender in the log), and our own email coming back that way was
 * rejected rather than `ignored` (rule 1). It is now read from its header, as a mail over
 * INBOUND_MAX_BYTES is: the rules apply, its text is a note, the original keeps everything.
 */
import { describe, expect, it } from 'vitest';
import { messageIdFor } from '../../src/mail/message.js';
import { DIALECTS } from '../support/db.js';
import { inboundApp } from '../mail/support/inbound-app.js';
import { customerMail } from '../mail/support/customer-mail.js';
import { newMessageId, rawMail } from '../mail/support/raw-mail.js';
import { MAIL_FROM } from '../mail/support/testbed.js';

/** A mail of 1100 small files: more MIME parts than the parser reads. */
const manyParts = (fields: Parameters<typeof customerMail>[0]) =>
  customerMail({ ...fields, files: Array.from({ length: 1100 }, (_, i) => ({ filename: `page-${i}.txt`, contentType: 'text/plain', content: Buffer.from(`page ${i}`) })) });

for (const dialect of DIALECTS) {
  describe(`mail the MIME parser refuses (${dialect})`, () => {
    const app = inboundApp(dialect, { maxBytes: 4 * 1024 * 1024, ticketsPerHour: 20 });
    const db = () => app.t.ctx.handle.db;
    const deliver = (raw: string | Buffer) => app.deliver(raw);

    it('a customer mail of 1100 parts opens its ticket from its header, says why in the log, and keeps the whole original', async () => {
      const raw = manyParts({ from: 'Ivy Customer <ivy@customer.example>', subject: 'Scanned contract', messageId: '<parts.1@customer.example>' });
      const response = await deliver(raw);
      expect(response.statusCode).toBe(200);
      const answer = response.json();
      expect(answer).toMatchObject({ result: 'created', ticket: expect.stringMatching(/^HD-\d+$/) });
      const ticket = await db().selectFrom('tickets').selectAll().where('id', '=', Number(answer.ticket.slice(3))).executeTakeFirstOrThrow();
      expect(ticket).toMatchObject({ customer_name: 'Ivy Customer', customer_email: 'ivy@customer.example', title: 'Scanned contract' });
      expect(ticket.description).toMatch(/could not be read/);
      const logged = await db().selectFrom('inbound_mails').selectAll().where('mail_key', '=', '<parts.1@customer.example>').executeTakeFirstOrThrow();
      expect(logged).toMatchObject({ result: 'created', from_address: 'ivy@customer.example', subject: 'Scanned contract' });
      expect(logged.reason).toMatch(/could not be read/);
      expect(Buffer.from(logged.raw).equals(raw)).toBe(true);
      // Handed in again: a duplicate by its Message-ID.
      expect((await deliver(raw)).json()).toMatchObject({ result: 'duplicate', ticket: answer.ticket });
    });

    it('our own email coming back with 1100 parts is ignored (rule 1), not rejected', async () => {
      const created = (await deliver(rawMail({ from: 'jon@customer.example', subject: 'Toner' }))).json();
      const row = await db().selectFrom('outbox').selectAll().where('ticket_id', '=', Number(created.ticket.slice(3))).executeTakeFirstOrThrow();
      const response = await deliver(manyParts({ from: 'someone@relay.example', messageId: messageIdFor(row, MAIL_FROM) }));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ result: 'ignored' });
    });

    it('a mail with a header over 1 MB (a folded line of junk after From and Subject) opens its ticket from what its header gives', async () => {
      const junk = `X-Junk: ${Array.from({ length: 20_000 }, () => 'x'.repeat(60)).join('\r\n ')}`;
      const response = await deliver(rawMail({ from: 'lea@customer.example', subject: 'Huge header', headers: { 'X-Junk': junk.slice('X-Junk: '.length) } }));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ result: 'created' });
      const logged = await db().selectFrom('inbound_mails').select(['from_address', 'reason']).where('subject', '=', 'Huge header').executeTakeFirstOrThrow();
      expect(logged.from_address).toBe('lea@customer.example');
      expect(logged.reason).toMatch(/could not be read \(Max header size/);
    });

    it('a reply of 1100 parts from the customer is added to their ticket', async () => {
      const created = (await deliver(rawMail({ from: 'kim@customer.example', subject: 'Scanner' }))).json();
      const response = await deliver(manyParts({ from: 'kim@customer.example', subject: `Re: [${created.ticket}] Scanner`, messageId: newMessageId() }));
      expect(response.json()).toMatchObject({ result: 'appended', ticket: created.ticket });
    });
  });
}
