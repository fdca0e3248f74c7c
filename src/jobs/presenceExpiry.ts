import { recordLags } from '../core/autoAway.js';
import { autoAwayIdle } from '../services/autoAway.js';
import { expireIdleSessions } from '../services/auth.js';
import type { ServiceContext } from '../services/context.js';
import { repeat } from './repeat.js';

/** Auto-away for the expiry job: the limit (0 = off) and who has a page open in this process. */
export interface AutoAwayJob {
  minutes: number;
  openHere: () => ReadonlySet<number>;
}

/**
 * Every `everyMs`: ends idle sessions and sets offline (R5) everyone available or away who is
 * present nowhere (no session or API token in use: presenceCutoffs); then, with `autoAway`, sets
 * away every available agent with no page open anywhere and no API call for its limit
 * (services/autoAway.ts). Both rules act, whichever comes first: auto-away (minutes without an
 * open page) usually first; an open page that nobody uses still ends at SESSION_IDLE_MINUTES.
 * Several processes may run it at once: see expireIdleSessions and autoAwayIdle.
 */
export function startPresenceExpiry(ctx: ServiceContext, idleMinutes: number, onError: (error: unknown) => void, everyMs = 15_000, autoAway?: AutoAwayJob) {
  return repeat(
    async () => {
      await expireIdleSessions(ctx, idleMinutes);
      if (autoAway) await autoAwayIdle(ctx, autoAway.minutes, autoAway.openHere(), recordLags(idleMinutes, ctx.apiPresenceMinutes, autoAway.minutes));
    },
    everyMs,
    onError,
  );
}
