import { describe, expect, it } from 'vitest';
import { emailRoundPlan, mailSenderLeaseName, mayLogEmails } from '../../src/core/mailSenders.js';

describe('who takes the emails of a shared outbox', () => {
  const now = 1_000_000;
  it.each([
    // has a mail server, live senders, the recent-sender marker holds until → may take emails
    [true, 0, null, true], // a sender: always (it is one of the senders)
    [true, 3, now + 1, true],
    [true, 0, now + 60_000, true],
    [false, 0, null, true], // the quick start: no sender ever ran here, so it logs them at once
    [false, 1, now + 60_000, false], // a sender is alive: leave the emails to it
    [false, 2, null, false],
    [false, 0, now + 1, false], // none alive, but one ran within the grace period (restarting?): wait
    [false, 0, now, true], // the grace period ended right now: log them again
    [false, 0, now - 60_000, true],
    [false, 1, now - 60_000, false], // an old marker, a live sender: still leave them
  ])('mail server %s, %i live senders, marker until %s: takes emails %s', (hasMailer, liveSenders, recentSenderUntil, may) => {
    expect(mayLogEmails({ hasMailer, liveSenders, recentSenderUntil, now })).toBe(may);
  });

  it.each([
    // leaving last round, has a mail server, live senders, marker until → the round's plan
    [false, false, 0, null, { claim: true, leaving: false }], // logs as before, says nothing
    [false, false, 1, now + 1, { claim: false, leaving: true, say: 'leaving' }], // a sender appeared: said once
    [true, false, 2, now + 1, { claim: false, leaving: true }], // still leaving: nothing said again
    [true, false, 0, now + 1, { claim: false, leaving: true }], // the sender stopped, may be back: still leaving, silent
    [false, false, 0, now + 1, { claim: false, leaving: true, say: 'leaving' }], // started during a sender's restart: leaves, says so
    [true, false, 0, now, { claim: true, leaving: false, say: 'resuming' }], // the grace period ran out: said once
    [false, true, 4, now + 1, { claim: true, leaving: false }], // a sender never leaves, never says
  ] as const)('leaving %s, mail server %s, %i live senders, marker until %s: %j', (leaving, hasMailer, liveSenders, recentSenderUntil, plan) => {
    expect(emailRoundPlan(leaving, { hasMailer, liveSenders, recentSenderUntil, now })).toEqual(plan);
  });

  it('names each sender’s lease after its holder, within the 100 characters the table keeps', () => {
    expect(mailSenderLeaseName('host:42:ab12cd34')).toBe('mail-sender:host:42:ab12cd34');
    const long = mailSenderLeaseName('h'.repeat(200));
    expect(long).toHaveLength(100);
    expect(long.startsWith('mail-sender:')).toBe(true);
  });
});
