import { DomainError } from '../core/errors.js';
import type { UserRow } from '../db/schema.js';
import { inUseSince, startedSince } from '../core/idleLimits.js';
import type { Presence } from '../core/routing.js';
import { recordPresence } from '../repositories/presenceHistory.js';
import { findUserById, type PresenceCutoffs, setPresence, unattendedUsers } from '../repositories/users.js';
import type { Acting } from './audit.js';
import type { ServiceContext } from './context.js';
import { pullAndBalance, releaseTickets, type RoutingRun, updateAgent, withRouting } from './routing.js';

/**
 * What keeps a staff member present (available or away), in one place: a session seen within the
 * idle limit (SESSION_IDLE_MINUTES; seen means a real page load or form post, see
 * src/http/session.ts), or an unrevoked API token used within API_PRESENCE_MINUTES — an agent
 * driven through `PUT /api/v1/agents/me/presence` has no session, and any API call it makes is its
 * sign of life (issue 20 item 3: a script that stopped calling must not hold tickets for the whole
 * session limit). Without an API limit (apps built without one), the session's limit applies to
 * tokens too. Each limit counts from the recorded activity plus the lag that record may have
 * (core/idleLimits.ts), so what was in use within its limit is never ended. Present nowhere, it
 * goes offline (R5) at the next expiry run.
 */
export function presenceCutoffs(now: number, idleMinutes: number, limits: Pick<ServiceContext, 'apiPresenceMinutes' | 'sessionMaxHours'> = {}): PresenceCutoffs {
  return {
    sessionSeenSince: inUseSince(now, idleMinutes),
    sessionStartedSince: startedSince(now, limits.sessionMaxHours),
    tokenUsedSince: inUseSince(now, limits.apiPresenceMinutes ?? idleMinutes),
  };
}

/**
 * Sets an agent's presence inside a routing run: becoming available pulls and balances (R2, R3);
 * going away or offline is R5 (tickets released when the setting says so). Admins have a presence
 * too but are never routed tickets. Returns how many open tickets R5 released (0 when none).
 */
export async function applyPresence(run: RoutingRun, userId: number, presence: Presence): Promise<number> {
  await setPresence(run.trx, userId, presence);
  if (!run.agents.some((a) => a.id === userId)) return 0;
  await recordPresence(run.trx, userId, presence, run.now);
  updateAgent(run, userId, { presence });
  if (presence === 'available') await pullAndBalance(run, userId);
  else if (run.settings.releaseOnLogout) return releaseTickets(run, userId);
  return 0;
}

/** A routing run that also changes presence: each change is announced once the run has committed. */
export interface PresenceRun extends RoutingRun {
  presenceChanges: { userId: number; presence: Presence }[];
}

/** Sets presence inside a presence run (see applyPresence) and records it for the announcement; returns how many tickets it released. */
export async function changePresenceIn(run: PresenceRun, userId: number, presence: Presence): Promise<number> {
  const released = await applyPresence(run, userId, presence);
  run.presenceChanges.push({ userId, presence });
  return released;
}

/**
 * Runs `work` as one routing transaction (sessions and presence change together, or not at all),
 * then tells live pages of the presence changes it made.
 */
export async function withPresence<T>(ctx: ServiceContext, actorId: Acting, work: (run: PresenceRun) => Promise<T>): Promise<T> {
  // A new list per try: a try rolled back (a deadlock, db/transaction.ts runs it again) changed nobody.
  let presenceChanges: PresenceRun['presenceChanges'] = [];
  const result = await withRouting(ctx, actorId, (run) => {
    presenceChanges = [];
    return work(Object.assign(run, { presenceChanges }));
  });
  for (const change of presenceChanges) ctx.onPresence?.(change.userId, change.presence);
  return result;
}

/**
 * R5 for whoever is available or away but present nowhere (see presenceCutoffs): sets them offline
 * inside the run. Only among `userIds` when given. Someone already offline is left alone, so a
 * second run (another process) finds nothing and writes no second release. Returns their ids.
 */
export async function offlineIfUnattended(run: PresenceRun, cutoffs: PresenceCutoffs, userIds?: readonly number[]): Promise<number[]> {
  const ids = await unattendedUsers(run.trx, cutoffs, userIds);
  // All of them leave before any releases: a ticket released by one must not go to another leaver.
  for (const id of ids) updateAgent(run, id, { presence: 'offline' });
  for (const id of ids) await changePresenceIn(run, id, 'offline');
  return ids;
}

/**
 * Inside a routing run: refuses (401, `message`) unless the account is still active. A sign-in and
 * the availability switch authenticate before their routing transaction; a deactivation that
 * committed in between must win (no session, no presence for a deactivated account).
 */
export async function refuseUnlessActive(run: RoutingRun, userId: number, message: string): Promise<UserRow> {
  const user = await findUserById(run.trx, userId);
  if (user?.active !== 1) throw new DomainError('unauthenticated', message);
  return user;
}

/**
 * `/agents/availability/` (available | away) and the API's presence: one change in its own run.
 * The account is checked again inside the routing lock, as a sign-in is (auth.ts startSession): a
 * deactivation that committed after the request was authenticated must win. Without the check the
 * switch set a deactivated agent `available` (deactivation had just set it offline), and once
 * reactivated it stood available, with room, beside a waiting ticket that nothing routed to it (I3;
 * found by the routing model, MODEL_SEED=1222529506 MODEL_RUNS=80 on SQLite).
 * Returns how many open tickets the change released (R5 with release_on_logout on), for the agent's message.
 *
 * Setting the presence the agent already has changes nothing but the auto-away mark (the agent
 * now chose it): the agent gained no room (no R2/R3) and did not become unavailable (no R5). A
 * script repeating its PUT, or a second click, used to balance back to an idle agent the ticket
 * an admin had just moved from it, or release a ticket an admin had given an away agent (R6).
 */
export async function changePresence(ctx: ServiceContext, userId: number, presence: Presence): Promise<number> {
  return withPresence(ctx, userId, async (run) => {
    const user = await refuseUnlessActive(run, userId, 'This account has been deactivated.');
    if (user.presence === presence) {
      await setPresence(run.trx, userId, presence);
      return 0;
    }
    return changePresenceIn(run, userId, presence);
  });
}
