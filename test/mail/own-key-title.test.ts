/**
 * A title typed with our own key (`[HD-6] printer`, `Re: [HD-6] …` pasted from one of our emails'
 * subjects) loses it when the ticket is made (core/mailSubject.ts withoutOurKeys), as a mail's
 * subject does (newTicketTitle): the new ticket's emails, read from a real SMTP server, carry its
 * own key alone, and the customer's answer to one of them, posted to POST /api/v1/inbound/email,
 * lands on that ticket and never on the one the pasted key named. A title that is only our key is
 * refused (400 naming the title), on the API and the web form, and nothing is written.
 */
import { describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { ApiClient, validTicket } from '../api/support.js';
import { Client } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { drain } from './support/drain.js';
import { inboundApp } from './support/inbound-app.js';
import { rawMail } from './support/raw-mail.js';
import { startSmtpServer } from './support/smtp.js';
import { FAST_TIMEOUTS, MAIL_FROM, memoryLogger } from './support/testbed.js';

const OUR_KEYS = /\[HD-\d+\]/gi;

for (const dialect of DIALECTS) {
  describe(`${dialect}: a typed title with our own key`, () => {
    const inbound = inboundApp(dialect, { maxBytes: 1024 * 1024, ticketsPerHour: 20 });
    const db = () => inbound.t.ctx.handle.db;
    const customerMessages = async (reference: string) =>
      Number(
        (await db().selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('ticket_id', '=', Number(reference.slice(3))).where('kind', '=', 'customer').executeTakeFirstOrThrow()).n,
      );

    /** Sends every email due through a real SMTP server; what it received. */
    async function sentEmails() {
      const smtp = await startSmtpServer();
      const mailer = createSmtpMailer(smtp.url, FAST_TIMEOUTS);
      try {
        await drain(new OutboxWorker({ handle: inbound.t.ctx.handle, mailer, clock: inbound.t.ctx.clock, from: MAIL_FROM, logger: memoryLogger() }));
        return smtp.received;
      } finally {
        mailer.close();
        await smtp.close();
      }
    }

    it('is made without it: the emails carry the new key alone, and an answer by subject alone lands on the new ticket, not the pasted one', async () => {
      const api = new ApiClient(inbound.t.app);
      const customer = { ...validTicket, email: 'pia@customer.example', name: 'Pia Paste' };
      const earlier = await api.post('/api/v1/tickets', { ...customer, title: 'Printer on fire' });
      expect(earlier.status).toBe(201);
      const pasted = await api.post('/api/v1/tickets', { ...customer, title: `Re: [${earlier.body.reference}] We received your request: Printer on fire` });
      expect(pasted.status, JSON.stringify(pasted.body)).toBe(201);

      const created = (await sentEmails()).find((e) => e.parsed.subject?.startsWith(`[${pasted.body.reference}]`));
      expect(created, 'the new ticket’s created email was sent').toBeDefined();
      expect(created!.parsed.subject).toBe(`[${pasted.body.reference}] We received your request: Printer on fire`);
      expect(created!.parsed.subject!.match(OUR_KEYS)).toEqual([`[${pasted.body.reference}]`]);
      expect(pasted.body.title).toBe('Printer on fire');

      // The customer's client drops In-Reply-To and References: the subject alone names the ticket.
      const before = await customerMessages(earlier.body.reference);
      const answer = await inbound.deliver(rawMail({ from: 'Pia Paste <pia@customer.example>', subject: `Re: ${created!.parsed.subject!}`, text: 'Still burning.' }));
      expect(answer.json()).toMatchObject({ result: 'appended', ticket: pasted.body.reference });
      expect(await customerMessages(earlier.body.reference)).toBe(before);
    });

    it('that is only our key is refused: 400 naming the title, nothing written', async () => {
      const api = new ApiClient(inbound.t.app);
      const tickets = async () => Number((await db().selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const before = await tickets();
      for (const title of ['[HD-6]', 'Re: [hd-6] An agent is on it:', ' Fwd: [HD-6]  [HD-7] ']) {
        const refused = await api.post('/api/v1/tickets', { ...validTicket, email: 'kai@customer.example', title });
        expect(refused.status, title).toBe(400);
        expect(Object.keys(refused.body.error.fields), title).toEqual(['title']);
        expect(refused.body.error.fields.title).toMatch(/^Subject: .*ticket reference/);
      }
      expect(await tickets()).toBe(before);
    });

    it('on the web form too: pasted with a key it is stored without; only a key is re-rendered with 400 as typed, nothing written', async () => {
      const form = { name: 'Lu Form', email: 'lu@customer.example', description: 'Jammed.', priority: 'low' };
      const rows = async () => db().selectFrom('tickets').select('title').where('customer_email', '=', form.email).execute();
      const refused = await new Client(inbound.t.app).submit('/tickets/create/', { ...form, title: 'Re: [HD-6]' });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('Subject: say what the request is about; a ticket reference alone is not a subject.');
      expect(refused.body).toContain('value="Re: [HD-6]"');
      expect(await rows()).toEqual([]);
      const made = await new Client(inbound.t.app).submit('/tickets/create/', { ...form, title: 'AW: [HD-6] Your request is closed: Jammed again' });
      expect(made.statusCode).toBe(303);
      expect(await rows()).toEqual([{ title: 'Jammed again' }]);
    });
  });
}
