import { expireIdleSessions } from '../services/auth.js';
import type { ServiceContext } from '../services/context.js';
import { repeat } from './repeat.js';

/**
 * Ends idle sessions and sets their agents offline (R5), every `everyMs`. Several processes may run
 * it at once: see expireIdleSessions.
 */
export function startPresenceExpiry(ctx: ServiceContext, idleMinutes: number, onError: (error: unknown) => void, everyMs = 15_000) {
  return repeat(() => expireIdleSessions(ctx, idleMinutes), everyMs, onError);
}
