/**
 * Mail whose headers name very many Message-IDs (SPEC §10: every mail gets a result, never a 5xx),
 * through POST /api/v1/inbound/email on both engines. A References header of tens of thousands of
 * ids fits well within INBOUND_MAX_BYTES; a delivery report may quote as many ids of our form. The
 * rules look up only a bounded number of them, so the mail is handled (a reply still finds its
 * ticket through In-Reply-To and the newest references) instead of failing the database's limit on
 * bound parameters, which answered 503 for ever: the mail server retried, then bounced it.
 */
import { describe, expect, it } from 'vitest';
import { messageIdFor } from '../../src/mail/message.js';
import { DIALECTS } from '../support/db.js';
import { inboundApp } from '../mail/support/inbound-app.js';
import { newMessageId, rawMail } from '../mail/support/raw-mail.js';
import { MAIL_FROM } from '../mail/support/testbed.js';

/** `count` distinct short Message-IDs (about 9 bytes each with the space between). */
const manyIds = (count: number, prefix = '') => Array.from({ length: count }, (_, i) => `<${prefix}${i.toString(36)}@b>`);

for (const dialect of DIALECTS) {
  describe(`mail naming very many Message-IDs (${dialect})`, () => {
    const app = inboundApp(dialect, { maxBytes: 4 * 1024 * 1024, ticketsPerHour: 20 });
    const db = () => app.t.ctx.handle.db;
    const deliver = (raw: string | Buffer) => app.deliver(raw);

    it('a new mail with 70 000 References (630 kB, past both engines\' limits on bound parameters) opens its ticket', async () => {
      const response = await deliver(rawMail({ from: 'gus@customer.example', subject: 'Long thread', references: manyIds(70_000) }));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ result: 'created', ticket: expect.stringMatching(/^HD-\d+$/) });
    });

    it('a reply naming our email in In-Reply-To, with 70 000 older References, is added to its ticket', async () => {
      const created = (await deliver(rawMail({ from: 'hal@customer.example', subject: 'Printer' }))).json();
      const id = Number(created.ticket.replace('HD-', ''));
      const row = await db().selectFrom('outbox').selectAll().where('ticket_id', '=', id).where('kind', '=', 'created').executeTakeFirstOrThrow();
      const ours = messageIdFor(row, MAIL_FROM);
      const response = await deliver(rawMail({ from: 'hal@customer.example', subject: 'Re: Printer', inReplyTo: ours, references: [...manyIds(70_000), ours], text: 'Still broken.' }));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ result: 'appended', ticket: created.ticket, reason: null });
    });

    it('a mail to 40 000 people (To and Cc) opens its ticket, copying the first ten', async () => {
      const people = (prefix: string) => Array.from({ length: 20_000 }, (_, i) => `${prefix}${i.toString(36)}@c.example`).join(', ');
      const response = await deliver(rawMail({ from: 'ida@customer.example', subject: 'To everyone', to: `support@helpdesk.example, ${people('t')}`, headers: { Cc: people('c') } }));
      expect(response.statusCode).toBe(200);
      const answer = response.json();
      expect(answer).toMatchObject({ result: 'created', ticket: expect.stringMatching(/^HD-\d+$/) });
      const copied = await db().selectFrom('ticket_ccs').select('address').where('ticket_id', '=', Number(answer.ticket.slice(3))).orderBy('address').execute();
      expect(copied.map((c) => c.address)).toEqual(Array.from({ length: 10 }, (_, i) => `t${i.toString(36)}@c.example`));
    });

    it('a delivery report quoting 70 000 ids of our form is recorded as a bounce', async () => {
      const quoted = Array.from({ length: 70_000 }, (_, i) => `<outbox-${i + 1}.0123456789abcdef@helpdesk.example>`).join('\r\n');
      const response = await deliver(rawMail({ from: 'MAILER-DAEMON@mx.customer.example', subject: 'Undelivered Mail Returned to Sender', messageId: newMessageId('mx.customer.example'), text: `This is the mail system.\n\n${quoted}` }));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ result: 'bounce', ticket: null });
    });
  });
}
