import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../core/errors.js';
import type { Presence } from '../core/routing.js';
import type { Role } from '../core/users.js';
import { deleteSession, findSession, hasLiveSession, idleSessions, insertSession, touchSession } from '../repositories/sessions.js';
import { findUserByUsername } from '../repositories/users.js';
import type { ServiceContext } from './context.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { changePresence } from './presence.js';

/** The staff member behind a request. */
export interface StaffUser {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  presence: Presence;
}

/** The cookie carries a random token; the database keeps only its SHA-256. */
function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

// Touching a session on every request would make every page view a write; once a minute is plenty
// for an idle limit counted in minutes.
const TOUCH_EVERY_MS = 60_000;

/**
 * Checks a username and password; on success starts a new session (a fresh id: login rotates it) and,
 * for agents, sets presence available (R2, R3). Unknown user and wrong password get the same message
 * and take about as long.
 */
export async function login(ctx: ServiceContext, username: string, password: string): Promise<{ token: string; user: StaffUser }> {
  const user = await findUserByUsername(ctx.handle.db, username);
  const ok = await verifyPassword(password, user?.password_hash ?? (await decoyHash()));
  if (!user || !ok || user.active !== 1) throw new DomainError('unauthenticated', 'Wrong username or password.');
  const token = randomBytes(32).toString('base64url');
  await insertSession(ctx.handle.db, sessionIdOf(token), user.id, ctx.clock.now());
  const presence: Presence = user.role === 'agent' ? 'available' : user.presence;
  if (user.role === 'agent') await changePresence(ctx, user.id, 'available');
  return { token, user: { id: user.id, username: user.username, displayName: user.display_name, role: user.role, presence } };
}

/** Ends a session; an agent goes offline (R5). */
export async function logout(ctx: ServiceContext, token: string): Promise<void> {
  const session = await findSession(ctx.handle.db, sessionIdOf(token));
  if (!session) return;
  await deleteSession(ctx.handle.db, session.session_id);
  if (session.role === 'agent') await changePresence(ctx, session.id, 'offline');
}

/**
 * The staff member of a session token, or null when there is none, it has been idle too long
 * (it then ends, as by the expiry job), or the account was deactivated.
 */
export async function authenticate(ctx: ServiceContext, token: string, idleMinutes: number): Promise<StaffUser | null> {
  const session = await findSession(ctx.handle.db, sessionIdOf(token));
  if (!session) return null;
  const now = ctx.clock.now();
  if (session.last_seen_at < now - idleMinutes * 60_000) {
    await expireSession(ctx, session.session_id, session.id, now - idleMinutes * 60_000);
    return null;
  }
  if (session.active !== 1) return null;
  if (now - session.last_seen_at > TOUCH_EVERY_MS) await touchSession(ctx.handle.db, session.session_id, now);
  return { id: session.id, username: session.username, displayName: session.display_name, role: session.role, presence: session.presence };
}

async function expireSession(ctx: ServiceContext, sessionId: string, userId: number, cutoff: number): Promise<void> {
  await deleteSession(ctx.handle.db, sessionId);
  // Offline only when no other browser of the same person is still in use.
  if (!(await hasLiveSession(ctx.handle.db, userId, cutoff))) await changePresence(ctx, userId, 'offline');
}

/**
 * Ends sessions idle longer than the limit and sets their agents offline (R5). Safe when several
 * processes run it: deleting a session twice is harmless and presence changes take the routing lock.
 * Returns how many sessions ended.
 */
export async function expireIdleSessions(ctx: ServiceContext, idleMinutes: number): Promise<number> {
  const cutoff = ctx.clock.now() - idleMinutes * 60_000;
  const sessions = await idleSessions(ctx.handle.db, cutoff, 500);
  for (const s of sessions) await expireSession(ctx, s.id, s.user_id, cutoff);
  return sessions.length;
}

/** Ends a session without touching presence: a second login in the same browser replaces the first. */
export async function discardSession(ctx: ServiceContext, token: string): Promise<void> {
  await deleteSession(ctx.handle.db, sessionIdOf(token));
}
