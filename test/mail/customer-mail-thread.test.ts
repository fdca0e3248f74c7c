/**
 * Our emails stay in the customer's own mail thread (SPEC §5, §10 rule 6), read by mailparser from
 * what a real SMTP server received: a ticket opened by mail is answered in that mail's thread, each
 * email answers the newer of our previous email and the customer's latest mail, an auto-reply is
 * never answered, a follow-up opened by mail answers that mail, and a retried email keeps its
 * headers whatever arrived meanwhile.
 */
import type { ParsedMail } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../src/mail/transport.js';
import type { OutboxWorker } from '../../src/mail/worker.js';
import { emailsOfTicket } from '../../src/repositories/outbox.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { DEFAULT_INBOUND_SETTING, ingestMail, type InboundOutcome } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { answerTo, customerMail } from './support/customer-mail.js';
import { type ReceivedEmail, startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { createAgent, deliveries, FAST_TIMEOUTS, MAIL_FROM, type Testbed, testbed, ticketForm } from './support/testbed.js';

const SETTING = { ...DEFAULT_INBOUND_SETTING, mailFrom: MAIL_FROM };
const OPENING = '<CAF+opening.4711@mail.customer.example>';

/** References as a list, whatever mailparser made of it (a string when there is one). */
function referencesOf(parsed: ParsedMail): string[] {
  return parsed.references === undefined ? [] : [parsed.references].flat();
}

const reply = (body: string) => ({ kind: 'reply' as const, body, close: false, seen: null, channel: 'web' as const });

for (const dialect of DIALECTS) {
  describe(`${dialect}: our emails stay in the customer's mail thread`, () => {
    let bed: Testbed;
    let smtp: TestSmtpServer;
    let worker: OutboxWorker;
    let deliver: () => Promise<ReceivedEmail[]>;
    let intake: TicketIntake;
    let alice: number;

    beforeEach(async () => {
      bed = await testbed(dialect);
      smtp = await startSmtpServer();
      worker = bed.worker(smtp.url);
      deliver = deliveries(worker, smtp);
      intake = new TicketIntake(bed.ctx);
      alice = await createAgent(bed.ctx, 'alice', 'Alice Archer');
      await changePresence(bed.ctx, alice, 'available');
    });
    afterEach(async () => {
      await bed.close();
      await smtp.close();
    });

    const ingest = (raw: Buffer): Promise<InboundOutcome> => ingestMail(bed.ctx, intake, SETTING, raw, 'http');
    const agent = () => ({ id: alice, role: 'agent' as const });

    async function deliverOne(): Promise<ParsedMail> {
      const emails = await deliver();
      expect(emails.map((e) => e.rcptTo)).toEqual([['carla@customer.example']]);
      return emails[0]!.parsed;
    }

    it('created answers the mail that opened the ticket; the customer answers; the next reply answers that answer; every email starts References with the opening mail', async () => {
      const opened = await ingest(customerMail({ messageId: OPENING }));
      expect(opened).toMatchObject({ result: 'created' });
      const ticketId = opened.ticketId!;
      const created = await deliverOne();
      expect(created.subject).toContain(`[HD-${ticketId}]`);
      expect(created.inReplyTo).toBe(OPENING);
      expect(referencesOf(created)).toEqual([OPENING]);

      // The customer answers our email from their mail client.
      bed.clock.advance(60_000);
      const answerId = '<answer.2@mail.customer.example>';
      expect(await ingest(answerTo(created, { messageId: answerId, text: 'Now it smokes.' }))).toMatchObject({ result: 'appended', ticketId });

      bed.clock.advance(60_000);
      await postStaffMessage(bed.ctx, agent(), ticketId, reply('Unplug it, please.'));
      const first = await deliverOne();
      expect(first.inReplyTo).toBe(answerId);
      expect(referencesOf(first)).toEqual([OPENING, created.messageId, answerId]);

      // No mail since: the next email answers ours.
      bed.clock.advance(60_000);
      await postStaffMessage(bed.ctx, agent(), ticketId, reply('And wait ten minutes.'));
      const second = await deliverOne();
      expect(second.inReplyTo).toBe(first.messageId);
      expect(referencesOf(second)).toEqual([OPENING, created.messageId, answerId, first.messageId]);

      // An auto-reply of the customer's mailbox is shown on the ticket, but never answered.
      bed.clock.advance(60_000);
      const away = answerTo(second, { messageId: '<away.3@mail.customer.example>', text: 'I am out of the office.', headers: ['Auto-Submitted: auto-replied'] });
      expect(await ingest(away)).toMatchObject({ result: 'ignored', ticketId });
      bed.clock.advance(60_000);
      expect(await closeTicket(bed.ctx, agent(), ticketId)).toBe(true);
      const closed = await deliverOne();
      expect(closed.inReplyTo).toBe(second.messageId);
      expect(referencesOf(closed)).toEqual([OPENING, created.messageId, answerId, second.messageId]);

      for (const email of [created, first, second, closed]) {
        expect(referencesOf(email)[0]).toBe(OPENING);
        expect(referencesOf(email).at(-1)).toBe(email.inReplyTo);
        expect(referencesOf(email).length).toBeLessThanOrEqual(4);
      }
    });

    it('a follow-up opened by mail answers that mail', async () => {
      const opened = await ingest(customerMail({ messageId: OPENING }));
      const created = await deliverOne();
      bed.clock.advance(60_000);
      await postStaffMessage(bed.ctx, agent(), opened.ticketId!, { ...reply('Fixed.'), close: true });
      const replied = await deliverOne();

      bed.clock.advance(60_000);
      const again = '<again.5@mail.customer.example>';
      const followUp = await ingest(answerTo(replied, { messageId: again, text: 'It burns again.' }));
      expect(followUp.result).toBe('follow_up');
      expect(followUp.ticketId).not.toBe(opened.ticketId);
      const followUpCreated = await deliverOne();
      expect(followUpCreated.subject).toContain(`[HD-${followUp.ticketId}]`);
      expect(followUpCreated.inReplyTo).toBe(again);
      expect(referencesOf(followUpCreated)).toEqual([again]);
      expect(followUpCreated.messageId).not.toBe(created.messageId);
    });

    it('a ticket from the form is threaded as before; once the customer answers by mail, the next email answers that mail', async () => {
      const ticket = await intakeTicket(bed.ctx, ticketForm());
      const created = await deliverOne();
      expect(created.inReplyTo).toBeUndefined();
      expect(referencesOf(created)).toEqual([]);
      bed.clock.advance(60_000);
      await postStaffMessage(bed.ctx, agent(), ticket.id, reply('On it.'));
      const first = await deliverOne();
      expect(first.inReplyTo).toBe(created.messageId);
      expect(referencesOf(first)).toEqual([created.messageId]);

      bed.clock.advance(60_000);
      const answerId = '<form-answer@mail.customer.example>';
      expect(await ingest(answerTo(first, { messageId: answerId }))).toMatchObject({ result: 'appended', ticketId: ticket.id });
      bed.clock.advance(60_000);
      await postStaffMessage(bed.ctx, agent(), ticket.id, reply('Good to hear.'));
      const second = await deliverOne();
      expect(second.inReplyTo).toBe(answerId);
      expect(referencesOf(second)).toEqual([created.messageId, first.messageId, answerId]);
    });

    it('a mail without a Message-ID is not named; its ticket is threaded as one from the form', async () => {
      const opened = await ingest(customerMail({ messageId: null }));
      expect(opened.result).toBe('created');
      const created = await deliverOne();
      expect(created.inReplyTo).toBeUndefined();
      expect(referencesOf(created)).toEqual([]);
    });

    it('a retried email keeps the headers of its first try, though the customer answered meanwhile', async () => {
      const opened = await ingest(customerMail({ messageId: OPENING }));
      const ticketId = opened.ticketId!;
      const created = await deliverOne();
      bed.clock.advance(60_000);
      await postStaffMessage(bed.ctx, agent(), ticketId, reply('Unplug it.'));

      // The mail server refuses the reply once.
      const down = await startSmtpServer({ reject: 'data' });
      const mailer = createSmtpMailer(down.url, FAST_TIMEOUTS);
      const handed: string[] = [];
      try {
        const refusing = bed.worker(down.url, { mailer: { ...mailer, send: (email, signal) => (handed.push(`${email.inReplyTo} ${email.references?.join(' ')}`), mailer.send(email, signal)) } });
        expect(await refusing.runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
      } finally {
        mailer.close();
        await down.close();
      }

      bed.clock.advance(60_000);
      expect(await ingest(answerTo(created, { messageId: '<meanwhile@mail.customer.example>' }))).toMatchObject({ result: 'appended' });
      bed.clock.advance(5 * 60_000);
      const retried = await deliverOne();
      expect(retried.inReplyTo).toBe(created.messageId);
      expect(referencesOf(retried)).toEqual([OPENING, created.messageId]);
      expect(handed).toEqual([`${created.messageId} ${OPENING} ${created.messageId}`]);
      expect((await emailsOfTicket(bed.ctx.handle.db, ticketId)).map((e) => [e.kind, e.status, e.attempts])).toEqual([
        ['created', 'sent', 1],
        ['reply', 'sent', 2],
      ]);
    });
  });
}
