import type { FastifyInstance, FastifyReply } from 'fastify';
import { actingOf } from '../acting.js';
import { DomainError } from '../../core/errors.js';
import { findUserById } from '../../repositories/users.js';
import { changeOwnAccount, checkResetLink, requestPasswordReset, resetLinkPath, resetPassword } from '../../services/accounts.js';
import type { StaffUser } from '../../services/auth.js';
import type { ServiceContext } from '../../services/context.js';
import type { Flash } from '../../views/layout.js';
import { AccountPage, NewPasswordPage, ResetLinkRefusedPage, ResetRequestPage, ResetSentPage } from '../../views/account.js';
import { RESET_LINK_REFUSALS } from '../../core/accounts.js';
import type { FormErrors, FormValues } from '../../views/components.js';
import { renderPage } from '../../views/render.js';
import { refusalFlash, setFlash, takeFlash } from '../flash.js';
import { forgetCsrfSecret, formBody, keptValues, sendHtml } from '../forms.js';
import { type RouteLimits, underOwnCheck, waitMessage } from '../rateLimits.js';
import { requireRole, SESSION_COOKIE } from '../session.js';

const isInvalidInput = (error: unknown): error is DomainError => error instanceof DomainError && error.code === 'invalid_input';

/** Sends a 429 page when `wait` (seconds) says the attempt is over its limit; else null. */
function tooMany(reply: FastifyReply, wait: number | null, what: string) {
  if (wait === null) return null;
  reply.header('retry-after', String(wait));
  return sendHtml(reply, renderPage(ResetLinkRefusedPage({ message: waitMessage(what, wait) })), 429);
}

/**
 * Staff accounts' own doors (SPEC §15): the password reset by email (anyone may ask; the answer is
 * the same for every address), and `/agents/account/` for the signed-in staff member.
 */
export function accountRoutes(app: FastifyInstance, ctx: ServiceContext, limits: RouteLimits, sessions: { idleMinutes: number }): void {
  app.register(async (pages) => {
    // Reset links and account data: never cached, never sent on as a Referer (helmet: no-referrer).
    pages.addHook('onSend', async (_request, reply, payload) => {
      reply.header('cache-control', 'no-store');
      return payload;
    });

    pages.get('/agents/password/reset/', async (request, reply) =>
      sendHtml(reply, renderPage(ResetRequestPage({ csrf: reply.generateCsrf(), values: {}, errors: {}, flash: takeFlash(request, reply) }))),
    );

    pages.post('/agents/password/reset/', { preHandler: app.csrfProtection }, async (request, reply) => {
      const body = formBody(request.body);
      const refused = tooMany(reply, await limits.resetAttempt(request, typeof body.email === 'string' ? body.email : undefined), 'reset requests');
      if (refused) return refused;
      try {
        await requestPasswordReset(ctx, body, request.ip);
      } catch (error) {
        if (!isInvalidInput(error)) throw error;
        return sendHtml(reply, renderPage(ResetRequestPage({ csrf: reply.generateCsrf(), values: keptValues(body, ['email']), errors: error.fields })), 400);
      }
      return sendHtml(reply, renderPage(ResetSentPage()));
    });

    pages.get<{ Params: { token: string } }>('/agents/password/reset/:token/', async (request, reply) => {
      // Only looked at, never used up: mail scanners open links before people do.
      const state = await checkResetLink(ctx, request.params.token);
      if (state !== 'valid') return sendHtml(reply, renderPage(ResetLinkRefusedPage({ message: RESET_LINK_REFUSALS[state] })), 400);
      return sendHtml(reply, renderPage(NewPasswordPage({ csrf: reply.generateCsrf(), errors: {}, action: resetLinkPath(request.params.token) })));
    });

    pages.post<{ Params: { token: string } }>('/agents/password/reset/:token/', { preHandler: app.csrfProtection }, async (request, reply) => {
      const refused = tooMany(reply, await limits.resetAttempt(request), 'reset attempts');
      if (refused) return refused;
      const { token } = request.params;
      try {
        await resetPassword(ctx, token, formBody(request.body), sessions.idleMinutes, request.ip);
      } catch (error) {
        if (!isInvalidInput(error)) throw error;
        if (error.fields.token) return sendHtml(reply, renderPage(ResetLinkRefusedPage({ message: error.fields.token })), 400);
        return sendHtml(reply, renderPage(NewPasswordPage({ csrf: reply.generateCsrf(), errors: error.fields, action: resetLinkPath(token) })), 400);
      }
      // This browser's session (whoever's it was) may have just ended with the others; its forms' tokens go with it.
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      forgetCsrfSecret(reply);
      setFlash(reply, { kind: 'success', message: 'Your new password is set, and your account was logged out everywhere. Log in with the new password.' });
      return reply.redirect('/agents/login/', 303);
    });

    const accountPage = async (reply: FastifyReply, viewer: StaffUser, form: { values?: FormValues; errors?: FormErrors; status?: number }, flash: Flash | null) => {
      const user = await findUserById(ctx.handle.db, viewer.id);
      const values = form.values ?? { display_name: user?.display_name ?? '', email: user?.email ?? '' };
      return sendHtml(reply, renderPage(AccountPage({ viewer, csrf: reply.generateCsrf(), values, errors: form.errors ?? {}, flash })), form.status ?? 200);
    };

    pages.get('/agents/account/', { preHandler: requireRole('agent', 'admin') }, async (request, reply) => accountPage(reply, request.viewer!, {}, takeFlash(request, reply)));

    pages.post('/agents/account/', { preHandler: [requireRole('agent', 'admin'), app.csrfProtection] }, async (request, reply) => {
      const viewer = request.viewer!;
      const body = formBody(request.body);
      const values = keptValues(body, ['display_name', 'email']);
      // A typed current password is a guess like a login's, checked under the address's and this
      // account's limits: a wrong one counts as a failed sign-in, a right one counts nothing.
      const check = typeof body.current_password === 'string' && body.current_password !== '' ? await limits.loginCheck(request, viewer.username) : null;
      if (check !== null && check.wait !== null) {
        reply.header('retry-after', String(check.wait));
        return accountPage(reply, viewer, { values, status: 429 }, { kind: 'error', message: waitMessage('password attempts', check.wait) });
      }
      try {
        const change = () => changeOwnAccount(ctx, { ...actingOf(request), token: request.cookies[SESSION_COOKIE] ?? '' }, body, sessions.idleMinutes);
        const { passwordChanged } = check === null ? await change() : await underOwnCheck(check, change);
        setFlash(reply, { kind: 'success', message: passwordChanged ? 'Saved, and your password is changed. You stay logged in here; your other sessions ended.' : 'Saved.' });
        return reply.redirect('/agents/account/', 303);
      } catch (error) {
        if (!isInvalidInput(error)) throw error;
        return accountPage(reply, viewer, { values, errors: error.fields, status: 400 }, refusalFlash(error));
      }
    });
  });
}
