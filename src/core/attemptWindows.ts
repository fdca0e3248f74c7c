/**
 * The sign-in limits' counts (SPEC §7 `RATE_LIMIT_LOGIN*`): a fixed window per key (an address, a
 * username) holding the failures counted in it and the checks still in flight.
 *
 * Decision (the burst defect, README "Limits we know of"): a password or code is checked only on a
 * reservation taken BEFORE the check, atomically with the test against the limit, so however many
 * requests arrive at once, failures plus checks in flight never pass `max`: at most `max` checks
 * can fail in a window. A check that passes gives its reservation back (a sign-in that succeeds
 * counts nothing: a team behind one office address can all sign in at nine); one that fails turns
 * it into a counted failure. When the failures alone have used up the limit the attempt is refused
 * unchecked until the window ends; when only checks in flight fill it, the attempt is `busy`: the
 * caller waits for them to end and asks again, so a burst of right passwords is slowed, not refused.
 */
import { embeddedIpv4, ipv6Groups } from './ipAddress.js';

/** `max` failures per `windowMs`. */
export interface Limit {
  max: number;
  windowMs: number;
}

/** A key's live window: failures counted, checks in flight (reserved), and its end (epoch ms). */
export interface AttemptWindow {
  failed: number;
  held: number;
  resetAt: number;
}

/** What a reservation asked for: a check may go ahead (settle it in `resetAt`'s window), or not. */
export type ReserveAnswer = { kind: 'reserved'; resetAt: number } | { kind: 'used_up'; waitSeconds: number } | { kind: 'busy' };

/** How a reserved check ended: `passed` gives the reservation back, `failed` counts it. */
export type CheckOutcome = 'passed' | 'failed';

/**
 * How a reserved check ends when no password or code was judged before the work after the
 * reservation ended: it returned without judging, or threw before the judging (a database error
 * reading what the second step is). The reservation is given back, counting nothing: nobody guessed
 * wrong, and counting such errors would lock an account or an address out until its window ends
 * after a few of them. (An error thrown BY the judging, the password or code check itself, is the
 * route's to count: it counts as a failure there, since the check may have told its answer.)
 */
export const UNJUDGED_CHECK: CheckOutcome = 'passed';

/** Whole seconds until `resetAt`, at least one: what a refusal asks to wait (and its Retry-After). */
export function secondsUntil(resetAt: number, now: number): number {
  return Math.max(1, Math.ceil((resetAt - now) / 1000));
}

/** The window a key has at `now`: none once its end has passed. */
function live(window: AttemptWindow | undefined, now: number): AttemptWindow | undefined {
  return window && window.resetAt > now ? window : undefined;
}

/**
 * The answer to a reservation of one check on a key whose window is `window` at `now`, and the
 * window after it. No live window: a new one starts holding this check.
 */
export function reserveCheck(window: AttemptWindow | undefined, now: number, limit: Limit): { answer: ReserveAnswer; window: AttemptWindow | undefined } {
  const current = live(window, now) ?? { failed: 0, held: 0, resetAt: now + limit.windowMs };
  if (current.failed >= limit.max) return { answer: { kind: 'used_up', waitSeconds: secondsUntil(current.resetAt, now) }, window: current };
  if (current.failed + current.held >= limit.max) return { answer: { kind: 'busy' }, window: current };
  return { answer: { kind: 'reserved', resetAt: current.resetAt }, window: { ...current, held: current.held + 1 } };
}

/**
 * The window after a check reserved in the window ending at `resetAt` ended with `outcome`. When
 * that window has ended meanwhile, the reservation went with it: nothing changes (a failure then
 * counted in the window it was reserved in, not in the new one). Never below zero.
 */
export function settleCheck(window: AttemptWindow | undefined, resetAt: number, outcome: CheckOutcome): AttemptWindow | undefined {
  if (!window || window.resetAt !== resetAt) return window;
  return { failed: window.failed + (outcome === 'failed' ? 1 : 0), held: Math.max(0, window.held - 1), resetAt };
}

/**
 * The key a client address is counted under: IPv4 as it is; an IPv4 address mapped into IPv6
 * (`::ffff:10.0.0.1`) as the IPv4 one; any other IPv6 address as its /64 (one subscriber's network
 * holds a whole /64, so each of its addresses is the same client). Anything else, lower-cased.
 */
export function addressKey(address: string): string {
  const lower = address.trim().toLowerCase();
  const hextets = ipv6Groups(lower);
  if (hextets === null) return lower;
  if (hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff) {
    return embeddedIpv4(hextets);
  }
  return `${hextets
    .slice(0, 4)
    .map((h) => h.toString(16))
    .join(':')}::/64`;
}

/** The key a username is counted under: as accounts store it (trimmed, any case), bounded in length. */
export function usernameKey(username: string): string {
  return username.trim().toLowerCase().slice(0, 200);
}
