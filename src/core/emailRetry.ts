/**
 * Which undelivered emails an admin may put back in the queue (SPEC §5). Pure.
 *
 * A `failed` email (its tries ran out) always may. A `logged` one was handed to no mail server: the
 * process that took it had no SMTP_URL (before a mail server was set up, or a worker started
 * without the servers' settings), so it only logged it. It may be sent once this process has a
 * mail server: re-queued without one, it would only be logged again.
 */

/** What an admin's retry of an email in some status does. */
export type RetryVerdict = 'retry' | 'not_undelivered' | 'needs_mail_server';

/** The verdict for an email in `status`, when the asking process has a mail server (`canSend`) or not. */
export function retryVerdict(status: string, canSend: boolean): RetryVerdict {
  if (status === 'failed') return 'retry';
  if (status === 'logged') return canSend ? 'retry' : 'needs_mail_server';
  return 'not_undelivered';
}
