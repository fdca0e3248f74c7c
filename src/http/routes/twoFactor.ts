import { actingOf } from '../acting.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, invalidInput } from '../../core/errors.js';
import { recoveryCodeUsedMessage, requirementOutcomeMessage } from '../../core/twoFactor.js';
import { recoveryCodesLeft, twoFactorRequired } from '../../repositories/twoFactor.js';
import { findUserById } from '../../repositories/users.js';
import type { UserRow } from '../../db/schema.js';
import { recordFailedSignIn, startSession } from '../../services/auth.js';
import type { ServiceContext } from '../../services/context.js';
import {
  ALREADY_ON,
  checkSecondFactor,
  confirmEnrolment,
  enrolmentFor,
  renewRecoveryCodes,
  SECOND_FACTOR_REFUSAL,
  secondStepFor,
  setTwoFactorRequirement,
  turnOffSecondFactor,
} from '../../services/twoFactor.js';
import { EnrolPage, type EnrolProps, RecoveryCodesPage, SecondStepPage, TwoFactorStatusPage } from '../../views/account.js';
import type { FormErrors } from '../../views/components.js';
import type { Flash } from '../../views/layout.js';
import { renderPage } from '../../views/render.js';
import { refusalFlash, setFlash, takeFlash } from '../flash.js';
import { formBody, safeNext, sendHtml } from '../forms.js';
import { credentialsStampOf, endSecondStep, finishLogin, pendingLoginOf, setSessionCookies } from '../login.js';
import { landingOf } from '../links.js';
import { type Judge, refusedGuess, type RouteLimits, underCheck, underOwnCheck, waitMessage } from '../rateLimits.js';
import { requireRole, SESSION_COOKIE } from '../session.js';

const isInvalidInput = (error: unknown): error is DomainError => error instanceof DomainError && error.code === 'invalid_input';

/**
 * Two-factor sign-in (SPEC §15): the second step of a login (a code, or enrolment first when the
 * setting requires it), and one's own second factor from the account page.
 */
