/**
 * Staff accounts' own doors (SPEC §15): password reset by email, and the account page where staff
 * change their own name, address and password. The rules are in core/accounts.ts.
 */
import { randomBytes } from 'node:crypto';
import {
  isResetTokenShape,
  RESET_LINK_MS,
  RESET_LINK_REFUSALS,
  type ResetLinkState,
  resetLinkState,
  validateNewPassword,
  validateOwnAccountChange,
  validateResetRequest,
} from '../core/accounts.js';
import { invalidInput, notFound } from '../core/errors.js';
import { inTransaction } from '../db/transaction.js';
import { renderPasswordReset } from '../mail/templates/index.js';
import { enqueueEmail, staffRecipient } from '../repositories/outbox.js';
import { activeUsersByEmail, claimPasswordReset, insertPasswordReset, resetLinkFacts, retirePasswordResetsOf } from '../repositories/passwordResets.js';
import { setUserProfile } from '../repositories/adminUsers.js';
import { findUserById } from '../repositories/users.js';
import { endOtherSessions, refuseWrongCurrentPassword, type ProfileActor, saveProfile, sessionIdOf } from './auth.js';
import { noticeAccountChange } from './accountNotice.js';
import { audit, auditBy } from './audit.js';
import type { ServiceContext } from './context.js';
import { hashPassword } from './passwords.js';
import { mailSite } from './notifications.js';
import { withPresence } from './presence.js';

/** The page of a reset link: `/agents/password/reset/<token>/`. */
export function resetLinkPath(token: string): string {
  return `/agents/password/reset/${token}/`;
}

/**
 * A reset request for the address typed (SPEC §15). Every active account with that address gets
 * its own link by email, written to the outbox in the same transaction as the link's row (only the
 * token's SHA-256 is stored), and its earlier unused links stop working: each is a key to the
 * account for half an hour, and whoever asks again will use the newest email (one left in a
 * mailbox, a forwarded copy or an archive opens nothing any more). The caller answers the same
 * whatever happened here; so that the time taken says nothing either, an unknown address makes a
 * token and its hash and renders the email too, and runs the same transaction, only without the
 * writes. Each account mailed a link has the request in the audit log (`account.password_reset_requested`,
 * by nobody: whoever asked is unknown; from `address`, the client's; with the address typed, never
 * the link): its owner, or an admin, can see who keeps asking for keys to it. An address no account
 * has writes no entry (it names no account; the rate limits bound such requests).
 */
export async function requestPasswordReset(ctx: ServiceContext, raw: Record<string, unknown>, address = ''): Promise<void> {
  const email = validateResetRequest(raw);
  await inTransaction(ctx.handle, async (trx) => {
    const now = ctx.clock.now();
    const expiresAt = now + RESET_LINK_MS;
    const users = await activeUsersByEmail(trx, email);
    const { timeZone } = await mailSite(ctx.handle, trx, ctx.publicUrl);
    for (const user of users.length > 0 ? users : [null]) {
      const token = randomBytes(32).toString('base64url');
      const content = renderPasswordReset({ displayName: user?.display_name ?? '', username: user?.username ?? '', link: ctx.publicUrl + resetLinkPath(token), expiresAt, timeZone });
      if (user === null) continue;
      await retirePasswordResetsOf(trx, user.id, now);
      await insertPasswordReset(trx, { userId: user.id, tokenHash: sessionIdOf(token), now, expiresAt });
      await enqueueEmail(trx, { ...staffRecipient(user), ticketId: null, kind: 'password_reset', content, now });
      await audit(trx, { actor: null, action: 'account.password_reset_requested', subject: `user:${user.id}`, address, after: { email } }, now);
    }
  });
}

/** Whether a reset link works now (a link of the wrong shape was never issued: unknown). */
export async function checkResetLink(ctx: ServiceContext, token: string): Promise<ResetLinkState> {
  if (!isResetTokenShape(token)) return 'unknown';
  return resetLinkState(await resetLinkFacts(ctx.handle.db, sessionIdOf(token)), ctx.clock.now());
}

/** A reset link that does not work: refused with its reason, as the `token` field's error. */
function refusedLink(state: Exclude<ResetLinkState, 'valid'>) {
  return invalidInput({ token: RESET_LINK_REFUSALS[state] }, RESET_LINK_REFUSALS[state]);
}

/**
 * Sets a new password through a reset link: the link is claimed (single use, race-free), the
 * password set, every session of the account ended (whoever was in with the old password is out),
 * its other links retired, the account's address told (services/accountNotice.ts), and an agent
 * goes offline (R5) — all in one routing transaction, or
 * nothing, with its audit entry (from `address`, the client's). A link that does not work, or a
 * bad password, changes nothing.
 */
export async function resetPassword(ctx: ServiceContext, token: string, raw: Record<string, unknown>, idleMinutes: number, address = ''): Promise<void> {
  const state = await checkResetLink(ctx, token);
  if (state !== 'valid') throw refusedLink(state);
  const passwordHash = await hashPassword(validateNewPassword(raw));
  await withPresence(ctx, null, async (run) => {
    const userId = await claimPasswordReset(run.trx, sessionIdOf(token), run.now);
    // Used or expired meanwhile (another tab): the first use won.
    if (userId === undefined) throw refusedLink('used');
    const user = await findUserById(run.trx, userId);
    if (!user || user.active !== 1) throw refusedLink('unknown');
    await setUserProfile(run.trx, userId, { displayName: user.display_name, email: user.email, passwordHash });
    await noticeAccountChange(run, user, { email: user.email, passwordChanged: true }, 'reset_link');
    await auditBy(run.trx, { id: userId, username: user.username, address }, run.now, 'account.password_reset', `user:${userId}`, { after: { credentials_changed: true } });
    await retirePasswordResetsOf(run.trx, userId, run.now);
    await endOtherSessions(ctx, run, userId, { token: undefined, idleMinutes });
  });
}

/**
 * One's own account page: display name, email and password. A new password or a new address
 * needs the current password (a wrong one is refused on its field, nothing written). A new
 * password ends the account's other sessions; this one stays.
 */
export async function changeOwnAccount(
  ctx: ServiceContext,
  actor: ProfileActor,
  raw: Record<string, unknown>,
  idleMinutes: number,
): Promise<{ passwordChanged: boolean }> {
  const user = await findUserById(ctx.handle.db, actor.id);
  if (!user) throw notFound('User');
  const change = validateOwnAccountChange(raw, user);
  if (change.needsCurrentPassword) await refuseWrongCurrentPassword(ctx, user, raw.current_password, actor.address);
  // The password checked must still be the account's when the change is written (a reset may
  // commit during the two hashes: it ended this session, and wins).
  return saveProfile(ctx, actor, actor.id, { ...change, checkedHash: change.needsCurrentPassword ? user.password_hash : null }, idleMinutes);
}
