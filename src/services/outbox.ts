/**
 * What admins do to the outbox (SPEC §5). The worker's sending is in src/mail; these are the writes
 * the admin pages and `npm run outbox` make.
 */
import { type RetryVerdict, retryVerdict } from '../core/emailRetry.js';
import { notFound } from '../core/errors.js';
import { findEmail } from '../repositories/adminLists.js';
import { type OutboxStatus, retryAllEmails, retryEmail } from '../repositories/outbox.js';
import { inTransaction } from '../db/transaction.js';
import { type Acting, auditBy } from './audit.js';
import type { ServiceContext } from './context.js';

/** What a retry did: whether the email went back to the queue, its status now, and why not. */
export interface RetryOutcome {
  retried: boolean;
  status: OutboxStatus;
  /** Why it was not retried: not undelivered (pending, sent…), or only logged and no mail server here. */
  refused?: Exclude<RetryVerdict, 'retry'>;
}

/**
 * An admin's retry of an undelivered email: a `failed` one, or a `logged` one when this process
 * has a mail server (`canSend`: SMTP_URL set), becomes `pending`, due now, with a fresh set of
 * tries (core/emailRetry.ts decides). Any other email is left alone (`retried` false, with its
 * status and the reason, for the admin's message); an unknown id is `not_found`. The update is
 * guarded by the status read, so two admins retrying at once put the email back once.
 */
export async function retryUndeliveredEmail(ctx: ServiceContext, emailId: number, options: { canSend: boolean; by?: Acting }): Promise<RetryOutcome> {
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const email = await findEmail(trx, emailId);
    if (!email) throw notFound('Email');
    const verdict = retryVerdict(email.status, options.canSend);
    if (verdict !== 'retry') return { retried: false, status: email.status, refused: verdict };
    const from = email.status as 'failed' | 'logged';
    if (!(await retryEmail(trx, emailId, now, from))) {
      const current = await findEmail(trx, emailId);
      return { retried: false, status: current?.status ?? email.status, refused: 'not_undelivered' };
    }
    await auditBy(trx, options.by ?? null, now, 'email.retry', `email:${emailId}`, { before: { status: from }, after: { status: 'pending' } });
    return { retried: true, status: 'pending' };
  });
}

/**
 * Every email in status `from` back to the queue at once (`npm run outbox -- retry --all-failed`,
 * `--all-logged`); returns how many. Logged emails only when the caller has a mail server.
 */
export async function retryAllEmailsIn(ctx: ServiceContext, from: 'failed' | 'logged'): Promise<number> {
  return retryAllEmails(ctx.handle.db, ctx.clock.now(), from);
}
