/**
 * Nothing a customer types can add a header or a recipient, or run script in an HTML mail reader.
 * Checked at a real SMTP server, on the raw message it received.
 */
import { describe, expect, it } from 'vitest';
import { renderEmail, renderReply } from '../../src/mail/templates/index.js';
import { createSmtpMailer, type Mailer, type OutgoingEmail } from '../../src/mail/transport.js';
import { enqueueEmail, listOutbox } from '../../src/repositories/outbox.js';
import { intakeTicket } from '../support/intake.js';
import { DIALECTS } from '../support/db.js';
import type { ReceivedEmail, TestSmtpServer } from './support/smtp.js';
import { eachTestbedWithSmtp, FAST_TIMEOUTS, ticketForm } from './support/testbed.js';

/** The header block of a raw message, one entry per header (folded lines joined). */
function headerLines(raw: string): string[] {
  const head = raw.split(/\r?\n\r?\n/)[0]!;
  return head.split(/\r?\n(?![ \t])/);
}

function expectOnlyCustomer(smtp: TestSmtpServer, email: ReceivedEmail, customer: string): void {
  expect(smtp.recipientsOffered).toEqual([customer]);
  expect(email.rcptTo).toEqual([customer]);
  const names = headerLines(email.raw).map((line) => line.split(':')[0]!.toLowerCase());
  expect(names).not.toContain('bcc');
  expect(names).not.toContain('cc');
  expect(names.filter((n) => n === 'to')).toHaveLength(1);
  expect(names.filter((n) => n === 'subject')).toHaveLength(1);
  expect(email.parsed.bcc).toBeUndefined();
  expect(email.parsed.cc).toBeUndefined();
  expect(email.raw).not.toMatch(/^bcc:/im);
}

