import type { FastifyInstance, FastifyReply } from 'fastify';
import { SSO_CALLBACK_PATH } from '../../config.js';
import { DomainError, notFound } from '../../core/errors.js';
import { SSO_REFUSALS, type SsoRefusal } from '../../core/sso.js';
import { startSession } from '../../services/auth.js';
import type { ServiceContext } from '../../services/context.js';
import { finishSso, type SsoProvider, SsoRefused, SSO_WINDOW_MS, startSso } from '../../services/sso.js';
import { secondStepFor } from '../../services/twoFactor.js';
import { LoginPage } from '../../views/agents.js';
import { renderPage } from '../../views/render.js';
import { formBody, safeNext, sendHtml } from '../forms.js';
import { finishLogin, toSecondStep } from '../login.js';
import { type RouteLimits, underCheck, waitMessage } from '../rateLimits.js';
import { SESSION_COOKIE } from '../session.js';

/** The browser's own state of the single sign-on it started (signed): only this browser may finish it. */
const SSO_COOKIE = 'hd_sso';
const SSO_COOKIE_PATH = '/agents/login/sso/';

/** The status of each refusal's page: the browser's request was wrong (400), the provider said no (401), the account may not (403), the provider is away (502). */
const REFUSAL_STATUS: Record<SsoRefusal, number> = {
  state: 400,
  not_verified: 400,
  provider_refused: 401,
  unreachable: 502,
  no_email: 403,
  email_not_verified: 403,
  unknown_email: 403,
  deactivated: 403,
  ambiguous: 403,
};

/** The callback's parameters that are plain text (a parameter given twice is dropped: never guess which one counts). */
function textParams(query: unknown): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(query && typeof query === 'object' ? query : {})) if (typeof value === 'string') params[key] = value;
  return params;
}

/**
 * Single sign-on with OpenID Connect (SPEC §15): the login page's "Sign in with …" button starts
 * it, the provider sends the browser back to the callback. The session is a password login's
 * (services/auth.ts startSession, with its audit entry), and a second factor is still asked for
 * when the account has one or the setting requires it: the provider's own checks are not known here.
 */
export function ssoRoutes(app: FastifyInstance, ctx: ServiceContext, limits: RouteLimits, provider: SsoProvider | null, sessions: { idleMinutes: number; secureCookies: boolean }): void {
  const refusedPage = (reply: FastifyReply, reason: SsoRefusal | 'wait', next: string, wait = 0) => {
    const message = reason === 'wait' ? waitMessage('login attempts', wait) : SSO_REFUSALS[reason];
    const page = LoginPage({ values: {}, error: null, next, csrf: reply.generateCsrf(), flash: { kind: 'error', message }, sso: provider?.settings.label ?? null });
    reply.header('cache-control', 'no-store');
    if (reason === 'wait') reply.header('retry-after', String(wait));
    return sendHtml(reply, renderPage(page), reason === 'wait' ? 429 : REFUSAL_STATUS[reason]);
  };

  app.post('/agents/login/sso/', { preHandler: app.csrfProtection }, async (request, reply) => {
    if (!provider) throw notFound('Single sign-on');
    const next = safeNext(formBody(request.body).next, '');
    const wait = await limits.ssoStart(request);
    if (wait !== null) return refusedPage(reply, 'wait', next, wait);
    try {
      const { url, state } = await startSso(ctx, provider, next);
      reply.setCookie(SSO_COOKIE, state, { path: SSO_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: sessions.secureCookies, signed: true, maxAge: SSO_WINDOW_MS / 1000 });
      return reply.redirect(url, 303);
    } catch (error) {
      if (!(error instanceof SsoRefused)) throw error;
      request.log.warn({ err: error.cause }, error.message);
      return refusedPage(reply, error.reason, next);
    }
  });

  app.get(SSO_CALLBACK_PATH, async (request, reply) => {
    if (!provider) throw notFound('Single sign-on');
    // Each callback is a sign-in check of the client's address (a state and a code to exchange),
    // reserved first like a password's: a refused one counts as a failed sign-in, one that signs
    // in counts nothing, and the provider being away guessed nothing (password logins stay open).
    const check = await limits.loginCheck(request, '');
    if (check.wait !== null) return refusedPage(reply, 'wait', '', check.wait);
    const raw = request.cookies[SSO_COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : null;
    // Used or not, the state is spent: the cookie goes with this answer.
    reply.clearCookie(SSO_COOKIE, { path: SSO_COOKIE_PATH });
    return underCheck(check, async (judge) => {
      try {
        const { user, nextPath } = await finishSso(ctx, provider, unsigned?.valid ? unsigned.value : null, textParams(request.query), request.ip);
        await judge('passed');
        const next = safeNext(nextPath, '');
        // The provider's sign-in is one factor here: an account with a second factor (or staff who
        // must have one) gives it next, exactly as after a password.
        if ((await secondStepFor(ctx, user)) !== 'none') return toSecondStep(reply, user, ctx.clock.now(), sessions.secureCookies, next, 'sso');
        const started = await startSession(ctx, user, { idleMinutes: sessions.idleMinutes, previousToken: request.cookies[SESSION_COOKIE], address: request.ip, method: 'sso' });
        return finishLogin(reply, started, next, sessions.secureCookies);
      } catch (error) {
        if (error instanceof SsoRefused) {
          await judge(error.reason === 'unreachable' ? 'passed' : 'failed');
          // The person reads what to do; the log keeps what the provider or openid-client said.
          request.log.warn({ err: error.cause }, error.message);
          return refusedPage(reply, error.reason, '');
        }
        // Deactivated between the check and the session (startSession checks again under the lock).
        if (error instanceof DomainError && error.code === 'unauthenticated') return refusedPage(reply, 'deactivated', '');
        throw error;
      }
    });
  });
}
