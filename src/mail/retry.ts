/**
 * When a failed send is tried again. Exponential: 1, 2, 4, 8, 16, 32, 64 minutes after attempts
 * 1–7, so the 8th and last attempt comes a little over two hours (127 min) after the first — SPEC §5
 * asks for at least 6 attempts over more than an hour. A mail server down for a lunch break or a
 * deploy does not lose anyone's email; one down for a day ends in `failed`, visible to an admin.
 */
export const MAX_ATTEMPTS = 8;
export const FIRST_RETRY_DELAY_MS = 60_000;

/** Delay before the next try after `attempts` failed tries (1-based). */
export function retryDelayMs(attempts: number): number {
  return FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, attempts - 1);
}

/** What happens to a row after its `attempts`-th try failed: tried again later, or given up. */
export type AfterFailure = { status: 'pending'; nextAttemptAt: number } | { status: 'failed' };

/** Decides, from the number of tries made so far, whether a failed email is retried and when. */
export function afterFailure(attempts: number, now: number): AfterFailure {
  if (attempts >= MAX_ATTEMPTS) return { status: 'failed' };
  return { status: 'pending', nextAttemptAt: now + retryDelayMs(attempts) };
}
