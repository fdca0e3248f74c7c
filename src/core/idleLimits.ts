/**
 * Idle limits counted from recorded activity (SESSION_IDLE_MINUTES for sessions,
 * API_PRESENCE_MINUTES for API tokens; R5). A request records its activity only when the record is
 * older than `touchEveryMs` (a write per request would make every page view and API read a write),
 * so the record may lag the real last activity by up to that much. The limit is therefore counted
 * from the record plus that lag: a session or token in use within its limit is never taken for idle
 * (it used to be, by up to a minute: with a 1-minute limit, a page every 40 s ended the session);
 * one really idle ends at most `touchEveryMs` after its limit.
 */

const TOUCH_MAX_MS = 30_000;
const TOUCH_MIN_MS = 1_000;

/** How stale a record of activity may get before a request writes it again: a tenth of the limit, between 1 and 30 s. */
export function touchEveryMs(limitMinutes: number): number {
  return Math.max(TOUCH_MIN_MS, Math.min(TOUCH_MAX_MS, Math.floor((limitMinutes * 60_000) / 10)));
}

/** Whether a request at `now` writes the activity recorded at `recordedAt` (null: never recorded) again. */
export function activityToRecord(recordedAt: number | null, now: number, limitMinutes: number): boolean {
  return recordedAt === null || now - recordedAt > touchEveryMs(limitMinutes);
}

/**
 * The oldest recorded activity that still counts as in use at `now` under a limit of `limitMinutes`:
 * a record at or after it may stand for activity within the limit.
 */
export function inUseSince(now: number, limitMinutes: number): number {
  return now - limitMinutes * 60_000 - touchEveryMs(limitMinutes);
}
