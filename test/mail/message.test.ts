/** The retry schedule and the Message-ID, pure. */
import { describe, expect, it } from 'vitest';
import type { OutboxRow } from '../../src/db/schema.js';
import { domainOf, messageIdFor, outgoingEmail, UndeliverableEmail } from '../../src/mail/message.js';
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
  subject: '[HD-7] Hi',
  text_body: 'Body',
  html_body: '<p>Body</p>',
  status: 'sending',
  attempts: 1,
  next_attempt_at: 0,
  last_error: null,
  created_at: 1_700_000_000_000,
  sent_at: null,
      message_id: null,
};

describe('Message-ID', () => {
  it('is stable for a row, names the row and the From domain', () => {
    const id = messageIdFor(row, 'Helpdesk <support@Help.Example.com>');
    expect(id).toMatch(/^<outbox-42\.[0-9a-f]{16}@help\.example\.com>$/);
    expect(messageIdFor({ ...row, attempts: 5, status: 'pending' } as OutboxRow, 'support@help.example.com')).toBe(id);
  });

  it('differs between rows, and between installations with the same row id', () => {
    const from = 'support@help.example.com';
    expect(messageIdFor({ ...row, id: 43 }, from)).not.toBe(messageIdFor(row, from));
    expect(messageIdFor({ ...row, created_at: row.created_at + 1 }, from)).not.toBe(messageIdFor(row, from));
  });

  it('falls back to localhost when MAIL_FROM has no domain', () => {
    expect(domainOf('Helpdesk')).toBe('localhost');
    expect(domainOf('helpdesk@localhost')).toBe('localhost');
  });
});

describe('outgoing email', () => {
  it('makes the subject one line', () => {
    expect(outgoingEmail({ ...row, subject: '[HD-7] Hi\r\nBcc: x@y' }, 'a@b.example').subject).toBe('[HD-7] Hi Bcc: x@y');
  });

  it.each(['', 'a@b.example, c@d.example', 'a@b.example\r\nBcc: c@d.example', '<a@b.example>', 'Carla <a@b.example>'])(
    'refuses the recipient %j',
    (to) => {
      expect(() => outgoingEmail({ ...row, to_address: to }, 'a@b.example')).toThrow(UndeliverableEmail);
    },
  );

  it('hands the mailer a subject, recipient and sender with no control character, whatever the row holds', () => {
    for (const control of CONTROLS) {
      const email = outgoingEmail({ ...row, subject: `[HD-7] Hi${control}Bcc: x@y.example${control}` }, 'Helpdesk <a@b.example>');
      for (const field of [email.subject, email.to, email.from]) expect(field, JSON.stringify(control)).not.toMatch(CONTROL_CHARACTER);
      expect(email.subject, JSON.stringify(control)).toBe('[HD-7] Hi Bcc: x@y.example');
      expect(email.to).toBe('carla@customer.example');
      expect(email.from).toBe('Helpdesk <a@b.example>');
    }
  });

  it('refuses a recipient carrying any control character', () => {
    for (const control of CONTROLS) {
      expect(() => outgoingEmail({ ...row, to_address: `carla@customer.example${control}x` }, 'a@b.example'), JSON.stringify(control)).toThrow(
        UndeliverableEmail,
      );
    }
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
