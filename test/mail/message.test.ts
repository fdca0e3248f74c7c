/** The retry schedule and the Message-ID, pure. */
import { describe, expect, it } from 'vitest';
import type { OutboxRow } from '../../src/db/schema.js';
import { customerMessageId, domainOf, type MessageIdSource, messageIdFor, outgoingEmail, parseOwnMessageId, SkippedEmail, threadHeaders, UndeliverableEmail } from '../../src/mail/message.js';
import { headerSafe } from '../../src/mail/templates/layout.js';
import { afterFailure, MAX_ATTEMPTS, retryDelayMs } from '../../src/mail/retry.js';

const MINUTE = 60_000;

describe('retry schedule', () => {
  it('doubles from one minute: 1, 2, 4, 8, 16, 32, 64', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n) / MINUTE)).toEqual([1, 2, 4, 8, 16, 32, 64]);
  });

  it('makes at least 6 tries spread over more than an hour before giving up', () => {
    expect(MAX_ATTEMPTS).toBeGreaterThanOrEqual(6);
    let at = 0;
    let attempts = 1;
    for (;;) {
      const next = afterFailure(attempts, at);
      if (next.status === 'failed') break;
      at = next.nextAttemptAt;
      attempts += 1;
    }
    expect(attempts).toBe(MAX_ATTEMPTS);
    expect(at).toBeGreaterThan(60 * MINUTE);
    expect(at).toBe(127 * MINUTE);
  });
});

const row: OutboxRow = {
  id: 42,
  ticket_id: 7,
  kind: 'created',
  to_address: 'carla@customer.example',
  to_name: '',
  attachment_room: null,
  subject: '[HD-7] Hi',
  text_body: 'Body',
  html_body: '<p>Body</p>',
  cc_addresses: '',
  status: 'sending',
  attempts: 1,
  next_attempt_at: 0,
  last_error: null,
  created_at: 1_700_000_000_000,
  sent_at: null,
  message_id: null,
};

/** The sender setting of most cases below. */
const as = (from: string) => ({ from, replyTo: from });

describe('Message-ID', () => {
  it('is stable for a row, names the ticket, the row and the From domain', () => {
    const id = messageIdFor(row, 'Helpdesk <support@Help.Example.com>');
    expect(id).toMatch(/^<hd-7\.outbox-42\.[0-9a-f]{16}@help\.example\.com>$/);
    expect(messageIdFor({ ...row, attempts: 5, status: 'pending' } as OutboxRow, 'support@help.example.com')).toBe(id);
  });

  it('differs between rows, and between installations with the same row id', () => {
    const from = 'support@help.example.com';
    expect(messageIdFor({ ...row, id: 43 }, from)).not.toBe(messageIdFor(row, from));
    expect(messageIdFor({ ...row, created_at: row.created_at + 1 }, from)).not.toBe(messageIdFor(row, from));
  });

  it('keeps the old form for an email of no ticket', () => {
    expect(messageIdFor({ ...row, ticket_id: null }, 'a@b.example')).toMatch(/^<outbox-42\.[0-9a-f]{16}@b\.example>$/);
  });

  it('is read back with the ticket and row it names, only in our domain', () => {
    const from = 'Helpdesk <support@help.example.com>';
    const id = messageIdFor(row, from);
    const hash = /\.([0-9a-f]{16})@/.exec(id)![1];
    expect(parseOwnMessageId(id, from)).toEqual({ ticketId: 7, outboxId: 42, hash });
    expect(parseOwnMessageId(id.slice(1, -1).toUpperCase(), from)).toEqual({ ticketId: 7, outboxId: 42, hash });
    expect(parseOwnMessageId(messageIdFor({ ...row, ticket_id: null }, from), from)).toEqual({ ticketId: null, outboxId: 42, hash: expect.any(String) });
    expect(parseOwnMessageId(id, 'support@elsewhere.example')).toBeNull();
    for (const other of ['<abc@help.example.com>', '<hd-7.outbox-42@help.example.com>', '', `<hd-7.outbox-42.${hash}@help.example.com> <x@y>`]) {
      expect(parseOwnMessageId(other, from), other).toBeNull();
    }
  });

  it('is in the MAIL_FROM domain also when that is written in another script, in its ASCII form (IDNA), and is read back', () => {
    const from = 'Hilfe <hilfe@Bücher.example>';
    expect(domainOf(from)).toBe('xn--bcher-kva.example');
    const id = messageIdFor(row, from);
    expect(id).toMatch(/^<hd-7\.outbox-42\.[0-9a-f]{16}@xn--bcher-kva\.example>$/);
    expect(parseOwnMessageId(id, from)).toMatchObject({ ticketId: 7, outboxId: 42 });
    expect(parseOwnMessageId(id.replace('@xn--bcher-kva.example', '@localhost'), from)).toBeNull();
  });

  it('falls back to localhost when MAIL_FROM has no domain', () => {
    expect(domainOf('Helpdesk')).toBe('localhost');
    expect(domainOf('helpdesk@localhost')).toBe('localhost');
  });
});

