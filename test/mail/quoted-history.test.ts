/**
 * The quoted history below a reply email (§9: the earlier public messages, newest first, at most
 * three) holds what people wrote: the customer's own out-of-office, answered to our reply by their
 * mail system (§10 rule 3: shown on the ticket, marked automatic), is not quoted as "Carla wrote:"
 * nor takes one of the three places. Through the real inbound route and a real SMTP server, both
 * engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../src/mail/message.js';
import { HISTORY_HEADING } from '../../src/mail/templates/reply.js';
import { createSmtpMailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { addStaff } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { inboundApp } from './support/inbound-app.js';
import { rawMail } from './support/raw-mail.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { FAST_TIMEOUTS, MAIL_FROM, memoryLogger } from './support/testbed.js';

const OUT_OF_OFFICE = 'I am out of the office until Monday and read no mail.';

for (const dialect of DIALECTS) {
  describe(`the quoted history of a reply email (${dialect})`, () => {
    const app = inboundApp(dialect, { maxBytes: 10 * 1024 * 1024, ticketsPerHour: 20 });
    let smtp: TestSmtpServer;
    beforeAll(async () => {
      smtp = await startSmtpServer();
    });
    afterAll(() => smtp.close());

    /** Sends what the outbox holds through the real SMTP server; returns the reply emails received so far, oldest first. */
    async function replyEmails() {
      const mailer = createSmtpMailer(smtp.url, FAST_TIMEOUTS);
      try {
        await new OutboxWorker({ handle: app.t.ctx.handle, mailer, clock: app.t.ctx.clock, from: MAIL_FROM, logger: memoryLogger() }).runOnce();
      } finally {
        mailer.close();
      }
      return smtp.received.filter((e) => e.parsed.subject?.startsWith('Re: '));
    }

    it('leaves the customer’s auto-reply out: the earlier messages people wrote are quoted', async () => {
      const { t } = app;
      const root = await addStaff(t.ctx, 'rita', { role: 'admin', displayName: 'Rita Root' });
      const writer = { id: root, role: 'admin' as const };
      const created = await app.deliver(rawMail({ from: 'Carla <carla@customer.example>', subject: 'Printer jams', text: 'It jams on every page.' }));
      const id = Number(String(created.json().ticket).replace(/^HD-/, ''));
      const reply = (body: string) => postStaffMessage(t.ctx, writer, id, { kind: 'reply', body, close: false, seen: null, channel: 'web' });

      await reply('Have you tried new toner?');
      const first = (await replyEmails()).at(-1)!;
      const ours = (await t.ctx.handle.db.selectFrom('outbox').selectAll().where('ticket_id', '=', id).where('kind', '=', 'reply').executeTakeFirstOrThrow());
      // The customer's mail system answers our reply by itself.
      const auto = await app.deliver(rawMail({ from: 'Carla <carla@customer.example>', subject: 'Automatic reply: Re: Printer jams', inReplyTo: messageIdFor(ours, MAIL_FROM), headers: { 'Auto-Submitted': 'auto-replied' }, text: OUT_OF_OFFICE }));
      expect(auto.json()).toMatchObject({ result: 'ignored' });
      expect(first.parsed.text).toContain('It jams on every page.');

      await reply('Then please send us a photo of the paper path.');
      const second = (await replyEmails()).at(-1)!;
      for (const part of [second.parsed.text ?? '', second.parsed.html || '']) {
        expect(part).toContain(HISTORY_HEADING);
        expect(part).not.toContain(OUT_OF_OFFICE.split(' ').slice(0, 6).join(' '));
        expect(part).toContain('Have you tried new toner?');
        expect(part).toContain('It jams on every page.');
      }
      // The auto-reply is still on the ticket, marked automatic (only the email leaves it out).
      const messages = await t.ctx.handle.db.selectFrom('messages').select(['body', 'automatic']).where('ticket_id', '=', id).orderBy('id').execute();
      expect(messages.filter((m) => m.automatic === 1).map((m) => m.body)).toEqual([OUT_OF_OFFICE]);
    });
  });
}
