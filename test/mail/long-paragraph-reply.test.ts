/**
 * A reply whose paragraph is one long line loses its quoted history like any reply (§10 Content).
 * Thunderbird and Apple Mail send `format=flowed`, which joins a paragraph into one line when read;
 * an iPhone and most HTML mail (Outlook, Gmail) write a paragraph as one line too. A paragraph of a
 * few hundred words used to keep the whole quoted history and signature in the thread. Through the
 * real inbound route, on both engines.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { customerMail } from './support/customer-mail.js';
import { inboundApp } from './support/inbound-app.js';

/** A paragraph of about 3000 characters, as a customer writes one when something keeps failing. */
const PARAGRAPH = Array.from({ length: 60 }, (_, i) => `On day ${i + 1} the printer jammed on the desk at noon again.`).join(' ');
const QUOTE = 'On Tue, 1 Dec 2026 at 10:00, Helpdesk <support@helpdesk.example> wrote:\n> We received your request.\n> Status: https://help.example.com/tickets/status/abc/';

/** Lines of at most 72 characters, a space at the end of each soft break (RFC 3676). */
function flowed(text: string): string {
  return text.replace(/(.{1,71})(?: |$)/g, '$1 \n').trimEnd();
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: a reply with a long paragraph`, () => {
    const inbound = inboundApp(dialect, { maxBytes: 10 * 1024 * 1024, ticketsPerHour: 20 });

    async function openTicket(messageId: string): Promise<string> {
      const opened = (await inbound.deliver(customerMail({ messageId }))).json() as { result: string; ticket: string };
      expect(opened.result).toBe('created');
      return opened.ticket;
    }
    const lastMessage = (reference: string) =>
      inbound.t.ctx.handle.db.selectFrom('messages').select('body').where('ticket_id', '=', Number(reference.slice(3))).orderBy('id', 'desc').executeTakeFirstOrThrow();

    it('format=flowed (Thunderbird, Apple Mail): the paragraph is the message, without the quote or the signature', async () => {
      const ticket = await openTicket('<lp.1@mail.customer.example>');
      const raw = customerMail({ subject: `Re: [${ticket}] Printer on fire`, messageId: '<lp.2@mail.customer.example>', inReplyTo: '<lp.1@mail.customer.example>', text: `${flowed(PARAGRAPH)}\n\n-- \nCarla\n\n${QUOTE}` })
        .toString('utf8')
        .replace('Content-Type: text/plain; charset=utf-8', 'Content-Type: text/plain; charset=utf-8; format=flowed');
      expect((await inbound.deliver(raw)).json()).toMatchObject({ result: 'appended', ticket });
      expect((await lastMessage(ticket)).body).toBe(PARAGRAPH);
    });

    it('HTML only (Outlook, Gmail): the paragraph is the message, without the quote', async () => {
      const ticket = await openTicket('<lp.3@mail.customer.example>');
      const html = `<div>${PARAGRAPH}</div><div class="gmail_quote">On Tue, 1 Dec 2026 at 10:00, Helpdesk &lt;support@helpdesk.example&gt; wrote:<br><blockquote>We received your request.</blockquote></div>`;
      expect((await inbound.deliver(customerMail({ subject: `Re: [${ticket}] Printer on fire`, messageId: '<lp.4@mail.customer.example>', inReplyTo: '<lp.3@mail.customer.example>', html }))).json()).toMatchObject({ result: 'appended', ticket });
      expect((await lastMessage(ticket)).body).toBe(PARAGRAPH);
    });

    it('a quoted long paragraph goes with the rest of the quote', async () => {
      const ticket = await openTicket('<lp.5@mail.customer.example>');
      const text = `Still broken.\n\n${QUOTE}\n> ${PARAGRAPH}`;
      expect((await inbound.deliver(customerMail({ subject: `Re: [${ticket}] Printer on fire`, messageId: '<lp.6@mail.customer.example>', inReplyTo: '<lp.5@mail.customer.example>', text }))).json()).toMatchObject({ result: 'appended' });
      expect((await lastMessage(ticket)).body).toBe('Still broken.');
    });
  });
}