export function twoFactorRoutes(app: FastifyInstance, ctx: ServiceContext, limits: RouteLimits, sessions: { idleMinutes: number; secureCookies: boolean }): void {
  /**
   * The account whose password was accepted and whose second step is still to come, or a redirect
   * to log in again: also when the account was deactivated or given a new password meanwhile (the
   * old password's login ends with it, as its sessions and remembered browsers do).
   */
  const pendingUser = async (request: FastifyRequest, reply: FastifyReply) => {
    const pending = pendingLoginOf(request, ctx.clock.now());
    const user = pending && (await findUserById(ctx.handle.db, pending.userId));
    if (!user || user.active !== 1 || credentialsStampOf(user.password_hash) !== pending.credentials) {
      return { user: null, redirect: startOver(reply, LOG_IN_AGAIN) };
    }
    return { user, method: pending.method, redirect: null };
  };
  const LOG_IN_AGAIN = 'Your login took too long or was not finished. Please log in again.';

  /**
   * The session that stays when one changes one's own second factor: this browser's, when it is
   * signed in (the account page); at a login's enrolment none is yet, and every earlier one ends.
   */
  const keptOf = (request: FastifyRequest, signedIn = true) => ({ token: signedIn ? request.cookies[SESSION_COOKIE] : undefined, idleMinutes: sessions.idleMinutes });

  /**
   * The session of a second step that passed, or null when the account was deactivated or given a
   * new password while the step ran (startSession refuses it under the lock): then the login starts again.
   */
  const startUnlessOvertaken = (user: UserRow, session: Parameters<typeof startSession>[2]) =>
    startSession(ctx, user, session).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === 'unauthenticated') return null;
      throw error;
    });

  /** Ends the pending login and sends the browser back to log in, saying why. */
  const startOver = (reply: FastifyReply, message: string) => {
    endSecondStep(reply);
    setFlash(reply, { kind: 'info', message });
    return reply.redirect('/agents/login/', 303);
  };
  /**
   * An admin reset the account's second factor while its login waited for a code (and none is
   * required): no code can pass any more, so the login starts again rather than refusing every code.
   */
  const FACTOR_REMOVED = 'Your two-factor sign-in was reset meanwhile. Please log in again.';

  /**
   * The enrolment page: a new secret, or the one the refused form carried (`secret`), signed for
   * this account into the form (nothing is stored before a code confirms it; a GET writes nothing).
   */
  const enrolPage = async (
    reply: FastifyReply,
    user: { id: number; username: string },
    options: { action: string; secret?: string | null; errors?: FormErrors; forced?: boolean; next?: string; viewer?: EnrolProps['viewer']; flash?: Flash | null; status?: number },
  ) => {
    const enrolment = await enrolmentFor(user.username, options.secret ?? undefined);
    const page = EnrolPage({
      csrf: reply.generateCsrf(),
      errors: options.errors ?? {},
      secret: enrolment.secret,
      qrSvg: enrolment.qrSvg,
      enrolment: reply.signCookie(`${user.id}:${enrolment.secret}`),
      action: options.action,
      viewer: options.viewer ?? null,
      forced: options.forced ?? false,
      next: options.next,
      flash: options.flash ?? null,
    });
    return sendHtml(reply, renderPage(page), options.status ?? 200);
  };

  /** The secret an enrolment form carried, if it was signed for this account; else null. */
  const enrolmentSecretOf = (request: FastifyRequest, userId: number): string | null => {
    const raw = formBody(request.body).enrolment;
    if (typeof raw !== 'string' || raw.length > 300) return null;
    const unsigned = request.unsignCookie(raw);
    const prefix = `${userId}:`;
    return unsigned.valid && unsigned.value.startsWith(prefix) ? unsigned.value.slice(prefix.length) : null;
  };

  /**
   * Confirms an enrolment form: the recovery codes, or the page again with the field's error. From
   * the account page, under the sign-in check `judge` settles: a wrong code or password counts.
   */
  const confirmForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    user: { id: number; username: string },
    page: { action: string; forced?: boolean; next?: string; viewer?: EnrolProps['viewer'] },
    judge?: Judge,
  ) => {
    const secret = enrolmentSecretOf(request, user.id);
    if (secret === null) {
      return { codes: null, refused: await enrolPage(reply, user, { ...page, errors: { code: 'Code: this set-up form is not valid any more. Scan the new code below, then type its code.' }, status: 400 }) };
    }
    try {
      const body = formBody(request.body);
      // From the account page (signed in) the current password too; a login's enrolment has just checked it.
      const currentPassword = page.viewer ? { typed: body.current_password } : null;
      return { codes: await confirmEnrolment(ctx, user.id, secret, body.code, keptOf(request, page.viewer !== undefined), request.ip, currentPassword), refused: null };
    } catch (error) {
      if (judge && refusedGuess(error)) await judge('failed');
      if (!isInvalidInput(error)) throw error;
      return { codes: null, refused: await enrolPage(reply, user, { ...page, secret, errors: error.fields, status: 400 }) };
    }
  };

  app.register(async (pages) => {
    // Secrets and codes on these pages: never cached.
    pages.addHook('onSend', async (_request, reply, payload) => {
      reply.header('cache-control', 'no-store');
      return payload;
    });

    pages.get<{ Querystring: { next?: string } }>('/agents/login/two-factor/', async (request, reply) => {
      const { user, redirect } = await pendingUser(request, reply);
      if (!user) return redirect;
      const next = safeNext(request.query.next, '');
      const step = await secondStepFor(ctx, user);
      if (step === 'none') return startOver(reply, FACTOR_REMOVED);
      if (step === 'enrol') return enrolPage(reply, user, { action: '/agents/login/two-factor/', forced: true, next });
      return sendHtml(reply, renderPage(SecondStepPage({ csrf: reply.generateCsrf(), errors: {}, next })));
    });

    pages.post('/agents/login/two-factor/', { preHandler: app.csrfProtection }, async (request, reply) => {
      const { user, method, redirect } = await pendingUser(request, reply);
      if (!user) return redirect;
      const body = formBody(request.body);
      const next = safeNext(body.next, '');
      // Each wrong code is a failed guess like a wrong password's: counted per address and per
      // account, its check reserved first (a burst of codes gets no more checks than the limit).
      const check = await limits.loginCheck(request, user.username);
      if (check.wait !== null) {
        reply.header('retry-after', String(check.wait));
        return sendHtml(reply, renderPage(SecondStepPage({ csrf: reply.generateCsrf(), errors: { code: `Code: ${waitMessage('codes', check.wait)}` }, next })), 429);
      }
      // Its audit entry says how the sign-in proved who it was: the first step's method, then the second factor.
      const session = { idleMinutes: sessions.idleMinutes, previousToken: request.cookies[SESSION_COOKIE], address: request.ip, method };
      // Settled on every path (underCheck): reading the second step may throw before any code is
      // judged, and then the reservation is given back.
      return underCheck(check, async (judge) => {
        const step = await secondStepFor(ctx, user);
        if (step === 'none') {
          // No code was judged: it counts nothing.
          await judge('passed');
          return startOver(reply, FACTOR_REMOVED);
        }
        if (step === 'enrol') {
          // Setting up a second factor guesses nothing secret (the code is of the secret this page
          // showed): it counts nothing, as before the reservation.
          await judge('passed');
          const { codes, refused } = await confirmForm(request, reply, user, { action: '/agents/login/two-factor/', forced: true, next });
          if (codes === null) return refused;
          const started = await startUnlessOvertaken(user, { ...session, secondFactor: 'totp' });
          if (started === null) return startOver(reply, LOG_IN_AGAIN);
          endSecondStep(reply);
          setSessionCookies(reply, started, sessions.secureCookies);
          return sendHtml(reply, renderPage(RecoveryCodesPage({ codes, continueTo: next || landingOf(user.role) })));
        }
        const passed = await checkSecondFactor(ctx, user.id, body.code).catch(async (error: unknown) => {
          // A check that broke counts, as the password's does (it may have told its answer anyway).
          await judge('failed');
          throw error;
        });
        await judge(passed ? 'passed' : 'failed');
        if (!passed) {
          await recordFailedSignIn(ctx, user.username, request.ip, 'second_factor');
          return sendHtml(reply, renderPage(SecondStepPage({ csrf: reply.generateCsrf(), errors: { code: `Code: ${SECOND_FACTOR_REFUSAL.charAt(0).toLowerCase()}${SECOND_FACTOR_REFUSAL.slice(1)}` }, next })), 401);
        }
        const started = await startUnlessOvertaken(user, { ...session, secondFactor: passed.via });
        if (started === null) return startOver(reply, LOG_IN_AGAIN);
        endSecondStep(reply);
        const notice: Flash | undefined = passed.via === 'recovery' ? { kind: 'info', message: recoveryCodeUsedMessage(passed.codesLeft) } : undefined;
        return finishLogin(reply, started, next, sessions.secureCookies, notice);
      });
    });

    const staff = { preHandler: requireRole('agent', 'admin') };
    /**
     * One's own second factor: its status when it is on, else the set-up page (which has no
     * password field: a refusal of one is said above it).
     */
    const statusPage = async (request: FastifyRequest, reply: FastifyReply, flash: Flash | null, errors: FormErrors = {}, status = 200) => {
      const viewer = request.viewer!;
      const user = await findUserById(ctx.handle.db, viewer.id);
      if (!user?.totp_secret) {
        const refused = Object.values(errors).join(' ');
        return enrolPage(reply, viewer, { action: '/agents/account/two-factor/', viewer, flash: flash ?? (refused === '' ? null : { kind: 'error', message: refused }), status });
      }
      const [codesLeft, required] = await Promise.all([recoveryCodesLeft(ctx.handle.db, viewer.id), twoFactorRequired(ctx.handle.db)]);
      return sendHtml(reply, renderPage(TwoFactorStatusPage({ viewer, csrf: reply.generateCsrf(), flash, errors, codesLeft, required })), status);
    };

    pages.get('/agents/account/two-factor/', staff, async (request, reply) => statusPage(request, reply, takeFlash(request, reply)));

    pages.post('/agents/account/two-factor/', { preHandler: [requireRole('agent', 'admin'), app.csrfProtection] }, async (request, reply) => {
      const viewer = request.viewer!;
      // The code and the current password are guesses like a login's: a wrong one counts, a right one nothing.
      const check = await limits.loginCheck(request, viewer.username);
      if (check.wait !== null) {
        reply.header('retry-after', String(check.wait));
        return enrolPage(reply, viewer, { action: '/agents/account/two-factor/', viewer, secret: enrolmentSecretOf(request, viewer.id), errors: { code: `Code: ${waitMessage('codes', check.wait)}` }, status: 429 });
      }
      // A second factor that is on is not replaced from here (it would take new recovery codes
      // without the password): the status page says how to move it, with nothing changed. Also when
      // another tab's enrolment won meanwhile (the service's conflict).
      const alreadyOn = () => statusPage(request, reply, { kind: 'error', message: ALREADY_ON }, {}, 409);
      return underCheck(check, async (judge) => {
        if ((await findUserById(ctx.handle.db, viewer.id))?.totp_secret) return alreadyOn();
        const confirmed = await confirmForm(request, reply, viewer, { action: '/agents/account/two-factor/', viewer }, judge).catch((error: unknown) => {
          if (error instanceof DomainError && error.code === 'conflict') return null;
          throw error;
        });
        if (confirmed === null) return alreadyOn();
        if (confirmed.codes === null) return confirmed.refused;
        return sendHtml(reply, renderPage(RecoveryCodesPage({ codes: confirmed.codes, continueTo: '/agents/account/', viewer, csrf: reply.generateCsrf() })));
      });
    });

    /**
     * A change of one's own second factor that needs the current password (a guess like a login's:
     * a wrong one counts per address and account, a right one nothing): its outcome, or the status
     * page again with why not.
     */
    const withCurrentPassword = async (request: FastifyRequest, reply: FastifyReply, change: (viewerId: number, password: unknown) => Promise<FastifyReply>) => {
      const viewer = request.viewer!;
      const check = await limits.loginCheck(request, viewer.username);
      if (check.wait !== null) {
        reply.header('retry-after', String(check.wait));
        return statusPage(request, reply, { kind: 'error', message: waitMessage('password attempts', check.wait) }, {}, 429);
      }
      try {
        return await underOwnCheck(check, () => change(viewer.id, formBody(request.body).current_password));
      } catch (error) {
        if (!(error instanceof DomainError) || (error.code !== 'invalid_input' && error.code !== 'conflict')) throw error;
        return statusPage(request, reply, refusalFlash(error), error.fields, error.code === 'conflict' ? 409 : 400);
      }
    };
    const ownFactor = { preHandler: [requireRole('agent', 'admin'), app.csrfProtection] };

    pages.post('/agents/account/two-factor/off/', ownFactor, async (request, reply) =>
      withCurrentPassword(request, reply, async (id, password) => {
        await turnOffSecondFactor(ctx, id, password, keptOf(request), request.ip);
        setFlash(reply, { kind: 'success', message: 'Two-factor sign-in is off: you log in with your password alone.' });
        return reply.redirect('/agents/account/', 303);
      }),
    );

    pages.post('/agents/account/two-factor/codes/', ownFactor, async (request, reply) =>
      withCurrentPassword(request, reply, async (id, password) => {
        const codes = await renewRecoveryCodes(ctx, id, password, keptOf(request), request.ip);
        return sendHtml(reply, renderPage(RecoveryCodesPage({ codes, continueTo: '/agents/account/two-factor/', viewer: request.viewer, csrf: reply.generateCsrf(), renewed: true })));
      }),
    );
  });
}

/**
 * The admins' side of §15: requiring a second factor of all staff (a setting of its own form).
 * Resetting a user's second factor (a lost phone) is an action of the user page (routes/admin.ts).
 */
export function twoFactorAdminRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.register(async (admin) => {
    admin.addHook('preHandler', requireRole('admin'));

    admin.post('/adminapp/settings/two-factor/', { preHandler: app.csrfProtection }, async (request, reply) => {
      const raw = formBody(request.body).required;
      if (raw !== 'on' && raw !== 'off') throw invalidInput({ required: 'Required: choose on or off.' }, 'Required: choose on or off.');
      const changed = await setTwoFactorRequirement(ctx, actingOf(request), raw === 'on');
      setFlash(reply, { kind: changed ? 'success' : 'info', message: requirementOutcomeMessage(raw === 'on', changed) });
      return reply.redirect('/adminapp/settings/#two-factor-setting', 303);
    });
  });
}
