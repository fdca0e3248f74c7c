/**
 * What admins do to the outbox (SPEC §5). The worker's sending is in src/mail; these are the writes
 * the admin pages and `npm run outbox` make.
 */
import { notFound } from '../core/errors.js';
import { findEmail } from '../repositories/adminLists.js';
import { type OutboxStatus, retryAllFailedEmails, retryEmail } from '../repositories/outbox.js';
import { inTransaction } from '../db/transaction.js';
import { type Acting, auditBy } from './audit.js';
import type { ServiceContext } from './context.js';

/** What a retry did: whether the email went back to the queue, and its status now. */
export interface RetryOutcome {
  retried: boolean;
  status: OutboxStatus;
}

/**
 * An admin's retry: a `failed` email becomes `pending`, due now, with a fresh set of tries (see
 * repositories/outbox.ts retryEmail). An email in any other status is left alone (`retried`
 * false, with its status, for the admin's message); an unknown id is `not_found`. One statement
 * decides, so two admins retrying at once put the email back once.
 */
export async function retryFailedEmail(ctx: ServiceContext, emailId: number, by: Acting = null): Promise<RetryOutcome> {
  const db = ctx.handle.db;
  const now = ctx.clock.now();
  const retried = await inTransaction(ctx.handle, async (trx) => {
    if (!(await retryEmail(trx, emailId, now))) return false;
    await auditBy(trx, by, now, 'email.retry', `email:${emailId}`, { before: { status: 'failed' }, after: { status: 'pending' } });
    return true;
  });
  if (retried) return { retried: true, status: 'pending' };
  const email = await findEmail(db, emailId);
  if (!email) throw notFound('Email');
  return { retried: false, status: email.status };
}

/** Every failed email back to the queue at once (`npm run outbox -- retry --all-failed`); returns how many. */
export async function retryAllFailed(ctx: ServiceContext): Promise<number> {
  return retryAllFailedEmails(ctx.handle.db, ctx.clock.now());
}