/** The real SMTP mailer, keeping a copy of every email it is handed (what message.ts built). */
function recordingMailer(smtpUrl: string): Mailer & { handed: OutgoingEmail[] } {
  const inner = createSmtpMailer(smtpUrl, FAST_TIMEOUTS);
  const handed: OutgoingEmail[] = [];
  return {
    kind: inner.kind,
    handed,
    send(email, signal) {
      handed.push(email);
      return inner.send(email, signal);
    },
    close: () => inner.close(),
  };
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

for (const dialect of DIALECTS) {
  describe(`${dialect}: header injection and HTML escaping`, () => {
    const t = eachTestbedWithSmtp(dialect);

    const injections = ['Hello\r\nBcc: x@y.example', 'Hello\nBcc: x@y.example', 'Hello\rBcc: x@y.example', 'Hello\r\n\r\nBcc: x@y.example', 'Hello\r\n Bcc: x@y.example'];
    for (const subject of injections) {
      it(`an outbox row with the subject ${JSON.stringify(subject)} is sent with one subject line and one recipient`, async () => {
        const content = { subject: `[HD-1] ${subject}`, text: 'Body', html: '<p>Body</p>' };
        await enqueueEmail(t.bed.ctx.handle.db, { ticketId: null, kind: 'created', to: 'carla@customer.example', content, now: t.bed.clock.now() });
        expect((await t.bed.worker(t.smtp.url).runOnce()).sent).toBe(1);
        expect(t.smtp.received).toHaveLength(1);
        const email = t.smtp.received[0]!;
        expectOnlyCustomer(t.smtp, email, 'carla@customer.example');
        expect(email.parsed.subject).toMatch(/^\[HD-1\] Hello +Bcc: x@y\.example$/);
        expect(email.parsed.text?.trim()).toBe('Body');
      });
    }

    // The cases above pass on nodemailer's own folding alone; these fail when message.ts stops
    // cleaning the subject (nodemailer keeps what follows a line break, and sends ESC or DEL
    // encoded into the header). NUL is left to message.test.ts: PostgreSQL text cannot hold it.
    const controlled: [subject: string, received: string][] = [
      ['Hello\r\nBcc: x@y.example', 'Hello Bcc: x@y.example'],
      ['Hello\r\n\r\nBcc: x@y.example', 'Hello Bcc: x@y.example'],
      ['Hello\r\n\tBcc: x@y.example', 'Hello Bcc: x@y.example'],
      ['Hello\u001b[31mBcc: x@y.example', 'Hello [31mBcc: x@y.example'],
      ['Hello\u007fBcc: x@y.example', 'Hello Bcc: x@y.example'],
      ['Hello\u0008\u000b\u000cBcc: x@y.example\r\n', 'Hello Bcc: x@y.example'],
    ];
    for (const [subject, received] of controlled) {
      it(`the subject ${JSON.stringify(subject)} is handed to the mailer and received as one line without control characters`, async () => {
        const content = { subject: `[HD-1] ${subject}`, text: 'Body', html: '<p>Body</p>' };
        await enqueueEmail(t.bed.ctx.handle.db, { ticketId: null, kind: 'created', to: 'carla@customer.example', content, now: t.bed.clock.now() });
        const mailer = recordingMailer(t.smtp.url);
        try {
          expect((await t.bed.worker(t.smtp.url, { mailer }).runOnce()).sent).toBe(1);
        } finally {
          mailer.close();
        }
        const [handed] = mailer.handed;
        for (const field of [handed!.subject, handed!.to, handed!.from]) expect(field).not.toMatch(CONTROL_CHARACTER);
        expect(handed!.subject).toBe(`[HD-1] ${received}`);
        const email = t.smtp.received[0]!;
        expectOnlyCustomer(t.smtp, email, 'carla@customer.example');
        expect(email.parsed.subject).toBe(`[HD-1] ${received}`);
        expect(email.parsed.subject).not.toMatch(CONTROL_CHARACTER);
      });
    }

    it('a ticket whose title and name carry CR/LF and a Bcc header reaches only the customer', async () => {
      const ticket = await intakeTicket(t.bed.ctx, ticketForm({ name: 'Eve\r\nBcc: eve@evil.example', title: 'Help\r\nBcc: x@y.example\r\nX-Injected: 1' }));
      expect((await t.bed.worker(t.smtp.url).runOnce()).sent).toBe(1);
      const email = t.smtp.received[0]!;
      expectOnlyCustomer(t.smtp, email, 'carla@customer.example');
      expect(email.parsed.subject).toMatch(new RegExp(`^\\[HD-${ticket.id}\\] We received your request: Help +Bcc: x@y\\.example +X-Injected: 1$`));
      expect(email.parsed.headers.has('x-injected')).toBe(false);
      expect(email.parsed.text).toMatch(/Hello Eve +Bcc: eve@evil\.example,/);
    });

    it('keeps non-ASCII titles intact through header encoding', async () => {
      const ticket = await intakeTicket(t.bed.ctx, ticketForm({ name: 'Zoë Ødegård', title: 'Drucker brennt – schnell! 🔥 ' + 'ü'.repeat(80) }));
      expect((await t.bed.worker(t.smtp.url).runOnce()).sent).toBe(1);
      const email = t.smtp.received[0]!;
      expect(email.parsed.subject).toBe(`[HD-${ticket.id}] We received your request: Drucker brennt – schnell! 🔥 ${'ü'.repeat(80)}`);
      expect(email.parsed.text).toContain('Hello Zoë Ødegård,');
      expect(headerLines(email.raw).every((line) => !/[^\x20-\x7e\t\r\n]/.test(line))).toBe(true);
    });

    // MAIL_FROM and MAIL_REPLY_TO take any display name without angle brackets (core/mailboxes.ts):
    // a colon made the From a group (`Acme:Help <…>;`, which RFC 5322 does not allow in From), a
    // semicolon became a comma, a parenthesis a comment mail readers drop.
    const names = ['Acme: Support', 'Billing; Accounts', 'Help (Acme)', 'Acme, Inc.', 'Zoë: Ødegård (Support)'];
    for (const name of names) {
      it(`a MAIL_FROM and MAIL_REPLY_TO named ${JSON.stringify(name)} reach the reader as that one mailbox each`, async () => {
        await intakeTicket(t.bed.ctx, ticketForm());
        const from = `${name} <help@helpdesk.example>`;
        const replyTo = `${name} <answers@helpdesk.example>`;
        expect((await t.bed.worker(t.smtp.url, { from, replyTo }).runOnce()).sent).toBe(1);
        const email = t.smtp.received[0]!;
        expect(email.parsed.from?.value).toEqual([{ name, address: 'help@helpdesk.example' }]);
        expect(email.parsed.replyTo?.value).toEqual([{ name, address: 'answers@helpdesk.example' }]);
        expect(email.mailFrom).toBe('help@helpdesk.example');
      });
    }

    it('a title that reads like an encoded word is received as typed, not decoded into other words', async () => {
      // RFC 2047: a mail reader decodes `=?charset?B|Q?…?=` in a subject, so the literal text must itself be encoded.
      const title = 'Invoice =?utf-8?B?WW91ciBhY2NvdW50IGlzIGNsb3NlZA==?= =?x?q?y?= wrong';
      const ticket = await intakeTicket(t.bed.ctx, ticketForm({ title }));
      expect((await t.bed.worker(t.smtp.url).runOnce()).sent).toBe(1);
      const email = t.smtp.received[0]!;
      expect(email.parsed.subject).toBe(`[HD-${ticket.id}] We received your request: ${title}`);
      expectOnlyCustomer(t.smtp, email, 'carla@customer.example');
    });

    it('a MAIL_FROM in a domain written in another script gives Message-IDs in that domain (its ASCII form), never @localhost', async () => {
      await intakeTicket(t.bed.ctx, ticketForm());
      expect((await t.bed.worker(t.smtp.url, { from: 'Hilfe <hilfe@bücher.example>' }).runOnce()).sent).toBe(1);
      const email = t.smtp.received[0]!;
      expect(email.messageId).toMatch(/@xn--bcher-kva\.example>$/);
    });

    it('escapes customer text in the HTML body', async () => {
      await intakeTicket(
        t.bed.ctx,
        ticketForm({ name: '<script>alert("name")</script>', title: '<img src=x onerror=alert(1)> & "quotes"' }),
      );
      expect((await t.bed.worker(t.smtp.url).runOnce()).sent).toBe(1);
      const html = t.smtp.received[0]!.parsed.html;
      expect(typeof html).toBe('string');
      expect(html).toContain('Hello &lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;,');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
      expect(html).not.toMatch(/<script|<img/i);
      // The plain-text body shows what the customer typed, as typed.
      expect(t.smtp.received[0]!.parsed.text).toContain('Hello <script>alert("name")</script>,');
      const [row] = await listOutbox(t.bed.ctx.handle.db);
      expect(row!.html_body).not.toMatch(/<script/i);
    });
  });
}

describe('templates', () => {
  it('escape every customer field in HTML for every kind of email', () => {
    const evil = '<b onmouseover="x">';
    for (const kind of ['created', 'assigned', 'reassigned', 'closed', 'sla_breached'] as const) {
      const content = renderEmail(kind, {
        reference: 'HD-7',
        customerName: evil,
        title: evil,
        priority: 'low',
        slaDueAt: Date.UTC(2026, 0, 1),
        timeZone: 'UTC',
        agentName: evil,
        previousAgentName: evil,
        statusUrl: 'https://help.example.com/tickets/status/abc"<x>/',
      });
      expect(content.html, kind).not.toContain('<b ');
      expect(content.html, kind).toContain('&lt;b onmouseover=&quot;x&quot;&gt;');
      expect(content.html, kind).toContain('href="https://help.example.com/tickets/status/abc&quot;&lt;x&gt;/"');
      expect(content.subject, kind).toMatch(/^\[HD-7\] /);
      expect(content.text, kind).toContain('https://help.example.com/tickets/status/abc"<x>/');
    }
  });

  it('escape the reply, its writer and its quoted history, keeping line breaks; never more than three earlier messages', () => {
    const evil = '<b onmouseover="x">';
    const content = renderReply({
      reference: 'HD-7',
      customerName: evil,
      title: evil,
      priority: 'low',
      slaDueAt: Date.UTC(2026, 0, 1),
      timeZone: 'UTC',
      agentName: evil,
      previousAgentName: null,
      statusUrl: 'https://help.example.com/tickets/status/abc"<x>/',
      writerName: evil,
      body: `first line ${evil}\r\nsecond line`,
      history: [1, 2, 3, 4].map((n) => ({ authorName: `${evil} ${n}`, createdAt: Date.UTC(2026, 0, n), body: `message ${n}\n${evil}` })),
      closed: false,
    });
    expect(content.subject).toBe('Re: [HD-7] <b onmouseover="x">');
    expect(content.html).not.toContain('<b ');
    expect(content.html).toContain('first line &lt;b onmouseover=&quot;x&quot;&gt;<br>second line');
    expect(content.html).toContain('— &lt;b onmouseover=&quot;x&quot;&gt;');
    expect(content.html).toContain('message 1<br>&lt;b onmouseover=&quot;x&quot;&gt;</blockquote>');
    expect(content.html).toContain('href="https://help.example.com/tickets/status/abc&quot;&lt;x&gt;/"');
    expect(content.text).toContain('> message 3\n> <b onmouseover="x">');
    expect(content.text).not.toContain('message 4');
    expect(content.html).not.toContain('message 4');
    expect(content.text).not.toContain('This request is now closed');
  });
});