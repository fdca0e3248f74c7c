/**
 * What staff see of mail (SPEC §10, §9) through the real app on both engines: a message that came
 * by email says so and links its original; the original (`/agents/tickets/<id>/messages/<id>/original/`)
 * shows the mail's header and whole text, escaped, never its HTML, to whoever may see the ticket and
 * to nobody else; an auto-reply is marked; a customer email that bounced is told on the ticket page.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailOriginalPath, staffTicketPath } from '../../src/http/links.js';
import { createSmtpMailer } from '../../src/mail/transport.js';
import { messageIdFor } from '../../src/mail/message.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { reassignTicket } from '../../src/services/admin.js';
import { postCustomerMessage } from '../../src/services/conversation.js';
import { DEFAULT_INBOUND_SETTING, ingestMail } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { visibleText } from '../admin/support.js';
import { customerMail } from '../mail/support/customer-mail.js';
import { startSmtpServer } from '../mail/support/smtp.js';
import { memoryLogger } from '../mail/support/testbed.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';

const SETTING = DEFAULT_INBOUND_SETTING;

/** The `<article>` of one message on the staff page. */
function articleOf(html: string, messageId: number): string {
  const start = html.indexOf(`id="message-${messageId}"`);
  expect(start, `message ${messageId} is on the page`).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</article>', start));
}

const originalLinks = (html: string) => [...html.matchAll(/<a href="([^"]+)" class="original-mail">Original mail<\/a>/g)].map((m) => m[1]);