describe('outgoing email', () => {
  it('makes the subject one line', () => {
    expect(outgoingEmail({ ...row, subject: '[HD-7] Hi\r\nBcc: x@y' }, as('a@b.example')).subject).toBe('[HD-7] Hi Bcc: x@y');
  });

  it.each(['', 'a@b.example, c@d.example', 'a@b.example\r\nBcc: c@d.example', '<a@b.example>', 'Carla <a@b.example>'])(
    'refuses the recipient %j',
    (to) => {
      expect(() => outgoingEmail({ ...row, to_address: to }, as('a@b.example'))).toThrow(UndeliverableEmail);
    },
  );

  it('hands the mailer a subject, recipient and sender with no control character, whatever the row holds', () => {
    for (const control of CONTROLS) {
      const email = outgoingEmail({ ...row, subject: `[HD-7] Hi${control}Bcc: x@y.example${control}` }, as('Helpdesk <a@b.example>'));
      for (const field of [email.subject, email.to, email.from]) expect(field, JSON.stringify(control)).not.toMatch(CONTROL_CHARACTER);
      expect(email.subject, JSON.stringify(control)).toBe('[HD-7] Hi Bcc: x@y.example');
      expect(email.to).toBe('carla@customer.example');
      expect(email.from).toBe('Helpdesk <a@b.example>');
    }
  });

  it('refuses a recipient carrying any control character', () => {
    for (const control of CONTROLS) {
      expect(() => outgoingEmail({ ...row, to_address: `carla@customer.example${control}x` }, as('a@b.example')), JSON.stringify(control)).toThrow(
        UndeliverableEmail,
      );
    }
  });
});

describe('Cc (the ticket’s copied people, §10)', () => {
  it('copies the row’s addresses, checked again: nothing that could add a header or a recipient, never the To, no mailbox nobody reads on an automatic email', () => {
    const cc = (cc_addresses: string, kind: OutboxRow['kind'] = 'reply') => outgoingEmail({ ...row, kind, cc_addresses }, as('a@b.example')).cc;
    expect(cc('dan@customer.example,eve@customer.example')).toEqual(['dan@customer.example', 'eve@customer.example']);
    expect(cc('')).toBeUndefined();
    expect(cc('dan@customer.example\r\nBcc: m@evil.example,Carla@Customer.example, eve@customer.example')).toEqual(['eve@customer.example']);
    expect(cc('noreply@customer.example,dan@customer.example', 'closed')).toEqual(['dan@customer.example']);
    expect(cc('noreply@customer.example', 'reply')).toEqual(['noreply@customer.example']);
  });
});

