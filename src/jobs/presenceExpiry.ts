import { expireIdleSessions } from '../services/auth.js';
import type { ServiceContext } from '../services/context.js';
import { repeat } from './repeat.js';

/**
 * Ends idle sessions and sets offline (R5) everyone available or away who is present nowhere (no
 * session or API token in use: presenceCutoffs), every `everyMs`. Several processes may run it at
 * once: see expireIdleSessions.
 */
export function startPresenceExpiry(ctx: ServiceContext, idleMinutes: number, onError: (error: unknown) => void, everyMs = 15_000) {
  return repeat(() => expireIdleSessions(ctx, idleMinutes), everyMs, onError);
}
