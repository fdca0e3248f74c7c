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
 * The limit a record of activity serves, for how often it is written: its own idle limit, or the
 * auto-away limit (AUTO_AWAY_MINUTES, 0 = off) when that is shorter, so a record never lags the real
 * activity by more than a tenth of the auto-away limit either (at the default 5 minutes: 30 s, as
 * before; at a few seconds, as the tests set it: 1 s).
 */
export function recordingLimit(limitMinutes: number, autoAwayMinutes = 0): number {
  return autoAwayMinutes > 0 ? Math.min(limitMinutes, autoAwayMinutes) : limitMinutes;
}

/**
 * The oldest recorded activity that still counts as in use at `now` under a limit of `limitMinutes`:
 * a record at or after it may stand for activity within the limit.
 */
export function inUseSince(now: number, limitMinutes: number): number {
  return now - limitMinutes * 60_000 - touchEveryMs(limitMinutes);
}

/**
 * SESSION_MAX_HOURS' default: a session ends 12 hours after its sign-in even while in use (OWASP
 * ASVS 3.3.2, level 2), so a stolen cookie, or a browser left signed in at a shared desk and kept
 * busy, opens the desk for a working day at most; staff sign in once a day.
 */
export const DEFAULT_SESSION_MAX_HOURS = 12;

/**
 * The oldest sign-in whose session still stands at `now` under a lifetime of `maxHours`: a session
 * started before it has ended, however recently it was used. No lag here: the start is written once,
 * exactly.
 */
export function startedSince(now: number, maxHours: number = DEFAULT_SESSION_MAX_HOURS): number {
  return now - maxHours * 3_600_000;
}

/** Whether a session started at `createdAt` and last recorded at `lastSeenAt` still stands by the cutoffs (presenceCutoffs). */
export function sessionStands(session: { createdAt: number; lastSeenAt: number }, cutoffs: { sessionSeenSince: number; sessionStartedSince: number }): boolean {
  return session.lastSeenAt >= cutoffs.sessionSeenSince && session.createdAt >= cutoffs.sessionStartedSince;
}
