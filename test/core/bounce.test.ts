/** A delivery report's reason (§10 rule 4), table by table: RFC 3464 fields, a qmail-style cause line, else the subject. */
import { describe, expect, it } from 'vitest';
import { bounceReason, bounceVerdict, isBounce, plainBounceCause, type ReportedRecipient, reportedOwnIds, reportedRecipients } from '../../src/core/bounce.js';

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

const REPORT = [
  'Reporting-MTA: dns; mx.helpdesk.test',
  'Arrival-Date: Fri, 27 Nov 2026 10:02:08 +0100',
  '',
  'Final-Recipient: rfc822; Carla@Example.com',
  'Original-Recipient: rfc822;carla@example.com',
  'Action: failed',
  'Status: 5.1.1',
  '',
  'Original-Recipient: rfc822;dan@example.com',
  'Final-Recipient: rfc822;',
  '  <dan@example.com>',
  'Action: Delayed (will retry)',
  'Status: 4.4.1',
].join('\r\n');

describe('reportedRecipients', () => {
  it.each<[string, string, ReportedRecipient[]]>([
    ['each group with an Action is a recipient; Final-Recipient first, folded, any case', REPORT, [{ addresses: ['carla@example.com'], action: 'failed' }, { addresses: ['dan@example.com'], action: 'delayed' }]],
    ['a forward: both addresses', 'Final-Recipient: rfc822; carla@gmail.example\nOriginal-Recipient: rfc822; carla@example.com\nAction: failed\n', [{ addresses: ['carla@gmail.example', 'carla@example.com'], action: 'failed' }]],
    ['Original-Recipient when Final-Recipient names no address', 'Final-Recipient: x400; ?\nOriginal-Recipient: rfc822; a@b.example\nAction: failed\n', [{ addresses: ['a@b.example'], action: 'failed' }]],
    ['no address at all', 'Action: failed\nStatus: 5.0.0\n', [{ addresses: [], action: 'failed' }]],
    ['no RFC 3464 fields (qmail)', QMAIL, []],
  ])('%s', (_name, text, recipients) => {
    expect(reportedRecipients(text)).toEqual(recipients);
  });
});

describe('bounceVerdict', () => {
  const failed = (...addresses: string[]) => ({ addresses, action: 'failed' });
  const EMAIL = { to: 'Carla@Example.com', cc: ['Dan@example.com', 'eve@example.com'] };
  it.each<[string, ReportedRecipient[], boolean, string?]>([
    ['its recipient failed (any letter case)', [failed('carla@example.com')], true],
    ['no RFC 3464 fields: taken at its word', [], true],
    ['its recipient failed beside a delayed copied person', [{ addresses: ['dan@example.com'], action: 'delayed' }, failed('carla@example.com')], true],
    ['a failed recipient it does not name: taken at its word', [failed()], true],
    ['its recipient and a copied person failed', [failed('dan@example.com'), failed('carla@example.com')], true],
    ['its recipient forwarded elsewhere failed', [failed('carla@gmail.example', 'carla@example.com')], true],
    ['someone it did not copy failed (a forward without Original-Recipient)', [failed('carla@gmail.example')], true],
    ['a delay notice', [{ addresses: ['carla@example.com'], action: 'delayed' }], false, 'it reports no failed delivery (Action: delayed: the mail server is still trying)'],
    ['a success notice', [{ addresses: ['carla@example.com'], action: 'delivered' }, { addresses: ['carla@example.com'], action: 'relayed' }], false, 'it reports no failed delivery (Action: delivered, relayed)'],
    ['only copied people failed', [failed('dan@example.com'), failed('eve@example.com'), { addresses: ['carla@example.com'], action: 'delivered' }], false, 'only dan@example.com, eve@example.com failed, copied on it: it reached its recipient carla@example.com'],
    ['a copied person forwarded elsewhere', [failed('dan@gmail.example', 'dan@example.com')], false, 'only dan@example.com failed, copied on it: it reached its recipient carla@example.com'],
  ])('%s', (_name, recipients, bounced, why) => {
    expect(bounceVerdict(recipients, EMAIL)).toEqual(bounced ? { bounced } : { bounced, why });
  });
});

describe('reportedOwnIds', () => {
  const id = (outbox: number) => `<hd-7.outbox-${outbox}.0123456789abcdef@helpdesk.test>`;
  const quoted = (...lines: string[]) => ['Content-Type: text/rfc822-headers', '', ...lines].join('\r\n');
  it.each<[string, string, string[], string[]]>([
    ['the returned mail\'s Message-ID, not its In-Reply-To and References', quoted(`Message-ID: ${id(5)}`, `In-Reply-To: ${id(3)}`, `References: <a@c.example> ${id(1)} ${id(3)}`), [], [id(5)]],
    ['a folded Message-ID line, any letter case', quoted('message-id:', `\t${id(5)}`, `References: ${id(1)}`), [], [id(5)]],
    ['the report\'s own Message-ID is not ours: still the returned one', `Message-ID: <r@mx.example>\r\n\r\n${quoted(`Message-Id: ${id(5)}`)}`, [id(3)], [id(5)]],
    ['no Message-ID line of ours: the report\'s references, then every id of ours in its text', `The mail ${id(5)} could not be delivered.\r\nMessage-ID: <x@y>`, [id(4)], [id(4), id(5)]],
    ['nothing of ours', 'Undeliverable.', [], []],
  ])('%s', (_name, text, references, ids) => {
    expect(reportedOwnIds(text, references)).toEqual(ids);
  });
});

describe('isBounce (rule 4)', () => {
  const cases: [contentType: string, from: string | null, bounce: boolean][] = [
    ['multipart/report; report-type=delivery-status; boundary="x"', 'someone@example.com', true],
    ['multipart/report; report-type="delivery-status"', null, true],
    ['Multipart/Report; Report-Type=Delivery-Status', 'a@b.example', true],
    ['multipart/report;\n report-type=delivery-status', 'a@b.example', true],
    ['multipart/report; report-type=disposition-notification', 'a@b.example', false],
    ['multipart/mixed; report-type=delivery-status', 'a@b.example', false],
    ['text/plain', 'MAILER-DAEMON@mx.example.com', true],
    ['text/plain', 'mailer-daemon@googlemail.com', true],
    ['text/plain', 'postmaster@example.com', true],
    ['text/plain', 'PostMaster@Example.com', true],
    ['text/plain', 'carla@example.com', false],
    ['text/plain', 'postmaster-team@example.com', false],
    ['text/plain', 'carla@mailer-daemon.example', false],
    ['text/plain', null, false],
    ['', '', false],
  ];
  for (const [type, from, bounce] of cases) {
    it(`${JSON.stringify(type)} from ${from ?? 'nobody'}: ${bounce ? 'a bounce' : 'not a bounce'}`, () => {
      expect(isBounce(type, from)).toBe(bounce);
    });
  }
});
