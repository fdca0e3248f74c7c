/**
 * A customer whose address has a domain in another script (`zoe@bücher.example`) answers by mail
 * (§10 rule 5): the answer reaches the ticket whichever of the domain's two spellings the ticket
 * and the mail hold. Chromium's email field sends the ASCII form (`zoe@xn--bcher-kva.example`),
 * other browsers and the API may keep the letters, and the mail reader shows a mail's From with
 * the letters; both are one mailbox.
 */
import { describe, expect, it } from 'vitest';
import { Client, submitViaForm } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { inboundApp } from './support/inbound-app.js';
import { rawMail } from './support/raw-mail.js';

for (const dialect of DIALECTS) {
  describe(`${dialect}: a customer address with an international domain`, () => {
    const inbound = inboundApp(dialect, { maxBytes: 1024 * 1024, ticketsPerHour: 20 });

    it.each([
      ['the ASCII form (as Chromium sends the form)', 'zoe@xn--bcher-kva.example', 'Zoe <zoe@bücher.example>'],
      ['the ASCII form, answered in the ASCII form', 'zoe@xn--bcher-kva.example', 'Zoe <zoe@xn--bcher-kva.example>'],
      ['the letters, answered in the ASCII form', 'zoe@bücher.example', 'Zoe <zoe@xn--bcher-kva.example>'],
      ['the letters in capitals, answered in the letters', 'ZOE@BÜCHER.example', 'Zoe <zoe@bücher.example>'],
    ])('a ticket made with %s takes the customer’s answer', async (_case, typed, from) => {
      const token = await submitViaForm(new Client(inbound.t.app), { email: typed, title: 'Printer' });
      const ticket = (await findTicketByToken(inbound.t.ctx.handle.db, token))!;
      expect(ticket.customer_email).toBe(typed);
      const answer = await inbound.deliver(rawMail({ from, subject: `Re: [HD-${ticket.id}] We received your request: Printer`, text: 'Still jammed.' }));
      expect(answer.json()).toMatchObject({ result: 'appended', ticket: `HD-${ticket.id}` });
    });

    it('another mailbox of the same domain is still another customer', async () => {
      const token = await submitViaForm(new Client(inbound.t.app), { email: 'zoe@xn--bcher-kva.example', title: 'Scanner' });
      const ticket = (await findTicketByToken(inbound.t.ctx.handle.db, token))!;
      const answer = await inbound.deliver(rawMail({ from: 'Max <max@bücher.example>', subject: `Re: [HD-${ticket.id}] We received your request: Scanner`, text: 'Me too.' }));
      expect(answer.json()).toMatchObject({ result: 'created' });
    });
  });
}
