import { dueForAutoAway, NO_LAGS, type RecordLags } from '../core/autoAway.js';
import { availableAgentsLifeSigns, markAutoAway } from '../repositories/lifeSigns.js';
import type { ServiceContext } from './context.js';
import { changePresenceIn, withPresence } from './presence.js';
import { updateAgent } from './routing.js';

/**
 * Auto-away (AUTO_AWAY_MINUTES): sets away (R5, through the same presence change as the Away
 * button: the same live event, tickets released when release_on_logout is on) every available
 * agent with no page open anywhere and no API call for `limitMinutes` (src/core/autoAway.ts).
 * `openHere`: agents with a page open in this process (the registry of src/live/openPages.ts);
 * other processes' open pages are known from their stamps. The system acts (no actor).
 *
 * Several processes may run it at once: the decision is made again inside the routing transaction
 * (one at a time), so an agent another process has just set away is no longer available there, and
 * gets no second event or release. Returns the ids set away. `lags`: how far the recorded page views
 * and API calls may lag the real ones (core/autoAway.ts recordLags; the job passes its limits').
 */
export async function autoAwayIdle(ctx: ServiceContext, limitMinutes: number, openHere: ReadonlySet<number>, lags: RecordLags = NO_LAGS): Promise<number[]> {
  if (limitMinutes <= 0) return [];
  // Most runs find nobody: look without the routing lock first, so they never wait behind routing.
  if (dueForAutoAway(await availableAgentsLifeSigns(ctx.handle.db), openHere, ctx.clock.now(), limitMinutes, lags).length === 0) return [];
  return withPresence(ctx, null, async (run) => {
    const ids = dueForAutoAway(await availableAgentsLifeSigns(run.trx), openHere, run.now, limitMinutes, lags);
    // All of them leave before any releases: a ticket released by one must not go to another leaver.
    for (const id of ids) updateAgent(run, id, { presence: 'away' });
    for (const id of ids) await changePresenceIn(run, id, 'away');
    await markAutoAway(run.trx, ids, run.now);
    return ids;
  });
}
