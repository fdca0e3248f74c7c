/**
 * Two-factor sign-in (SPEC §15): enrolment with a QR code drawn here (no outside service sees the
 * secret), codes checked with `otpauth` (RFC 6238), recovery codes, turning it off, and an admin's
 * reset. The rules are in core/twoFactor.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { type AuditAction } from '../core/audit.js';
import { ACCOUNT_LABELS } from '../core/accounts.js';
import { DomainError, forbidden, invalidInput, notFound } from '../core/errors.js';
import { labelled } from '../core/fieldErrors.js';
import {
  acceptsStep,
  formatRecoveryCode,
  OWN_RESET_BY_TOKEN,
  ownResetNeeds,
  parseTypedCode,
  RECOVERY_CODE_COUNT,
  recoveryCodeFrom,
  type SecondFactorPass,
  type SecondStep,
  secondStepOf,
  stepAt,
  TOTP_PERIOD_SECONDS,
  TOTP_WINDOW,
} from '../core/twoFactor.js';
import type { Db } from '../db/connect.js';
import type { UserRow } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { advanceLastStep, clearSecondFactor, confirmSecret, recoveryCodesLeft, replaceRecoveryCodes, setTwoFactorRequired, twoFactorRequired, useRecoveryCode } from '../repositories/twoFactor.js';
import { findUserById } from '../repositories/users.js';
import { noticeSecondFactorChange } from './accountNotice.js';
import { audit, auditBy } from './audit.js';
import { checkCurrentPassword, endOtherSessions, type KeptSession, recordFailedCurrentPassword, refuseUnlessPasswordStands } from './auth.js';
import { withPresence } from './presence.js';
import type { ServiceContext } from './context.js';

const ISSUER = 'Helpdesk';

const hashOf = (code: string) => createHash('sha256').update(code).digest('hex');

function totpOf(secret: string, username: string): TOTP {
  return new TOTP({ issuer: ISSUER, label: username, secret: Secret.fromBase32(secret), period: TOTP_PERIOD_SECONDS, digits: 6, algorithm: 'SHA1' });
}

/** The step a typed TOTP code matches at `now` (within the window), or null. */
function matchedStep(secret: string, code: string, now: number): number | null {
  const delta = totpOf(secret, '').validate({ token: code, timestamp: now, window: TOTP_WINDOW });
  return delta === null ? null : stepAt(now) + delta;
}

/** What a login needs after the password for this account (core/twoFactor.ts secondStepOf). */
export async function secondStepFor(ctx: ServiceContext, user: Pick<UserRow, 'totp_secret' | 'role'>): Promise<SecondStep> {
  return secondStepOf({ enrolled: user.totp_secret !== null, role: user.role }, await twoFactorRequired(ctx.handle.db));
}

/** What the enrolment page shows: the secret as text and as an `otpauth://` QR code (SVG, drawn here). */
export interface Enrolment {
  secret: string;
  uri: string;
  qrSvg: string;
}

/**
 * An enrolment's page content: a new secret (or `secret`, the one a refused form carried, so a
 * phone that already scanned it stays right). Nothing is stored until a code confirms it: the form
 * carries the secret, signed by the route.
 */