for (const dialect of DIALECTS) {
  describe(`mail as staff see it (${dialect})`, () => {
    let t: TestApp;
    let intake: TicketIntake;
    let rootId: number;
    let ana: Client;
    let ben: Client;
    let root: Client;
    const db = () => t.ctx.handle.db;
    const ingest = (raw: Buffer) => ingestMail(t.ctx, intake, SETTING, raw, 'http');
    const messagesOf = (ticketId: number) => db().selectFrom('messages').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();

    /** A ticket opened by the mail, placed with ana (R6). */
    async function mailTicket(raw: Buffer): Promise<number> {
      const outcome = await ingest(raw);
      expect(outcome.result).toBe('created');
      await reassignTicket(t.ctx, rootId, outcome.ticketId!, 'ana');
      return outcome.ticketId!;
    }

    beforeAll(async () => {
      t = await startTestApp(dialect);
      intake = new TicketIntake(t.ctx);
      const anaId = await addStaff(t.ctx, 'ana', { capacity: 50 });
      const benId = await addStaff(t.ctx, 'ben', { capacity: 50 });
      rootId = await addStaff(t.ctx, 'root', { role: 'admin' });
      [ana, ben, root] = [new Client(t.app), new Client(t.app), new Client(t.app)];
      for (const [client, name] of [[ana, 'ana'], [ben, 'ben'], [root, 'root']] as const) expect((await client.login(name)).statusCode).toBe(303);
      for (const id of [anaId, benId]) await changePresence(t.ctx, id, 'away');
    });
    afterAll(() => t.close());

    it('marks each message that came by email and links its original; a web message is neither; an auto-reply is marked', async () => {
      const id = await mailTicket(customerMail({ messageId: '<open.1@mail.customer.example>', subject: 'Printer on fire' }));
      const answer = customerMail({
        messageId: '<answer.2@mail.customer.example>',
        subject: `Re: [HD-${id}] Printer on fire`,
        text: 'Now it smokes.\n\nOn Tue, 1 Dec 2026 Helpdesk <support@helpdesk.example> wrote:\n> We received your request, quoted-history-marker.',
        headers: ['X-Mailer: Carla’s Mail 1.0'],
      });
      expect((await ingest(answer)).result).toBe('appended');
      const away = customerMail({ messageId: '<away.3@mail.customer.example>', subject: `Re: [HD-${id}] Printer on fire`, text: 'I am out of the office.', headers: ['Auto-Submitted: auto-replied'] });
      expect((await ingest(away)).result).toBe('ignored');
      const ticket = await db().selectFrom('tickets').select('token').where('id', '=', id).executeTakeFirstOrThrow();
      await postCustomerMessage(t.ctx, ticket.token, { body: 'Sent from the status page.', channel: 'web' });
      const [opening, answered, automatic, web] = await messagesOf(id);

      const page = await ana.get(staffTicketPath(id));
      expect(page.statusCode).toBe(200);
      expect(originalLinks(page.body)).toEqual([opening!, answered!, automatic!].map((m) => mailOriginalPath(id, m.id)));
      for (const m of [opening!, answered!, automatic!]) expect(articleOf(page.body, m.id)).toContain('by email');
      expect(articleOf(page.body, web!.id)).toContain('via web');
      expect(articleOf(page.body, web!.id)).not.toContain('Original mail');
      expect(articleOf(page.body, automatic!.id)).toContain('automatic reply');
      for (const m of [opening!, answered!, web!]) expect(articleOf(page.body, m.id)).not.toContain('automatic reply');
      // The thread holds what the answer adds; its quoted history is in the original only.
      expect(articleOf(page.body, answered!.id)).toContain('Now it smokes.');
      expect(page.body).not.toContain('quoted-history-marker');

      const original = await ana.get(mailOriginalPath(id, answered!.id));
      expect(original.statusCode).toBe(200);
      expect(original.headers['cache-control']).toBe('no-store');
      const text = visibleText(original);
      expect(text).toContain('Original mail');
      expect(text).toContain('Message-ID: <answer.2@mail.customer.example>');
      expect(text).toContain('X-Mailer: Carla’s Mail 1.0');
      expect(text).toContain(`Subject: Re: [HD-${id}] Printer on fire`);
      expect(text).toContain('From Carla Customer <carla@customer.example>');
      expect(text).toContain('Now it smokes.');
      expect(text).toContain('> We received your request, quoted-history-marker.');
      expect(original.body).toContain(`href="${staffTicketPath(id)}#message-${answered!.id}"`);
      expect(visibleText(await ana.get(mailOriginalPath(id, automatic!.id)))).toContain('Automatic reply Sent by the customer’s mail system');
    });

    it('the original is for whoever may see the ticket: another agent gets the 404 of the ticket page; a message not from mail, or of another ticket, has none', async () => {
      const id = await mailTicket(customerMail({ messageId: '<access.1@mail.customer.example>' }));
      const other = await mailTicket(customerMail({ messageId: '<access.2@mail.customer.example>', from: 'Dan <dan@customer.example>' }));
      const [message] = await messagesOf(id);
      const [otherMessage] = await messagesOf(other);
      const path = mailOriginalPath(id, message!.id);

      expect((await ana.get(path)).statusCode).toBe(200);
      expect((await root.get(path)).statusCode).toBe(200);
      const bare = await ana.get(path.slice(0, -1));
      expect([bare.statusCode, bare.headers.location]).toEqual([301, path]);
      const page = await ben.get(staffTicketPath(id));
      const refused = await ben.get(path);
      expect(page.statusCode).toBe(404);
      expect(refused.statusCode).toBe(page.statusCode);
      expect(refused.body).not.toContain('access.1@mail.customer.example');
      const anonymous = await new Client(t.app).get(path);
      expect(anonymous.statusCode).toBe(303);
      expect(anonymous.headers.location).toBe(`/agents/login/?next=${encodeURIComponent(path)}`);

      const web = await intakeTicket(t.ctx, { name: 'Carla', email: 'carla@customer.example', title: 'From the form', description: 'Typed in.', priority: 'low' });
      const [webMessage] = await messagesOf(web.id);
      const missing: [string, string][] = [
        ['a message of another ticket', mailOriginalPath(id, otherMessage!.id)],
        ['a message typed into the form', mailOriginalPath(web.id, webMessage!.id)],
        ['no such message', mailOriginalPath(id, 999_999)],
        ['not a message id', `${staffTicketPath(id)}messages/abc/original/`],
      ];
      for (const [what, url] of missing) {
        const response = await root.get(url);
        expect(response.statusCode, what).toBe(404);
        expect(response.body, what).not.toContain('access.2@mail.customer.example');
      }
    });

    it('shows a mail written in HTML only as the text read from it, never its HTML; every header and text escaped', async () => {
      const id = await mailTicket(
        customerMail({
          messageId: '<html.1@mail.customer.example>',
          from: '"<b>Carla</b>" <carla@customer.example>',
          subject: '<script>alert(1)</script> Printer',
          html: '<p>Hello <b>team</b>, the printer <img src=x onerror=alert(2)> burns.</p><script>alert(3)</script><style>p { color: red }</style>',
          headers: ['X-Note: </pre><script>alert(4)</script>'],
        }),
      );
      const [message] = await messagesOf(id);
      const original = await ana.get(mailOriginalPath(id, message!.id));
      expect(original.statusCode).toBe(200);
      for (const live of [/<script>alert/i, /<img src=x/i, /<b>team/i, /<b>Carla/i, /<style>p/i]) expect(original.body).not.toMatch(live);
      // Preact escapes `<` and `&` in text (and `>` needs none there).
      expect(original.body).toContain('&lt;script>alert(1)&lt;/script> Printer');
      expect(original.body).toContain('X-Note: &lt;/pre>&lt;script>alert(4)&lt;/script>');
      expect(original.body).toContain('&lt;b>Carla&lt;/b>');
      const text = visibleText(original);
      expect(text).toMatch(/Hello team, the printer .*burns\./);
      expect(text).toContain('Content-Type: text/html; charset=utf-8');
    });

    it('tells the agent on the ticket page that an email to the customer bounced, with the reason', async () => {
      const ticket = await intakeTicket(t.ctx, { name: 'Carla', email: 'carla@gone.example', title: 'Bouncing', description: 'Help.', priority: 'low' });
      await reassignTicket(t.ctx, rootId, ticket.id, 'ana');
      const smtp = await startSmtpServer();
      const worker = new OutboxWorker({ handle: t.ctx.handle, mailer: createSmtpMailer(smtp.url), clock: t.ctx.clock, from: SETTING.mailFrom, logger: memoryLogger() });
      while ((await worker.runOnce()).claimed > 0);
      await smtp.close();
      const created = await db().selectFrom('outbox').selectAll().where('ticket_id', '=', ticket.id).where('kind', '=', 'created').executeTakeFirstOrThrow();
      expect(created.status).toBe('sent');
      const before = await ana.get(staffTicketPath(ticket.id));
      expect(before.body).not.toContain('bounced');

      const report = [
        'From: Mail Delivery System <MAILER-DAEMON@mx.gone.example>',
        'To: helpdesk@localhost',
        'Subject: Undelivered Mail Returned to Sender',
        'Message-ID: <dsn.1@mx.gone.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
        '',
        '--r',
        'Content-Type: text/plain',
        '',
        'Your message could not be delivered.',
        '--r',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.gone.example',
        '',
        'Final-Recipient: rfc822; carla@gone.example',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 <carla@gone.example>: User unknown',
        '--r',
        'Content-Type: text/rfc822-headers',
        '',
        `Message-ID: ${messageIdFor(created, SETTING.mailFrom)}`,
        '--r--',
        '',
      ].join('\r\n');
      expect((await ingest(Buffer.from(report))).result).toBe('bounce');

      for (const client of [ana, root]) {
        const page: LightMyRequestResponse = await client.get(staffTicketPath(ticket.id));
        expect(page.statusCode).toBe(200);
        expect(page.body).toContain(`data-outbox-id="${created.id}"`);
        expect(visibleText(page)).toContain('Email to carla@gone.example bounced: Status 5.1.1: smtp; 550 5.1.1 <carla@gone.example>: User unknown');
        expect(page.body).toContain('&lt;carla@gone.example>: User unknown');
        expect(visibleText(page)).toContain('The customer did not get the confirmation sent');
      }
    });
  });
}
