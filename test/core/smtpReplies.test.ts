/** Which refusals of a mail server end an email's tries at once (RFC 5321 §4.2.1). */
import { describe, expect, it } from 'vitest';
import { isPermanentRefusal, type SmtpReply } from '../../src/core/smtpReplies.js';

describe('isPermanentRefusal', () => {
  const cases: [reply: SmtpReply, permanent: boolean][] = [
    [{ command: 'RCPT TO', responseCode: 550 }, true],
    [{ command: 'RCPT TO', responseCode: 553 }, true],
    [{ command: 'RCPT TO', responseCode: 552 }, false],
    [{ command: 'RCPT TO', responseCode: 450 }, false],
    [{ command: 'RCPT TO', responseCode: 452 }, false],
    [{ command: 'DATA', responseCode: 554 }, true],
    [{ command: 'DATA', responseCode: 552 }, true],
    [{ command: 'DATA', responseCode: 451 }, false],
    [{ command: 'MAIL FROM', responseCode: 553 }, false],
    [{ command: 'AUTH PLAIN', responseCode: 535 }, false],
    [{ command: 'CONN', responseCode: 554 }, false],
    [{ command: 'DATA', responseCode: 600 }, false],
    [{ command: 'DATA', responseCode: '554' }, false],
    [{ command: 'DATA' }, false],
    [{}, false],
  ];
  it.each(cases)('%j → %s', (reply, permanent) => {
    expect(isPermanentRefusal(reply)).toBe(permanent);
  });
});
