/** A delivery report's reason (§10 rule 4), table by table: RFC 3464 fields, a qmail-style cause line, else the subject. */
import { describe, expect, it } from 'vitest';
import { bounceReason, plainBounceCause } from '../../src/core/bounce.js';

const QMAIL = [
  'Hi. This is the qmail-send program at mx.legacy.example.',
  "I'm afraid I wasn't able to deliver your message to the following addresses.",
  '',
  '<carla@example.com>:',
  'Sorry, no mailbox here by that name. (#5.1.1)',
  '',
  '--- Below this line is a copy of the message.',
  '',
  'Subject: x',
  '',
  'Quoted: something else (#4.4.1)',
].join('\r\n');

describe('plainBounceCause', () => {
  it.each<[string, string, string | null]>([
    ['qmail: the address line and the cause', QMAIL, '<carla@example.com>: Sorry, no mailbox here by that name. (#5.1.1)'],
    ['LF line ends', QMAIL.replaceAll('\r\n', '\n'), '<carla@example.com>: Sorry, no mailbox here by that name. (#5.1.1)'],
    ['a cause without an address line above', 'Something went wrong.\nmailbox is full (#4.2.2)\n', 'mailbox is full (#4.2.2)'],
    ['a cause line with tabs and trailing space', '<a@b.example>:\n\tRemote host said: 550\tno such user (#5.1.1)  \n', '<a@b.example>: Remote host said: 550 no such user (#5.1.1)'],
    ['only a copy of the message holds a code: no cause', 'Hello\n--- Below this line is a copy of the message.\nno (#5.1.1)\n', null],
    ['no code at all', 'Your message could not be delivered.', null],
    ['a code not at the end of its line', 'see (#5.1.1) for details', null],
  ])('%s', (_name, text, cause) => {
    expect(plainBounceCause(text)).toBe(cause);
  });
});

describe('bounceReason', () => {
  it.each<[string, string, string, string]>([
    ['RFC 3464 Status and Diagnostic-Code', 'Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 unknown\n', 'Undelivered Mail', 'Status 5.1.1: smtp; 550 5.1.1 unknown'],
    ['a folded Diagnostic-Code, read whole', 'Diagnostic-Code: smtp; 550 5.1.1\n    <a@b.example>: rejected\n', 'x', 'smtp; 550 5.1.1 <a@b.example>: rejected'],
    ['RFC 3464 fields win over a cause line', `Status: 5.0.0\n${QMAIL}`, 'failure notice', 'Status 5.0.0'],
    ['qmail: the cause line, not the subject', QMAIL, 'failure notice', 'Delivery failed: <carla@example.com>: Sorry, no mailbox here by that name. (#5.1.1)'],
    ['neither: the subject', 'We could not deliver it.', 'failure notice', 'Delivery failed: failure notice'],
    ['neither and no subject', 'We could not deliver it.', '', 'Delivery failed: (no subject)'],
  ])('%s', (_name, text, subject, reason) => {
    expect(bounceReason(text, subject)).toBe(reason);
  });

  it('keeps at most 500 characters', () => {
    expect(bounceReason(`<a@b.example>:\n${'x'.repeat(600)} (#5.1.1)\n`, 's')).toHaveLength(500);
  });
});