describe('thread, Reply-To, automatic emails', () => {
  const from = 'Helpdesk <support@help.example.com>';
  const created = { ...row, id: 40, kind: 'created' as const };
  const assigned = { ...row, id: 41, kind: 'assigned' as const };

  const id = (r: MessageIdSource) => messageIdFor(r, from);
  /** Our emails only, as a ticket from the form is threaded. */
  const oursOnly = (root: MessageIdSource, previous: MessageIdSource) => ({ ours: { root, previous }, openingMail: null, latestMail: null });

  it('the first email of a ticket has no In-Reply-To; the second answers the first; later ones name the root and the previous one', () => {
    expect(threadHeaders(null, from)).toEqual({});
    expect(threadHeaders({ ours: null, openingMail: null, latestMail: null }, from)).toEqual({});
    expect(threadHeaders(oursOnly(created, created), from)).toEqual({ inReplyTo: id(created), references: [id(created)] });
    expect(threadHeaders(oursOnly(created, assigned), from)).toEqual({ inReplyTo: id(assigned), references: [id(created), id(assigned)] });
  });

  it('threads customer emails of a ticket only', () => {
    const thread = oursOnly(created, assigned);
    expect(outgoingEmail({ ...row, kind: 'reply' }, { from, replyTo: from, thread }).inReplyTo).toBe(id(assigned));
    expect(outgoingEmail({ ...row, kind: 'sla_breached' }, { from, replyTo: from, thread }).inReplyTo).toBeUndefined();
    expect(outgoingEmail({ ...row, ticket_id: null }, { from, replyTo: from, thread }).references).toBeUndefined();
  });

  describe('a ticket opened by mail answers the customer’s mail', () => {
    const T = created.created_at;
    const opening = '<CAF=opening.1@mail.customer.example>';
    const answer = '<answer-2@mail.customer.example>';
    const later = { ...row, id: 44, kind: 'reply' as const, created_at: T + 5_000 };
    const at = (key: string, ms: number) => ({ key, at: ms });
    // [what is known before the email, In-Reply-To, References]
    const cases: [string, Parameters<typeof threadHeaders>[0], string | undefined, string[] | undefined][] = [
      ['created: answers the opening mail', { ours: null, openingMail: opening, latestMail: at(opening, T) }, opening, [opening]],
      ['created, the mail’s arrival unknown: the same', { ours: null, openingMail: opening, latestMail: null }, opening, [opening]],
      ['next email (same millisecond as the mail): answers ours', { ours: { root: created, previous: created }, openingMail: opening, latestMail: at(opening, T) }, id(created), [opening, id(created)]],
      ['the customer answered after our last email: answers that mail', { ours: { root: created, previous: assigned }, openingMail: opening, latestMail: at(answer, T + 1) }, answer, [opening, id(created), id(assigned), answer]],
      ['the customer answered before our last email: answers ours', { ours: { root: created, previous: later }, openingMail: opening, latestMail: at(answer, T + 1) }, id(later), [opening, id(created), answer, id(later)]],
      ['the answer came the millisecond our email was written: answers ours', { ours: { root: created, previous: later }, openingMail: opening, latestMail: at(answer, later.created_at) }, id(later), [opening, id(created), answer, id(later)]],
      ['a form ticket the customer answered by mail: answers that mail', { ours: { root: created, previous: created }, openingMail: null, latestMail: at(answer, T + 1) }, answer, [id(created), answer]],
      ['a form ticket, a mail before our only email: answers ours, the mail before it', { ours: { root: created, previous: created }, openingMail: null, latestMail: at(answer, T - 1) }, id(created), [answer, id(created)]],
      ['opened by a mail without Message-ID (sha256 key): threaded as a form ticket', { ours: { root: created, previous: assigned }, openingMail: `sha256:${'a'.repeat(64)}`, latestMail: at(`sha256:${'a'.repeat(64)}`, T) }, id(assigned), [id(created), id(assigned)]],
      ['no Message-ID and no email of ours: nothing to answer', { ours: null, openingMail: `sha256:${'b'.repeat(64)}`, latestMail: null }, undefined, undefined],
      ['a key a header cannot carry as it is names nothing', { ours: null, openingMail: '<a b@x>', latestMail: at('<zoë@x.example>', T) }, undefined, undefined],
    ];
    it.each(cases)('%s', (_name, thread, inReplyTo, references) => {
      const headers = threadHeaders(thread, from);
      expect(headers.inReplyTo).toBe(inReplyTo);
      expect(headers.references).toEqual(references);
      if (references) {
        expect(references.length).toBeLessThanOrEqual(4);
        expect(new Set(references).size).toBe(references.length);
        expect(references.at(-1)).toBe(inReplyTo);
      }
    });

    it('every email of it starts References with the opening mail', () => {
      for (const latestMail of [null, at(opening, T), at(answer, T + 1), at(answer, T + 10_000)]) {
        for (const ours of [null, { root: created, previous: created }, { root: created, previous: later }]) {
          expect(threadHeaders({ ours, openingMail: opening, latestMail }, from).references?.[0]).toBe(opening);
        }
      }
    });

    it('names a mail only by a Message-ID a header can carry', () => {
      expect(customerMessageId('<a.b+c@x.example>')).toBe('<a.b+c@x.example>');
      // A mail logged with its sender (another sender's mail had its id first) is answered by its id.
      expect(customerMessageId('<a.b+c@x.example> carla@c.example')).toBe('<a.b+c@x.example>');
      for (const key of [null, '', `sha256:${'c'.repeat(64)}`, 'a@x.example', '<a@x\r\nBcc: y@z>', '<a<b@x>', `<${'a'.repeat(991)}@x>`]) expect(customerMessageId(key), String(key)).toBeNull();
    });
  });

  it('sets Reply-To, and marks every kind but reply automatic', () => {
    for (const kind of ['created', 'assigned', 'reassigned', 'closed', 'sla_breached', 'reply'] as const) {
      const email = outgoingEmail({ ...row, kind }, { from, replyTo: 'Support <help@help.example.com>' });
      expect(email.replyTo).toBe('Support <help@help.example.com>');
      expect(email.automatic, kind).toBe(kind !== 'reply');
    }
  });

  it('skips an automatic email to a mailbox nobody reads (not an error: SkippedEmail), naming the reason; a reply still goes', () => {
    for (const to of ['MAILER-DAEMON@mail.example', 'no-reply@shop.example', 'Postmaster@x.example', 'do_not_reply@bank.example']) {
      for (const kind of ['created', 'closed', 'sla_breached'] as const) {
        expect(() => outgoingEmail({ ...row, kind, to_address: to }, as(from)), `${kind} to ${to}`).toThrow(SkippedEmail);
        expect(() => outgoingEmail({ ...row, kind, to_address: to }, as(from)), `${kind} to ${to}`).toThrow(
          new SkippedEmail(`not sent: ${to} is a mailbox nobody reads (mailer-daemon, postmaster, no-reply and the like); automatic emails never go there`),
        );
      }
      expect(outgoingEmail({ ...row, kind: 'reply', to_address: to }, as(from)).to).toBe(to);
    }
  });

  it('keeps attachments’ bytes, and makes their names and types header-safe', () => {
    const content = Buffer.from([0, 1, 2, 255]);
    const email = outgoingEmail({ ...row, kind: 'reply' }, {
      ...as(from),
      attachments: [
        { filename: 'report.pdf', contentType: 'application/PDF', content },
        { filename: 'evil\r\nBcc: x@y.example.txt', contentType: 'text/plain\r\nBcc: x@y.example', content },
        { filename: '\r\n', contentType: '', content },
        { filename: 'invoice\u202Efdp.exe', contentType: 'application/octet-stream', content },
      ],
    });
    expect(email.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['report.pdf', 'application/pdf'],
      ['evil Bcc: x@y.example.txt', 'application/octet-stream'],
      ['attachment', 'application/octet-stream'],
      // A right-to-left override would show it as "invoiceexe.pdf".
      ['invoicefdp.exe', 'application/octet-stream'],
    ]);
    expect(email.attachments.every((a) => a.content.equals(content))).toBe(true);
  });
});

/** Every C0 and C1 control character, DEL, the Unicode line separators, and the line breaks header injection uses. */
const CONTROLS = [
  ...Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)),
  ...Array.from({ length: 33 }, (_, c) => String.fromCharCode(0x7f + c)),
  '\u2028',
  '\u2029',
  '\r\n',
  '\r\n\r\n',
  '\r\n\t',
];
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

describe('headerSafe', () => {
  it('turns every run of control characters into one space', () => {
    for (const control of CONTROLS) expect(headerSafe(`Hi${control}Bcc: x@y.example`), JSON.stringify(control)).toBe('Hi Bcc: x@y.example');
    expect(headerSafe('a\r\n\t\u0000\u007fb')).toBe('a b');
  });

  it('trims, and keeps printable and non-ASCII text as it is', () => {
    expect(headerSafe('\r\n  Drucker brennt – schnell! 🔥 Zoë \t')).toBe('Drucker brennt – schnell! 🔥 Zoë');
    expect(headerSafe('[HD-1] a: b <c> "d"')).toBe('[HD-1] a: b <c> "d"');
  });
});
