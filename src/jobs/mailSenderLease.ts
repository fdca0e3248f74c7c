/**
 * A process whose email worker has a mail server (SMTP_URL: the server's delivery thread, `npm run
 * worker`) says so while it runs, with a lease of its own, `mail-sender:<holder>`
 * (core/mailSenders.ts): taken at its start, renewed every 20 s for 60 s, given up on a clean stop.
 * With each taking and renewal it also sets the senders' shared marker, `recent-mail-sender`, to
 * hold 10 minutes more; the marker is never given up. Meanwhile the email workers of processes
 * without a mail server on the same database take no email (mail/worker.ts), instead of taking
 * their share and only logging it, and go on leaving them until the marker runs out: a sender
 * restarting (stopped cleanly, or killed) finds the emails of its absence still pending. Only 10
 * minutes after the last sender's last renewal do those log the emails again.
 */
import { MAIL_SENDER_GRACE_MS, MAIL_SENDER_LEASE_PREFIX, mailSenderLeaseName, RECENT_MAIL_SENDER_LEASE } from '../core/mailSenders.js';
import type { DbHandle } from '../db/connect.js';
import type { WorkerLogger } from '../mail/worker.js';
import { dropExpiredLeases, stampLease } from '../repositories/leases.js';
import { type Clock, systemClock } from '../services/context.js';
import { Lease, leaseHolder } from './lease.js';

export interface MailSenderLeaseOptions {
  clock?: Clock;
  /** How long a taking or renewal holds; default 60 s (tests: HELPDESK_TEST_MAIL_SENDER_LEASE_MS, below). */
  durationMs?: number;
  /** How long the shared marker outlives a renewal; default MAIL_SENDER_GRACE_MS (tests: HELPDESK_TEST_MAIL_SENDER_GRACE_MS). */
  graceMs?: number;
}

/**
 * A period a test shortens (through the environment: the test starts real processes) so that it
 * runs out in seconds; honoured only under vitest, as HELPDESK_TEST_PASSWORD_COST is: it is no
 * setting of the help desk.
 */
function testPeriodMs(variable: string, otherwise: number): number {
  const asked = process.env.VITEST ? Number(process.env[variable]) : NaN;
  return Number.isInteger(asked) && asked > 0 ? asked : otherwise;
}

/** A sender's announcement: `tried` settles once its lease's first taking was tried; `stop()` gives the lease up. */
export interface MailSenderAnnouncement {
  readonly tried: Promise<void>;
  stop(): Promise<void>;
}

/** Starts announcing this process as a mail sender. */
export function announceMailSender(handle: DbHandle, logger: WorkerLogger, options: MailSenderLeaseOptions = {}): MailSenderAnnouncement {
  const clock = options.clock ?? systemClock;
  const holder = leaseHolder();
  const name = mailSenderLeaseName(holder);
  const graceMs = options.graceMs ?? testPeriodMs('HELPDESK_TEST_MAIL_SENDER_GRACE_MS', MAIL_SENDER_GRACE_MS);
  // The leases of senders killed earlier (one row each), dropped once per start.
  dropExpiredLeases(handle.db, MAIL_SENDER_LEASE_PREFIX, clock.now()).catch((error: unknown) => logger.warn({ err: error }, 'outbox: could not drop the run-out leases of earlier mail senders'));
  const lease = new Lease({ handle, clock }, name, {
    holder,
    durationMs: options.durationMs ?? testPeriodMs('HELPDESK_TEST_MAIL_SENDER_LEASE_MS', 60_000),
    onChange: (held) => logger.info({ lease: name }, held ? 'outbox: processes without a mail server now leave the emails to this one' : 'outbox: this process no longer announces its mail server'),
    onError: (error) => logger.warn({ err: error, lease: name }, 'outbox: could not take or renew the lease announcing this mail sender'),
    // Not given up by stop(): it is what tells the others a sender may be back in a moment.
    onRenewed: (now) => stampLease(handle.db, RECENT_MAIL_SENDER_LEASE, holder, now + graceMs),
  }).start();
  return { tried: lease.tried, stop: () => lease.stop() };
}
