import { describe, expect, it } from 'vitest';
import { emailRoundPlan, mailSenderLeaseName, mayLogEmails } from '../../src/core/mailSenders.js';

describe('who takes the emails of a shared outbox', () => {
  it.each([
    // has a mail server, live senders → may take emails
    [true, 0, true], // a sender: always (it is one of the senders)
    [true, 3, true],
    [false, 0, true], // the quick start: nobody sends, so it logs them
    [false, 1, false], // a sender is alive: leave the emails to it
    [false, 2, false],
  ])('mail server %s, %i live senders: takes emails %s', (hasMailer, liveSenders, may) => {
    expect(mayLogEmails({ hasMailer, liveSenders })).toBe(may);
  });

  it.each([
    // leaving last round, has a mail server, live senders → the round's plan
    [false, false, 0, { claim: true, leaving: false }], // logs as before, says nothing
    [false, false, 1, { claim: false, leaving: true, say: 'leaving' }], // a sender appeared: said once
    [true, false, 2, { claim: false, leaving: true }], // still leaving: nothing said again
    [true, false, 0, { claim: true, leaving: false, say: 'resuming' }], // the last sender went: said once
    [false, true, 4, { claim: true, leaving: false }], // a sender never leaves, never says
  ] as const)('leaving %s, mail server %s, %i live senders: %j', (leaving, hasMailer, liveSenders, plan) => {
    expect(emailRoundPlan(leaving, { hasMailer, liveSenders })).toEqual(plan);
  });

  it('names each sender’s lease after its holder, within the 100 characters the table keeps', () => {
    expect(mailSenderLeaseName('host:42:ab12cd34')).toBe('mail-sender:host:42:ab12cd34');
    const long = mailSenderLeaseName('h'.repeat(200));
    expect(long).toHaveLength(100);
    expect(long.startsWith('mail-sender:')).toBe(true);
  });
});
