/**
 * Auto-away (AUTO_AWAY_MINUTES): an available agent with no page open anywhere and no API call for
 * the limit is set away (R5). Pure decisions only: the shell loads each agent's signs of life, knows
 * which agents have a page open in its own process, and writes the result.
 *
 * Signs of life, whichever is latest:
 * - `sessionSeenAt`: the newest page view or form post of any of its sessions as recorded; a request
 *   records it only when the record is older than touchEveryMs (core/idleLimits.ts, up to 30 s), so
 *   it may lag the real last view by that much, and is counted with that lag added (RecordLags);
 * - `tokenUsedAt`: the newest call with one of its API tokens, recorded and counted the same way;
 * - `liveSeenAt`: the last stamp of an open page (a live stream, or a page's background refresh)
 *   by any server process; every process stamps its open pages every `stampIntervalMs`, so a page
 *   open in another process is never older than that.
 * An agent with an open page in the deciding process itself never goes away, whatever the stamps say.
 */

import { recordingLimit, touchEveryMs } from './idleLimits.js';

/** What the shell knows of one available agent. */
export interface LifeSigns {
  userId: number;
  sessionSeenAt: number | null;
  tokenUsedAt: number | null;
  liveSeenAt: number | null;
}

/**
 * How far a recorded page view (`sessionMs`) or API call (`tokenMs`) may lag the real one: the
 * touch interval of its own limit (SESSION_IDLE_MINUTES, API_PRESENCE_MINUTES). Without it an agent
 * went away up to 30 s early: with AUTO_AWAY_MINUTES=0.5 a script calling every 20 s was set away.
 */
export interface RecordLags {
  sessionMs: number;
  tokenMs: number;
}

export const NO_LAGS: RecordLags = { sessionMs: 0, tokenMs: 0 };

/**
 * The record lags under the idle limits of sessions and API presence (minutes; none: no limit) and
 * the auto-away limit, which records are written for too (core/idleLimits.ts recordingLimit).
 */
export function recordLags(sessionIdleMinutes: number, apiPresenceMinutes = Number.POSITIVE_INFINITY, autoAwayMinutes = 0): RecordLags {
  return {
    sessionMs: touchEveryMs(recordingLimit(sessionIdleMinutes, autoAwayMinutes)),
    tokenMs: touchEveryMs(recordingLimit(apiPresenceMinutes, autoAwayMinutes)),
  };
}

/** The latest sign of life (a recorded one with its lag added), or null when there is none at all. */
export function lastSignOfLife(signs: LifeSigns, lags: RecordLags = NO_LAGS): number | null {
  const times = [
    signs.sessionSeenAt === null ? null : signs.sessionSeenAt + lags.sessionMs,
    signs.tokenUsedAt === null ? null : signs.tokenUsedAt + lags.tokenMs,
    signs.liveSeenAt,
  ].filter((t): t is number => t !== null);
  return times.length === 0 ? null : Math.max(...times);
}

/**
 * The agents to set away now: every one whose last sign of life is older than `limitMinutes` (an
 * agent with none at all included) and who has no page open in this process (`openHere`). Exactly at
 * the limit is still in time. `limitMinutes` 0 is off: nobody. Ids in ascending order. `lags`: see
 * RecordLags (an idle agent then goes away at most that much after its limit, never before).
 */
export function dueForAutoAway(agents: readonly LifeSigns[], openHere: ReadonlySet<number>, now: number, limitMinutes: number, lags: RecordLags = NO_LAGS): number[] {
  if (limitMinutes <= 0) return [];
  const since = now - limitMinutes * 60_000;
  return agents
    .filter((a) => !openHere.has(a.userId))
    .filter((a) => {
      const last = lastSignOfLife(a, lags);
      return last === null || last < since;
    })
    .map((a) => a.userId)
    .sort((a, b) => a - b);
}

const STAMP_MAX_MS = 30_000;
const CHECK_MAX_MS = 15_000;
const MIN_INTERVAL_MS = 250;

/**
 * How often each process stamps its open pages: every 30 s, or a third of the limit when that is
 * shorter (a short limit in tests), so a page open elsewhere is always stamped twice within the limit.
 */
export function stampIntervalMs(limitMinutes: number): number {
  if (limitMinutes <= 0) return STAMP_MAX_MS;
  return Math.max(MIN_INTERVAL_MS, Math.min(STAMP_MAX_MS, Math.floor((limitMinutes * 60_000) / 3)));
}

/**
 * How often the presence job runs: every 15 s (SESSION_IDLE_MINUTES is counted in minutes), or a
 * quarter of a shorter auto-away limit, so an agent goes away at most a quarter past its limit.
 */
export function presenceCheckMs(limitMinutes: number): number {
  if (limitMinutes <= 0) return CHECK_MAX_MS;
  return Math.max(MIN_INTERVAL_MS, Math.min(CHECK_MAX_MS, Math.floor((limitMinutes * 60_000) / 4)));
}

/** "5 minutes", "1 minute", "30 seconds", "1.5 minutes": the limit as the dashboard notice says it. */
export function describeLimit(limitMinutes: number): string {
  if (limitMinutes < 1) {
    const seconds = Math.round(limitMinutes * 60);
    return `${seconds} second${seconds === 1 ? '' : 's'}`;
  }
  const minutes = Math.round(limitMinutes * 100) / 100;
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/**
 * What the dashboard says about auto-away: the limit as in "You were set away after 5 minutes…",
 * while the agent is away because the system set it so (`autoAwayAt`); null otherwise (an agent who
 * pressed Away itself, or is available). Auto-away since turned off: "a while".
 */
export function autoAwayNotice(presence: 'available' | 'away' | 'offline', autoAwayAt: number | null, limitMinutes: number): string | null {
  if (presence !== 'away' || autoAwayAt === null) return null;
  return limitMinutes > 0 ? describeLimit(limitMinutes) : 'a while';
}
