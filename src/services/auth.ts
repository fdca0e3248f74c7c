import { createHash, randomBytes } from 'node:crypto';
import { ACCOUNT_LABELS, credentialsStand, currentPasswordMissing, ownChangeNeedsCurrentPassword, PASSWORD_CHANGED_MEANWHILE } from '../core/accounts.js';
import { type SignInProof, signInAfter } from '../core/audit.js';
import { DomainError, invalidInput, notFound } from '../core/errors.js';
import { labelled } from '../core/fieldErrors.js';
import { activityToRecord, recordingLimit, sessionStands } from '../core/idleLimits.js';
import { type AdminNotice, type EmailRequest, emailRequestAtLogin } from '../core/notices.js';
import type { Presence } from '../core/routing.js';
import type { ApiTokenScope, UserRow } from '../db/schema.js';
import { emailMoved, PROFILE_LABELS, profileChanges, type Role, validateProfileChange } from '../core/users.js';
import { noticeFacts, setUserProfile } from '../repositories/adminUsers.js';
import { anyEndedSession, deleteEndedSessions, deleteSession, deleteSessionsOf, findSession, insertSession, touchSession } from '../repositories/sessions.js';
import { retirePasswordResetsOf } from '../repositories/passwordResets.js';
import { findUserById, findUserByUsername, lockUserById, type PresenceCutoffs, replacePasswordHash, unattendedUsers } from '../repositories/users.js';
import type { Db } from '../db/connect.js';
import { inTransaction } from '../db/transaction.js';
import { noticeAccountChange } from './accountNotice.js';
import { type Acting, audit, auditBy, auditRun } from './audit.js';
import type { ServiceContext } from './context.js';
import { decoyHash, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { changePresenceIn, offlineIfUnattended, type PresenceRun, presenceCutoffs, withPresence } from './presence.js';
import { refuseTakenEmail } from './users.js';

/** Who changes a profile: the audit log's actor, and its session (which stays when it changes its own password). */
export type ProfileActor = Exclude<Acting, number | null> & { token: string };

/** The staff member behind a request. */
export interface StaffUser {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  presence: Presence;
  /** Signed in with an API token of this scope (§10: `inbound` tokens may only deliver mail). */
  tokenScope?: ApiTokenScope;
  /** For an admin's page views: what stops the help desk from reaching people (core/notices.ts). */
  notices?: readonly AdminNotice[];
}

/**
 * The cookie carries a random token; the database keeps only its SHA-256 (so do reset links,
 * services/accounts.ts).
 */
export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** When a session counts as in use: the idle limit, and whether this request is the person at work. */
export interface SessionUse {
  idleMinutes: number;
  /**
   * A page load, a form post: true. A page's own background traffic (the live stream and its
   * heartbeat, a refetch, the dashboard feed): false, so an open tab alone never keeps a session
   * (and so an agent's availability) alive. Decided from the request in src/http/session.ts.
   */
  countsAsActivity: boolean;
}

/**
 * Checks a username and password: the active account they open, else `unauthenticated`. Unknown
 * user and wrong password get the same message and take about as long.
 */
export async function checkCredentials(ctx: ServiceContext, username: string, password: string): Promise<UserRow> {
  const user = await findUserByUsername(ctx.handle.db, username);
  const ok = await verifyPassword(password, user?.password_hash ?? (await decoyHash()));
  if (!user || !ok || user.active !== 1) throw new DomainError('unauthenticated', 'Wrong username or password.');
  // A hash from before argon2id (or made with other settings) is replaced while the password is at
  // hand: the only moment it is (passwords.ts).
  // The row returned carries the hash the account has, which the session is checked against
  // (startSession) and the browser's device entry bound to.
  if (!needsRehash(user.password_hash)) return user;
  const upgraded = await hashPassword(password);
  if (await replacePasswordHash(ctx.handle.db, user.id, user.password_hash, upgraded)) return { ...user, password_hash: upgraded };
  // The hash changed meanwhile: another sign-in upgraded it (the same password), or a new password
  // was set. This password counts only if it opens the account as it is now.
  const now = await findUserById(ctx.handle.db, user.id);
  if (!now || now.active !== 1 || !(await verifyPassword(password, now.password_hash))) throw new DomainError('unauthenticated', 'Wrong username or password.');
  return now;
}

/**
 * The password hash of the active account by `username`, else null (unknown, or deactivated): what
 * a browser's device entries for it are checked under (http/deviceCookies.ts). One read either way.
 */
export async function activePasswordHashOf(ctx: ServiceContext, username: string): Promise<string | null> {
  const user = await findUserByUsername(ctx.handle.db, username);
  return user?.active === 1 ? user.password_hash : null;
}

/** What a started session gives the login route. */
export interface StartedSession {
  token: string;
  user: StaffUser;
  /** How the login asks for a missing email address (core/notices.ts emailRequestAtLogin). */
  askForEmail: EmailRequest;
  /** The account's password hash as the sign-in found it: the browser's device entry is bound to it (http/deviceCookies.ts). */
  passwordHash: string;
}

/**
 * Starts a new session for an account whose credentials (and second factor, when it has one) were
 * checked: a fresh id (login rotates it) and, for agents, presence available (R2, R3). `user` is
 * the account as the check read it: refused (`unauthenticated`) when it was deactivated since, or,
 * unless single sign-on alone opened it, given a new password since (core/accounts.ts credentialsStand).
 * `method` and `secondFactor`: how the sign-in proved who it was, which its audit entry says.
 * `previousToken`: the session this browser still held (a stale tab), which ends in the same
 * transaction; if it was someone else's, that person goes offline unless present elsewhere (R5).
 */
export async function startSession(
  ctx: ServiceContext,
  user: UserRow,
  options: { idleMinutes: number; previousToken?: string | undefined; address?: string; method?: SignInProof['method']; secondFactor?: 'totp' | 'recovery' },
): Promise<StartedSession> {
  const token = randomBytes(32).toString('base64url');
  const { previousToken } = options;
  await withPresence(ctx, user.id, async (run) => {
    // Checked again inside the routing lock: a deactivation, or a new password (which ended the
    // account's sessions), may have committed during the hash above or the second step, and must win.
    const now = await findUserById(run.trx, user.id);
    // A second step carries the stamp of the password hash its first step found (http/login.ts),
    // single sign-on's too: only the provider's word alone checks no password.
    const checkedHash = options.method === 'sso' && options.secondFactor === undefined ? null : user.password_hash;
    if (!credentialsStand(now && { active: now.active === 1, passwordHash: now.password_hash }, checkedHash)) throw new DomainError('unauthenticated', 'Wrong username or password.');
    // The audit log's sign-in, with the session it starts (§15).
    const after = signInAfter({ method: options.method ?? 'password', secondFactor: options.secondFactor ?? null });
    await audit(run.trx, { actor: { id: user.id, name: user.username }, action: 'sign_in', subject: `user:${user.id}`, address: options.address ?? '', after }, run.now);
    const previousUser = previousToken === undefined ? undefined : await deleteSession(run.trx, sessionIdOf(previousToken));
    await insertSession(run.trx, sessionIdOf(token), user.id, run.now);
    if (previousUser !== undefined && previousUser !== user.id) await offlineIfUnattended(run, presenceCutoffs(run.now, options.idleMinutes, ctx), [previousUser]);
    if (user.role === 'agent') await changePresenceIn(run, user.id, 'available');
  });
  const presence: Presence = user.role === 'agent' ? 'available' : user.presence;
  // An admin without an address hears of no SLA alert: the login asks for one (until given).
  const askForEmail = user.role === 'admin' ? emailRequestAtLogin(user, await noticeFacts(ctx.handle.db)) : 'none';
  return { token, user: { id: user.id, username: user.username, displayName: user.display_name, role: user.role, presence }, askForEmail, passwordHash: user.password_hash };
}

/**
 * A refused sign-in (wrong password, unknown user, wrong second-factor code, a refused single
 * sign-on and why), in the audit log with the username typed (for single sign-on: the address the
 * provider named, if any) and the step that refused it; never the password or code typed.
 */
export async function recordFailedSignIn(ctx: ServiceContext, username: string, address: string, step: 'password' | 'second_factor' | 'sso', reason?: string): Promise<void> {
  await recordFailedCheck(ctx, null, username, address, reason === undefined ? { step } : { step, reason });
}

/** A `sign_in.failed` entry: by nobody (a sign-in) or by the session's own staff member (a current password), on the username. */
async function recordFailedCheck(ctx: ServiceContext, actor: { id: number; name: string } | null, username: string, address: string, after: { step: string; reason?: string }): Promise<void> {
  await inTransaction(ctx.handle, (trx) => audit(trx, { actor, action: 'sign_in.failed', subject: username.trim().toLowerCase(), address, after }, ctx.clock.now()));
}

/**
 * Whether `typed` is the account's current password, asked by one's own pages before a change that
 * needs it (a new password or address, two-factor on or off, new recovery codes). A wrong one typed
 * is a failed password check like a login's, made by whoever holds the account's session: it is in
 * the audit log as `sign_in.failed` with the step `current_password`, the account as actor (someone
 * was signed in as it) and its username as subject (the "who" filter finds it beside the failed
 * logins naming it), from `address`; never what was typed. Nothing typed is no guess: not recorded.
 */
export async function checkCurrentPassword(ctx: ServiceContext, user: Pick<UserRow, 'id' | 'username' | 'password_hash'>, typed: unknown, address: string): Promise<boolean> {
  if (typeof typed !== 'string' || typed === '') return false;
  if (await verifyPassword(typed, user.password_hash)) return true;
  await recordFailedCurrentPassword(ctx, user, address);
  return false;
}

/**
 * A `sign_in.failed` entry of the step `current_password` by the account's own session or token
 * (checkCurrentPassword); `reason` says why no password could be checked at all (`api_token`: a
 * token asked for a change that needs one).
 */
export async function recordFailedCurrentPassword(ctx: ServiceContext, user: Pick<UserRow, 'id' | 'username'>, address: string, reason?: string): Promise<void> {
  await recordFailedCheck(ctx, { id: user.id, name: user.username }, user.username, address, reason === undefined ? { step: 'current_password' } : { step: 'current_password', reason });
}

/** checkCurrentPassword, refusing a wrong one on its field (nothing written but the failed check's entry). */
export async function refuseWrongCurrentPassword(ctx: ServiceContext, user: Pick<UserRow, 'id' | 'username' | 'password_hash'>, typed: unknown, address: string): Promise<void> {
  if (!(await checkCurrentPassword(ctx, user, typed, address))) throw invalidInput(labelled({ current_password: 'This is not your current password.' }, ACCOUNT_LABELS));
}

/** A login with the password alone (checkCredentials, then startSession). */
export async function login(ctx: ServiceContext, username: string, password: string, options: { idleMinutes: number; previousToken?: string | undefined }): Promise<StartedSession> {
  return startSession(ctx, await checkCredentials(ctx, username, password), options);
}

/**
 * Ends a session; an agent goes offline (R5), in the same transaction, with the sign-out in the
 * audit log (from `address`, the client's). Offline even when another of its browsers is still
 * logged in: logging out says "I am leaving" (that browser can set available again).
 */
export async function logout(ctx: ServiceContext, token: string, address = ''): Promise<void> {
  const sessionId = sessionIdOf(token);
  // A stale cookie needs no routing lock.
  const session = await findSession(ctx.handle.db, sessionId);
  if (!session) return;
  await withPresence(ctx, session.id, async (run) => {
    const userId = await deleteSession(run.trx, sessionId);
    // Ended meanwhile (another tab's logout, the expiry job): whoever ended it settled presence.
    if (userId === undefined) return;
    await auditBy(run.trx, { id: userId, username: session.username, address }, run.now, 'sign_out', `user:${userId}`);
    const agent = run.agents.find((a) => a.id === userId);
    if (agent && agent.presence !== 'offline') await changePresenceIn(run, userId, 'offline');
  });
}

/**
 * The staff member of a session token, or null when there is none, it has been idle too long
 * (it then ends, as by the expiry job), or the account was deactivated. Only a request that
 * `countsAsActivity` keeps the session alive.
 */
export async function authenticate(ctx: ServiceContext, token: string, use: SessionUse): Promise<StaffUser | null> {
  const session = await findSession(ctx.handle.db, sessionIdOf(token));
  if (!session) return null;
  const now = ctx.clock.now();
  const cutoffs = presenceCutoffs(now, use.idleMinutes, ctx);
  // Idle too long, or signed in longer ago than the lifetime (SESSION_MAX_HOURS) however busy:
  // ended alike, by the system (no audit entry, as the expiry job's), the person sent to log in.
  if (!sessionStands({ createdAt: session.created_at, lastSeenAt: session.last_seen_at }, cutoffs)) {
    await expireSession(ctx, session.session_id, session.id, cutoffs);
    return null;
  }
  if (session.active !== 1) return null;
  if (use.countsAsActivity && activityToRecord(session.last_seen_at, now, recordingLimit(use.idleMinutes, ctx.autoAwayMinutes))) await touchSession(ctx.handle.db, session.session_id, now);
  return { id: session.id, username: session.username, displayName: session.display_name, role: session.role, presence: session.presence };
}

/**
 * Ends one idle session; its user goes offline only when present nowhere else (presenceCutoffs).
 * The system acts here (no actor on the events), not the absent agent.
 */
async function expireSession(ctx: ServiceContext, sessionId: string, userId: number, cutoffs: PresenceCutoffs): Promise<void> {
  await withPresence(ctx, null, async (run) => {
    await deleteSession(run.trx, sessionId);
    await offlineIfUnattended(run, cutoffs, [userId]);
  });
}

/**
 * The expiry job's run: ends sessions idle longer than the limit, and sets offline (R5) everyone
 * available or away who is present nowhere — whose sessions just ended, or were lost (a crash, rows
 * deleted), or who was made available through the API and stopped using it. One routing
 * transaction, so several processes running it at once are serialised and the later ones find
 * nothing left to do (no second release, no second event).
 */
export async function expireIdleSessions(ctx: ServiceContext, idleMinutes: number): Promise<{ sessionsEnded: number; agentsOffline: number }> {
  const db = ctx.handle.db;
  const outside = presenceCutoffs(ctx.clock.now(), idleMinutes, ctx);
  // Most runs find nothing: look without the routing lock first, so they never wait behind routing.
  if (!(await anyEndedSession(db, outside)) && (await unattendedUsers(db, outside)).length === 0) return { sessionsEnded: 0, agentsOffline: 0 };
  return withPresence(ctx, null, async (run) => {
    const cutoffs = presenceCutoffs(run.now, idleMinutes, ctx);
    const sessionsEnded = await deleteEndedSessions(run.trx, cutoffs, 500);
    const offline = await offlineIfUnattended(run, cutoffs);
    return { sessionsEnded, agentsOffline: offline.length };
  });
}

/**
 * Inside the transaction of one's own change typed with the current password (a new password or
 * address, new recovery codes, the second factor off), checked before it against `checkedHash`:
 * refuses it on `current_password`, nothing written, when the account has another password since
 * (a reset, an admin's: it ended this session and wins) or was deactivated (core/accounts.ts
 * credentialsStand). The account's row stays locked until the change commits; returns it as it is now.
 */
export async function refuseUnlessPasswordStands(trx: Db, userId: number, checkedHash: string): Promise<UserRow> {
  const now = await lockUserById(trx, userId);
  if (!now || !credentialsStand({ active: now.active === 1, passwordHash: now.password_hash }, checkedHash)) {
    throw invalidInput(labelled({ current_password: PASSWORD_CHANGED_MEANWHILE }, ACCOUNT_LABELS));
  }
  return now;
}

/**
 * The session that stays when its own account's credentials change (the browser that made the
 * change; none when it was not the account's own, or there is no browser), and the idle limit by
 * which the account counts as present elsewhere.
 */
export interface KeptSession {
  token: string | undefined;
  idleMinutes: number;
}

/**
 * After a change of an account's credentials — a new password, two-factor on or off, new recovery
 * codes, an admin's reset of the second factor — inside its routing transaction: every browser
 * session of the account ends but `kept.token`'s (whoever was in with what changed is out; the
 * person who made their own change stays), and an agent left present nowhere goes offline (R5).
 * API tokens are left alone: they are credentials of their own, listed and revoked on the user's
 * page (a deactivation revokes them).
 */
export async function endOtherSessions(ctx: ServiceContext, run: PresenceRun, userId: number, kept: KeptSession): Promise<void> {
  await deleteSessionsOf(run.trx, userId, kept.token === undefined ? undefined : sessionIdOf(kept.token));
  await offlineIfUnattended(run, presenceCutoffs(run.now, kept.idleMinutes, ctx), [userId]);
}

/**
 * An admin changes an account's display name, email and (when typed) password — any account, their
 * own included. A new password ends the account's other sessions (all of them when an admin sets
 * someone else's: whoever knew the old one is out), and, in the same transaction, an agent left
 * present nowhere goes offline (R5), as when a session expires. `actorToken` is the admin's own
 * session, which stays.
 */
export async function changeProfile(
  ctx: ServiceContext,
  actor: ProfileActor,
  userId: number,
  raw: Record<string, unknown>,
  idleMinutes: number,
): Promise<{ passwordChanged: boolean }> {
  const user = await findUserById(ctx.handle.db, userId);
  if (!user) throw notFound('User');
  const change = validateProfileChange(raw, user.username);
  // One's own account asks for the current password here too, as My account does (a new password
  // or address): an admin's unlocked screen is no back door to taking the account over. Another
  // account's needs none: setting it is the admin's power (and its owner is mailed, accountNotice.ts).
  const own = userId === actor.id && ownChangeNeedsCurrentPassword(change, user);
  if (own) {
    const missing = currentPasswordMissing(change, user, raw.current_password);
    if (missing !== null) throw invalidInput(labelled({ current_password: missing }, ACCOUNT_LABELS));
    await refuseWrongCurrentPassword(ctx, user, raw.current_password, actor.address);
  }
  return saveProfile(ctx, actor, userId, { ...change, checkedHash: own ? user.password_hash : null }, idleMinutes);
}

/**
 * Writes a validated profile change (the admin's form, or one's own account page): a new password
 * is hashed first (outside the lock), then, in one routing transaction, the account's other
 * sessions end (all of them unless `actor` is the account itself: its own session stays), an agent
 * left present nowhere goes offline (R5), and its unused reset links stop working (also after a new
 * address alone: they were mailed to the old one). `checkedHash`: the password hash a current
 * password typed for this change was checked against; a new password set since refuses the change
 * on `current_password` (core/accounts.ts credentialsStand), nothing written. A new password or
 * mailbox mails the account's address as it was (services/accountNotice.ts). Audited
 * (`user.update` by an admin, `account.update` by the account itself), saying whether the password
 * changed, never what it is.
 */
export async function saveProfile(
  ctx: ServiceContext,
  actor: ProfileActor,
  userId: number,
  change: { displayName: string; email: string; password: string | null; checkedHash?: string | null },
  idleMinutes: number,
): Promise<{ passwordChanged: boolean }> {
  const passwordHash = change.password === null ? null : await hashPassword(change.password);
  await withPresence(ctx, actor, async (run) => {
    const before = await findUserById(run.trx, userId);
    if (change.checkedHash) await refuseUnlessPasswordStands(run.trx, userId, change.checkedHash);
    await refuseTakenEmail(run.trx, change.email, before?.email ?? null, userId, PROFILE_LABELS);
    // Nothing to change: nothing written, no audit entry.
    if (before && !profileChanges(before, change)) return;
    await setUserProfile(run.trx, userId, { displayName: change.displayName, email: change.email, passwordHash });
    if (before) await noticeAccountChange(run, before, { email: change.email, passwordChanged: passwordHash !== null }, userId === actor.id ? 'owner' : 'admin');
    await auditRun(run, userId === actor.id ? 'account.update' : 'user.update', `user:${userId}`, {
      before: before && { display_name: before.display_name, email: before.email },
      after: { display_name: change.displayName, email: change.email, credentials_changed: passwordHash !== null },
    });
    // Reset links went to the address they were asked for: a new address (the old mailbox lost,
    // say) voids them even when the password stays.
    if (passwordHash !== null || emailMoved(change.email, before?.email ?? null)) await retirePasswordResetsOf(run.trx, userId, run.now);
    if (passwordHash === null) return;
    await endOtherSessions(ctx, run, userId, { token: userId === actor.id ? actor.token : undefined, idleMinutes });
  });
  return { passwordChanged: passwordHash !== null };
}
