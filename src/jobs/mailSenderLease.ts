/**
 * A process whose email worker has a mail server (SMTP_URL: the server's delivery thread, `npm run
 * worker`) says so while it runs, with a lease of its own, `mail-sender:<holder>`
 * (core/mailSenders.ts): taken at its start, renewed every 20 s for 60 s, given up on a clean stop.
 * Meanwhile the email workers of processes without a mail server on the same database take no
 * email (mail/worker.ts), instead of taking their share and only logging it. A sender killed
 * without a clean stop stops renewing: within 60 s those go back to logging the emails.
 */
import { MAIL_SENDER_LEASE_PREFIX, mailSenderLeaseName } from '../core/mailSenders.js';
import type { DbHandle } from '../db/connect.js';
import type { WorkerLogger } from '../mail/worker.js';
import { dropExpiredLeases } from '../repositories/leases.js';
import { type Clock, systemClock } from '../services/context.js';
import { Lease, leaseHolder } from './lease.js';

export interface MailSenderLeaseOptions {
  clock?: Clock;
  /** How long a taking or renewal holds; default 60 s (tests: HELPDESK_TEST_MAIL_SENDER_LEASE_MS, below). */
  durationMs?: number;
}

/**
 * The lease's duration. A test that kills a sender shortens it (through the environment: the test
 * starts real processes), so that the lease runs out in seconds; honoured only under vitest, as
 * HELPDESK_TEST_PASSWORD_COST is: it is no setting of the help desk.
 */
function defaultDurationMs(): number {
  const asked = process.env.VITEST ? Number(process.env.HELPDESK_TEST_MAIL_SENDER_LEASE_MS) : NaN;
  return Number.isInteger(asked) && asked > 0 ? asked : 60_000;
}

/** Starts announcing this process as a mail sender; `stop()` gives the lease up. */
export function announceMailSender(handle: DbHandle, logger: WorkerLogger, options: MailSenderLeaseOptions = {}): { stop(): Promise<void> } {
  const clock = options.clock ?? systemClock;
  const holder = leaseHolder();
  const name = mailSenderLeaseName(holder);
  // The leases of senders killed earlier (one row each), dropped once per start.
  dropExpiredLeases(handle.db, MAIL_SENDER_LEASE_PREFIX, clock.now()).catch((error: unknown) => logger.warn({ err: error }, 'outbox: could not drop the run-out leases of earlier mail senders'));
  const lease = new Lease({ handle, clock }, name, {
    holder,
    durationMs: options.durationMs ?? defaultDurationMs(),
    onChange: (held) => logger.info({ lease: name }, held ? 'outbox: processes without a mail server now leave the emails to this one' : 'outbox: this process no longer announces its mail server'),
    onError: (error) => logger.warn({ err: error, lease: name }, 'outbox: could not take or renew the lease announcing this mail sender'),
  }).start();
  return { stop: () => lease.stop() };
}
