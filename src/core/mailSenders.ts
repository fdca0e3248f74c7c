/**
 * Processes with a mail server and those without, on one shared outbox. A process whose email
 * worker has a mail server (SMTP_URL) announces it with a lease of its own, `mail-sender:<holder>`;
 * a process without one leaves the emails to them while any such lease is unexpired, instead of
 * taking its share and only logging it (`logged`, never sent). Every sender also renews a shared
 * marker, RECENT_MAIL_SENDER_LEASE, that outlives it by MAIL_SENDER_GRACE_MS and is never given
 * up: while it is unexpired a process without a mail server still leaves the emails alone, so the
 * seconds in which the only sender restarts (its clean stop gives its own lease up at once) are
 * waited out, not logged. With neither, it logs them as the quick start always did.
 */

/** Every sender's lease name begins with this. */
export const MAIL_SENDER_LEASE_PREFIX = 'mail-sender:';

/**
 * The marker every sender renews: "a process with a mail server ran here recently". Named apart
 * from MAIL_SENDER_LEASE_PREFIX (it is no sender's own lease: counting or dropping those leaves it).
 */
export const RECENT_MAIL_SENDER_LEASE = 'recent-mail-sender';

/**
 * How long the marker outlives the last renewal of any sender: 10 minutes. Longer than a rolling
 * deploy or a restart takes (seconds; a minute or two when an image is pulled or migrations run),
 * so the emails of that gap wait for the sender that comes back; short enough that a process
 * without a mail server left alone for good (the senders removed on purpose) logs the emails again
 * within minutes rather than keeping them pending. Waiting costs only delay: the emails stay
 * pending, none is lost.
 */
export const MAIL_SENDER_GRACE_MS = 10 * 60_000;

/** The longest lease name the `leases` table keeps. */
const LEASE_NAME_LENGTH = 100;

/** The lease a process with a mail server holds: one per process, named after its holder. */
export function mailSenderLeaseName(holder: string): string {
  return `${MAIL_SENDER_LEASE_PREFIX}${holder}`.slice(0, LEASE_NAME_LENGTH);
}

/** What an email worker knows of the senders at the start of a round. */
export interface SendersState {
  /** This process has a mail server (it is a sender). */
  hasMailer: boolean;
  /** Senders' own leases unexpired at `now`. */
  liveSenders: number;
  /** Until when the marker RECENT_MAIL_SENDER_LEASE holds (epoch ms), or null: no sender ever ran here. */
  recentSenderUntil: number | null;
  now: number;
}

/**
 * Whether a process's email worker may take emails this round: always with a mail server; without
 * one, only while no process with one is alive nor ran within the grace period (it would only log
 * what it takes).
 */
export function mayLogEmails(state: SendersState): boolean {
  if (state.hasMailer) return true;
  const recent = state.recentSenderUntil !== null && state.recentSenderUntil > state.now;
  return state.liveSenders === 0 && !recent;
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
export function emailRoundPlan(leaving: boolean, state: SendersState): EmailRoundPlan {
  const claim = mayLogEmails(state);
  if (!claim) return leaving ? { claim, leaving } : { claim, leaving: true, say: 'leaving' };
  return leaving ? { claim, leaving: false, say: 'resuming' } : { claim, leaving: false };
}
