/**
 * Mail that is not a customer's (QA #3), through POST /api/v1/inbound/email and a real SMTP server:
 * mail from the help desk's own addresses (MAIL_FROM, MAIL_REPLY_TO, any letter case) and a staff
 * member pressing Reply on an SLA email are `ignored` with their reason: no ticket, no message, no
 * email. The staff email itself says replies are not read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { createSmtpMailer } from '../../src/mail/transport.js';
import { STAFF_REPLY_NOTE } from '../../src/mail/templates/layout.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { recordDueBreaches } from '../../src/services/sla.js';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { drain } from '../mail/support/drain.js';
import { postMail, rawMail } from '../mail/support/raw-mail.js';
import { startSmtpServer, type TestSmtpServer } from '../mail/support/smtp.js';
import { FAST_TIMEOUTS, memoryLogger } from '../mail/support/testbed.js';

const MAIL_FROM = 'Helpdesk <helpdesk@helpdesk.example>';
const MAIL_REPLY_TO = 'Support <Support@Helpdesk.Example>';

async function counts(db: Db) {
  const n = async (table: 'tickets' | 'messages' | 'outbox' | 'inbound_mails') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { tickets: await n('tickets'), messages: await n('messages'), outbox: await n('outbox'), inbound: await n('inbound_mails') };
}

for (const dialect of DIALECTS) {
  describe(`mail that is not a customer's (${dialect})`, () => {
    let t: TestApp;
    let smtp: TestSmtpServer;
    let token: string;
    const clock = new FakeClock();
    const db = () => t.ctx.handle.db;
    const deliver = (raw: string | Buffer) => postMail(t.app, token, raw);

    beforeAll(async () => {
      t = await startTestApp(dialect, {
        clock,
        config: {
          mailFrom: MAIL_FROM,
          mailReplyTo: MAIL_REPLY_TO,
          inbound: { imapUrl: undefined, imapPollSeconds: 30, imapLeaseSeconds: 60, imapProcessedFolder: 'Processed', maxBytes: 1024 * 1024, ticketsPerHour: 20 },
        },
      });
      const root = await addStaff(t.ctx, 'root', { role: 'admin' });
      token = (await createApiToken(t.ctx, root, 'mail server', 'inbound')).token;
      smtp = await startSmtpServer();
    });
    afterAll(async () => {
      await smtp.close();
      await t.close();
    });

    /** Sends what the outbox holds through the SMTP server, as the worker does with MAIL_FROM and MAIL_REPLY_TO. */
    async function send(): Promise<void> {
      const mailer = createSmtpMailer(smtp.url, FAST_TIMEOUTS);
      try {
        await drain(new OutboxWorker({ handle: t.ctx.handle, mailer, clock, from: MAIL_FROM, replyTo: MAIL_REPLY_TO, logger: memoryLogger() }));
      } finally {
        mailer.close();
      }
    }

    it.each([
      ['MAIL_FROM', 'Helpdesk <helpdesk@helpdesk.example>', 'helpdesk@helpdesk.example'],
      ['MAIL_FROM in another letter case', 'HelpDesk@HELPDESK.example', 'helpdesk@helpdesk.example'],
      ['MAIL_REPLY_TO (the mailbox the channel reads)', '"Support" <support@helpdesk.example>', 'support@helpdesk.example'],
      ['MAIL_REPLY_TO in another letter case', 'SUPPORT@helpdesk.EXAMPLE', 'support@helpdesk.example'],
    ])('a mail from %s is ignored: no ticket, no message, no email', async (_name, from, address) => {
      const before = await counts(db());
      const response = await deliver(rawMail({ from, subject: 'Test from our own mailbox', text: 'Does this reach anyone?' }));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ result: 'ignored', ticket: null, reason: `Sent from the help desk's own address ${address}: no ticket, no email.` });
      expect(await counts(db())).toEqual({ ...before, inbound: before.inbound + 1 });
    });

    it('a mail from a look-alike address is a customer’s like any other', async () => {
      const response = await deliver(rawMail({ from: 'support@helpdesk.example.net', subject: 'Not us' }));
      expect(response.json().result).toBe('created');
    });

    it('an agent pressing Reply on the SLA email: ignored, saying to answer on the ticket page; the ticket does not change', async () => {
      const opened = (await deliver(rawMail({ from: 'rita@customer.example', subject: 'Phones are down', text: 'Nobody can call out.' }))).json();
      expect(opened.result).toBe('created');
      const ticketId = Number(opened.ticket.replace('HD-', ''));
      // Past the medium target (4 minutes): the breach email goes to the admins while the ticket waits.
      clock.advance(10 * 60_000);
      await recordDueBreaches(t.ctx, clock.now(), 100);
      const seen = smtp.received.length;
      await send();
      const alert = smtp.received.slice(seen).find((e) => (e.parsed.subject ?? '').startsWith(`[${opened.ticket}] SLA breached`));
      expect(alert, 'the SLA email was sent').toBeDefined();
      expect(alert!.rcptTo).toEqual(['root@team.test']);
      expect(alert!.parsed.text).toContain(STAFF_REPLY_NOTE);
      expect(alert!.parsed.html).toContain(STAFF_REPLY_NOTE);
      const sentBefore = smtp.received.length;
      const ticketBefore = await db().selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirstOrThrow();
      const before = await counts(db());

      // What a mail client makes of Reply: In-Reply-To and References the alert, "Re:" and its subject.
      const answer = await deliver(rawMail({ from: 'Root <ROOT@team.test>', subject: `Re: ${alert!.parsed.subject}`, inReplyTo: alert!.messageId!, references: [alert!.messageId!], text: 'I am on it, will call Rita now.' }));
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ result: 'ignored', ticket: null, reason: 'An answer to a sla_breached email sent to staff: no ticket, no email. Staff answer on the ticket page, not by mail.' });
      expect(await counts(db())).toEqual({ ...before, inbound: before.inbound + 1 });
      expect(await db().selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirstOrThrow()).toEqual(ticketBefore);
      await send();
      expect(smtp.received.slice(sentBefore)).toEqual([]);

      // The customer answering the customer's own email still reaches the ticket.
      const created = smtp.received.find((e) => (e.parsed.subject ?? '').startsWith(`[${opened.ticket}] We received`))!;
      const reply = await deliver(rawMail({ from: 'rita@customer.example', subject: `Re: ${created.parsed.subject}`, inReplyTo: created.messageId!, text: 'Still down.' }));
      expect(reply.json()).toEqual({ result: 'appended', ticket: opened.ticket, reason: null });
    });
  });
}
