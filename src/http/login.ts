/**
 * The end of a login, shared by the password step and the second step (§15): the session cookie,
 * then where to land. And the signed cookie that carries a login from its password to its second
 * step.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { decodePendingLogin, encodePendingLogin, type PendingLogin, SECOND_STEP_MS } from '../core/twoFactor.js';
import type { StartedSession } from '../services/auth.js';
import type { Flash } from '../views/layout.js';
import { setFlash } from './flash.js';
import { forgetCsrfSecret, safeNext } from './forms.js';
import { SESSION_COOKIE, sessionCookieOptions } from './session.js';
import { landingOf } from './links.js';


/**
 * The cookies of a complete sign-in: the new session's, a new CSRF secret at the next page (no
 * token read in this browser before the sign-in works after it: forms.ts forgetCsrfSecret), and
 * this browser remembered for the account while its password stays (deviceCookies.ts), so that its
 * later sign-ins are not locked out by others' failures.
 */
export function setSessionCookies(reply: FastifyReply, started: StartedSession, secureCookies: boolean): void {
  reply.setCookie(SESSION_COOKIE, started.token, sessionCookieOptions(secureCookies));
  forgetCsrfSecret(reply);
  reply.rememberDevice(started.user.username, started.passwordHash);
}

/**
 * Sets the new session's cookies and sends the browser on (to `next`, else its landing page).
 * `notice`: what the login itself must tell (a recovery code used), shown on the page it lands on;
 * it comes before asking for an email address (which the next login asks again).
 */
export function finishLogin(reply: FastifyReply, started: StartedSession, next: unknown, secureCookies: boolean, notice?: Flash): FastifyReply {
  setSessionCookies(reply, started, secureCookies);
  if (notice) setFlash(reply, notice);
  // Asked on landing only: someone following a link (`next`) came for that page, and every
  // admin page shows the missing address as a warning anyway (while no admin has one: then the
  // warning asks, and a message besides would say it twice).
  if (started.askForEmail !== 'none' && safeNext(next, '') === '') {
    if (started.askForEmail === 'message' && !notice) setFlash(reply, { kind: 'info', message: 'Add your email address, so that alerts about waiting tickets (SLA warnings and breaches) reach you.' });
    return reply.redirect(`/admin/users/${started.user.id}/#profile`, 303);
  }
  return reply.redirect(safeNext(next, landingOf(started.user.role)), 303);
}

/** The cookie of a login whose password was right and whose second step is still to come. */
export const PENDING_LOGIN_COOKIE = 'hd_login';
const PENDING_PATH = '/agents/login/';

/**
 * The stamp of an account's credentials that a pending login carries: a digest of its password
 * hash, which any new password changes (a new salt). The cookie is signed, not secret; the digest
 * of a salted argon2id hash tells nothing of the password.
 */
export function credentialsStampOf(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('base64url').slice(0, 22);
}

/** The account a first step accepted, as read then. */
interface AccountCredentials {
  id: number;
  password_hash: string;
}

/** Starts the second step: a signed cookie naming the account, its credentials' stamp and the first step's method, for five minutes. */
function startSecondStep(reply: FastifyReply, user: AccountCredentials, now: number, secureCookies: boolean, method: PendingLogin['method']): void {
  const value = encodePendingLogin({ userId: user.id, expiresAt: now + SECOND_STEP_MS, credentials: credentialsStampOf(user.password_hash), method });
  reply.setCookie(PENDING_LOGIN_COOKIE, value, { path: PENDING_PATH, httpOnly: true, sameSite: 'lax', secure: secureCookies, signed: true, maxAge: SECOND_STEP_MS / 1000 });
}

/** Starts the second step for this account after `method` and sends the browser to it, keeping `next` (a safe local path or ''). */
export function toSecondStep(reply: FastifyReply, user: AccountCredentials, now: number, secureCookies: boolean, next: string, method: PendingLogin['method'] = 'password'): FastifyReply {
  startSecondStep(reply, user, now, secureCookies, method);
  return reply.redirect(`/agents/login/two-factor/${next === '' ? '' : `?next=${encodeURIComponent(next)}`}`, 303);
}

/** The login waiting for its second step, if its cookie is ours (signature) and not expired. */
export function pendingLoginOf(request: FastifyRequest, now: number): PendingLogin | null {
  const raw = request.cookies[PENDING_LOGIN_COOKIE];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid ? decodePendingLogin(unsigned.value, now) : null;
}

export function endSecondStep(reply: FastifyReply): void {
  reply.clearCookie(PENDING_LOGIN_COOKIE, { path: PENDING_PATH });
}
