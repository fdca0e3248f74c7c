/**
 * Processes with a mail server and those without, on one shared outbox. A process whose email
 * worker has a mail server (SMTP_URL) announces it with a lease of its own, `mail-sender:<holder>`;
 * a process without one leaves the emails to them while any such lease is unexpired, instead of
 * taking its share and only logging it (`logged`, never sent). With none, it logs them as the quick
 * start always did.
 */

/** Every sender's lease name begins with this. */
export const MAIL_SENDER_LEASE_PREFIX = 'mail-sender:';

/** The longest lease name the `leases` table keeps. */
const LEASE_NAME_LENGTH = 100;

/** The lease a process with a mail server holds: one per process, named after its holder. */
export function mailSenderLeaseName(holder: string): string {
  return `${MAIL_SENDER_LEASE_PREFIX}${holder}`.slice(0, LEASE_NAME_LENGTH);
}

/**
 * Whether a process's email worker may take emails this round: always with a mail server; without
 * one, only while no process with one is alive (it would only log what it takes).
 */
export function mayLogEmails(state: { hasMailer: boolean; liveSenders: number }): boolean {
  return state.hasMailer || state.liveSenders === 0;
}

/** One round of an email worker: whether it claims, and what it says (once per change, not per round). */
export interface EmailRoundPlan {
  claim: boolean;
  /** True while it leaves the emails to the senders (the state the next round starts from). */
  leaving: boolean;
  /** `leaving`: it has just begun leaving them; `resuming`: it has just begun logging them again. */
  say?: 'leaving' | 'resuming';
}

/**
 * The round of a worker that was `leaving` the emails to the senders last round (false at its
 * start: a process starts logging, as the quick start does, and says nothing about it).
 */
export function emailRoundPlan(leaving: boolean, state: { hasMailer: boolean; liveSenders: number }): EmailRoundPlan {
  const claim = mayLogEmails(state);
  if (!claim) return leaving ? { claim, leaving } : { claim, leaving: true, say: 'leaving' };
  return leaving ? { claim, leaving: false, say: 'resuming' } : { claim, leaving: false };
}