export async function enrolmentFor(username: string, secret: string = new Secret({ size: 20 }).base32): Promise<Enrolment> {
  const uri = totpOf(secret, username).toString();
  // Loaded at the first enrolment: nothing else draws QR codes (start-up, issue 20 item 5).
  const { default: QRCode } = await import('qrcode');
  return { secret, uri, qrSvg: await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
}

const WRONG_CODE = 'This code is not right, or was already used. Type the 6-digit code your app shows now.';

/**
 * Why an account whose second factor is on cannot set one up: replacing it would replace its
 * recovery codes too, which needs the current password (renewRecoveryCodes), as turning it off does.
 */
export const ALREADY_ON =
  'Two-factor sign-in is already on. To move it to another phone, turn it off with your current password and set it up again (while it is required for all staff, ask an admin to reset it).';

const NOT_CURRENT_PASSWORD = { current_password: 'This is not your current password.' };


/**
 * Confirms an enrolment with a code of `secret` (the one the enrolment page showed); the second
 * factor is then on, with ten recovery codes (returned once, stored hashed). From the account page
 * it also takes the current password (`currentPassword`: what was typed), as new recovery codes
 * and turning it off do: someone at an unlocked screen must not put their own phone, and codes
 * that outlive the session, on the account (and lock its owner out). A login's forced enrolment
 * passes null: its password was just checked. A wrong code or password: refused on its field,
 * nothing changed. An account whose second factor is already on: refused (`conflict`,
 * ALREADY_ON), nothing changed — also when another enrolment got there first.
 */
export async function confirmEnrolment(
  ctx: ServiceContext,
  userId: number,
  secret: string,
  raw: unknown,
  kept: KeptSession,
  address = '',
  currentPassword: { typed: unknown } | null = null,
): Promise<string[]> {
  const user = await findUserById(ctx.handle.db, userId);
  if (!user) throw notFound('User');
  if (user.totp_secret !== null) throw new DomainError('conflict', ALREADY_ON);
  const typed = parseTypedCode(raw);
  const now = ctx.clock.now();
  const step = typed?.kind === 'totp' ? matchedStep(secret, typed.code, now) : null;
  const fields = {
    ...(acceptsStep(step, user.totp_last_step) ? {} : { code: `Code: ${WRONG_CODE.charAt(0).toLowerCase()}${WRONG_CODE.slice(1)}` }),
    ...(currentPassword && !(await checkCurrentPassword(ctx, user, currentPassword.typed, address)) ? NOT_CURRENT_PASSWORD : {}),
  };
  if (Object.keys(fields).length > 0) throw invalidInput(labelled(fields, ACCOUNT_LABELS));
  return withPresence(ctx, userId, async (run) => {
    if (currentPassword) await refuseUnlessPasswordStands(run.trx, userId, user.password_hash);
    if (!(await confirmSecret(run.trx, userId, secret, step!))) throw new DomainError('conflict', ALREADY_ON);
    await auditOwn(run.trx, user, address, now, 'account.two_factor_on', { two_factor: false }, { two_factor: true });
    // A stranger's phone put on the account is heard of at its owner's mailbox (the login's forced enrolment too).
    await noticeSecondFactorChange(run, user, 'on', currentPassword ? 'owner' : 'sign_in');
    // Browsers signed in without a code are out: from now on a sign-in takes one.
    await endOtherSessions(ctx, run, userId, kept);
    return storeNewRecoveryCodes(run.trx, userId, now);
  });
}

/**
 * A change to one's own second factor in the audit log (§15: sign-ins and what could let someone
 * else sign in are logged), as the account's own, with its address; never a secret or a code.
 */
function auditOwn(trx: Db, user: Pick<UserRow, 'id' | 'username'>, address: string, now: number, action: AuditAction, before: Record<string, unknown>, after: Record<string, unknown>): Promise<void> {
  return auditBy(trx, { id: user.id, username: user.username, address }, now, action, `user:${user.id}`, { before, after });
}

/** Ten new recovery codes, stored hashed in place of every earlier one; returned once, as people read them. */
async function storeNewRecoveryCodes(db: Db, userId: number, now: number): Promise<string[]> {
  const codes: string[] = [];
  while (codes.length < RECOVERY_CODE_COUNT) {
    const code = recoveryCodeFrom(randomBytes(32));
    if (code !== null && !codes.includes(code)) codes.push(code);
  }
  await replaceRecoveryCodes(db, userId, codes.map(hashOf), now);
  return codes.map(formatRecoveryCode);
}

/** Refuses, on the `current_password` field, anything but the account's current password (a wrong one typed is audited: checkCurrentPassword). */
async function requireCurrentPassword(ctx: ServiceContext, user: UserRow, typed: unknown, address: string): Promise<void> {
  if (!(await checkCurrentPassword(ctx, user, typed, address))) throw invalidInput(labelled(NOT_CURRENT_PASSWORD, ACCOUNT_LABELS));
}

const NOTHING_TO_RENEW = 'Two-factor sign-in is off: there are no recovery codes to renew.';

/**
 * Ten new recovery codes for one's own second factor, with the current password (someone at an
 * unlocked screen must not get codes that outlive the session): every earlier code, used or not,
 * stops working. Refused while the second factor is off: there is nothing to recover.
 */
export async function renewRecoveryCodes(ctx: ServiceContext, userId: number, currentPassword: unknown, kept: KeptSession, address = ''): Promise<string[]> {
  const user = await findUserById(ctx.handle.db, userId);
  if (!user) throw notFound('User');
  if (user.totp_secret === null) throw new DomainError('conflict', NOTHING_TO_RENEW);
  await requireCurrentPassword(ctx, user, currentPassword, address);
  const now = ctx.clock.now();
  return withPresence(ctx, userId, async (run) => {
    // An admin's reset (or another tab's turn-off) may have committed during the password's hash:
    // codes for a second factor that is gone would be audited and stored for nothing.
    if ((await refuseUnlessPasswordStands(run.trx, userId, user.password_hash)).totp_secret === null) throw new DomainError('conflict', NOTHING_TO_RENEW);
    await auditOwn(run.trx, user, address, now, 'account.recovery_codes_renewed', { spare_sign_ins: 'the earlier ten' }, { spare_sign_ins: 'ten new' });
    await noticeSecondFactorChange(run, user, 'recovery_codes', 'owner');
    // New codes are made when the earlier ones may be known: a browser let in with one is out.
    await endOtherSessions(ctx, run, userId, kept);
    return storeNewRecoveryCodes(run.trx, userId, now);
  });
}

/**
 * Checks the second step of a login: a TOTP code of a step later than the last accepted one (so a
 * code is never accepted twice), or an unused recovery code (then used up). Either is recorded in
 * one conditional statement, so two requests with the same code cannot both pass, and a code of a
 * second factor reset (or replaced) after it was read passes nothing: the step is recorded only
 * while the secret is the one checked, and a reset deletes the recovery codes. Null: refused;
 * a recovery code's pass says how many are left.
 */
export async function checkSecondFactor(ctx: ServiceContext, userId: number, raw: unknown): Promise<SecondFactorPass | null> {
  const user = await findUserById(ctx.handle.db, userId);
  const typed = parseTypedCode(raw);
  if (!user || user.totp_secret === null || typed === null) return null;
  const now = ctx.clock.now();
  if (typed.kind === 'recovery') {
    if (!(await useRecoveryCode(ctx.handle.db, userId, hashOf(typed.code), now))) return null;
    return { via: 'recovery', codesLeft: await recoveryCodesLeft(ctx.handle.db, userId) };
  }
  const step = matchedStep(user.totp_secret, typed.code, now);
  if (!acceptsStep(step, user.totp_last_step) || !(await advanceLastStep(ctx.handle.db, userId, user.totp_secret, step!))) return null;
  return { via: 'totp' };
}

/** The message of a refused second step (the same for every reason). */
export const SECOND_FACTOR_REFUSAL = WRONG_CODE;

/** Why turning off a second factor that is off (another tab did, or an admin's reset) changes nothing. */
const ALREADY_OFF = 'Two-factor sign-in is already off.';

/**
 * Turns one's own second factor off, with the current password. Refused while the setting
 * requires it of all staff, and when it is already off (nothing written, nothing audited).
 */
export async function turnOffSecondFactor(ctx: ServiceContext, userId: number, currentPassword: unknown, kept: KeptSession, address = ''): Promise<void> {
  const user = await findUserById(ctx.handle.db, userId);
  if (!user) throw notFound('User');
  if (user.totp_secret === null) throw new DomainError('conflict', ALREADY_OFF);
  if (await twoFactorRequired(ctx.handle.db)) throw new DomainError('conflict', 'Two-factor sign-in is required for all staff here: it cannot be turned off.');
  await requireCurrentPassword(ctx, user, currentPassword, address);
  await withPresence(ctx, userId, async (run) => {
    await refuseUnlessPasswordStands(run.trx, userId, user.password_hash);
    // Another tab (or an admin's reset) turned it off meanwhile: nothing to record, no session to end.
    if (!(await clearSecondFactor(run.trx, userId))) throw new DomainError('conflict', ALREADY_OFF);
    await auditOwn(run.trx, user, address, run.now, 'account.two_factor_off', { two_factor: true }, { two_factor: false });
    await noticeSecondFactorChange(run, user, 'off', 'owner');
    await endOtherSessions(ctx, run, userId, kept);
  });
}

/**
 * An admin removes a user's second factor (a lost phone and lost codes): the user signs in with the
 * password alone, or enrols again at the next login when the setting requires it. Returns whether
 * there was one; an account without one is left as it is, with no audit entry (nothing changed, as
 * a profile saved unchanged records nothing).
 */
export async function resetSecondFactor(
  ctx: ServiceContext,
  admin: { id: number; username: string; address: string },
  userId: number,
  kept: KeptSession,
  from: { channel: 'page'; currentPassword: unknown } | { channel: 'token' },
): Promise<boolean> {
  const user = await findUserById(ctx.handle.db, userId);
  if (!user) throw notFound('User');
  // One's own second factor: the current password on the page, never by a token (ownResetNeeds).
  const needs = ownResetNeeds(admin.id, userId, from.channel);
  if (needs === 'refused') {
    await recordFailedCurrentPassword(ctx, user, admin.address, 'api_token');
    throw forbidden(OWN_RESET_BY_TOKEN);
  }
  if (needs === 'current_password') {
    const typed = from.channel === 'page' ? from.currentPassword : undefined;
    if (typeof typed !== 'string' || typed === '') throw invalidInput(labelled({ current_password: 'Required to reset your own second factor.' }, ACCOUNT_LABELS));
    await requireCurrentPassword(ctx, user, typed, admin.address);
  }
  return withPresence(ctx, admin, async (run) => {
    // A password changed while the typed one was hashed: the check no longer stands.
    if (needs === 'current_password') await refuseUnlessPasswordStands(run.trx, userId, user.password_hash);
    // Whether there was one is decided by the clearing statement, not the read above: a reset or
    // turn-off committed meanwhile leaves nothing to reset.
    if (!(await clearSecondFactor(run.trx, userId))) return false;
    await audit(run.trx, { actor: { id: admin.id, name: admin.username }, action: 'user.two_factor_reset', subject: `user:${userId}`, address: admin.address, before: { two_factor: true }, after: { two_factor: false } }, run.now);
    await noticeSecondFactorChange(run, user, 'reset', 'admin');
    // Whoever holds the lost phone or codes may be signed in with them: the account's browsers are
    // out (the admin's own stays when it is their own account: `kept`).
    await endOtherSessions(ctx, run, userId, kept);
    return true;
  });
}

/**
 * An admin requires a second factor of all staff, or makes it optional again (§15): the setting and
 * its audit entry (before and after) in one transaction. Saved as it already is, nothing is written
 * and nothing audited (as the settings form records only what changed; decided by the update
 * itself, so two admins saving the same change at once record it once). Returns whether it changed.
 */
export async function setTwoFactorRequirement(ctx: ServiceContext, admin: { id: number; username: string; address: string }, required: boolean): Promise<boolean> {
  return inTransaction(ctx.handle, async (trx) => {
    if (!(await setTwoFactorRequired(trx, required))) return false;
    await audit(trx, { actor: { id: admin.id, name: admin.username }, action: 'settings.two_factor_required', subject: 'settings', address: admin.address, before: { required: !required }, after: { required } }, ctx.clock.now());
    return true;
  });
}
