import { actingOf } from '../acting.js';
import { autoAwayNotice } from '../../core/autoAway.js';
import type { FastifyInstance } from 'fastify';
import { DomainError, invalidInput, notFound } from '../../core/errors.js';
import { highlightWords, parsePosition, parseSearch } from '../../core/search.js';
import { correctedText, correctQuery } from '../../core/searchTypos.js';
import { parseId, referenceOf } from '../../core/tickets.js';
import type { Role } from '../../core/users.js';
import type { Db } from '../../db/connect.js';
import type { UserRow } from '../../db/schema.js';
import { listTickets } from '../../repositories/ticketQueries.js';
import { listTicketsForgiving } from '../../repositories/searchTypos.js';
import { loadSettings } from '../../repositories/settings.js';
import { openTicketsOf, recentClosedOf } from '../../repositories/tickets.js';
import { findUserById } from '../../repositories/users.js';
import { checkCredentials, logout, recordFailedSignIn, startSession } from '../../services/auth.js';
import { secondStepFor } from '../../services/twoFactor.js';
import { finishLogin, toSecondStep } from '../login.js';
import { landingOf } from '../links.js';
import { decoyHash } from '../../services/passwords.js';
import type { ServiceContext } from '../../services/context.js';
import { changePresence } from '../../services/presence.js';
import { requestClose, undoClose } from '../../services/pendingCloses.js';
import { AgentDashboardPage, LoginPage } from '../../views/agents.js';
import type { SearchResultsProps } from '../../views/search.js';
import { renderPage } from '../../views/render.js';
import { type RouteLimits, underCheck, waitMessage } from '../rateLimits.js';
import { setFlash, takeFlash } from '../flash.js';
import { EXPIRED_FORM_STATUS, type ExpiredFormPage, forgetCsrfSecret, formBody, safeNext, sendHtml } from '../forms.js';
import { EXPIRED_LOGIN_NOTICE } from '../../core/staleForms.js';
import { presenceChangedMessage } from '../../core/awayMessages.js';
import { requireRole, SESSION_COOKIE } from '../session.js';

function ticketIdOf(raw: string): number {
  const id = parseId(raw);
  if (id === null) throw notFound('Ticket');
  return id;
}

/** Where a Close or Undo form asked to come back to (its `next` field, a local path), else `fallback`. */
function backFrom(body: unknown, fallback: string): string {
  return safeNext(formBody(body).next, fallback);
}

const DASHBOARD_RESULTS = 20;

/**
 * The dashboard's search (`?q=`, `&after=` a position): what the agent may see, best matches first;
 * when nothing matches, misspelt words corrected (repositories/searchTypos.ts) unless `exact=1`.
 */
async function dashboardSearch(db: Db, viewer: { id: number; role: Role }, query: Record<string, unknown>, now: number): Promise<SearchResultsProps> {
  const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : '');
  const q = text('q').trim();
  const none: SearchResultsProps = { values: q === '' ? {} : { q }, errors: {}, rows: null, words: [], nextAfter: null, corrected: null };
  if (q === '') return none;
  const parsed = q.length > 200 ? { ok: false as const, message: 'At most 200 characters.' } : parseSearch(q);
  if (!parsed.ok) return { ...none, errors: { q: parsed.message } };
  const after = text('after') === '' ? undefined : parsePosition(text('after'));
  if (after === null) return { ...none, errors: { after: 'This page of results is not valid: search again.' } };
  const filter = { search: parsed.query, beforeId: after, limit: DASHBOARD_RESULTS, now };
  // `exact=1`: the link under a corrected search, to search as typed.
  const { rows, corrections } = text('exact') === '1' ? { rows: await listTickets(db, viewer, filter), corrections: null } : await listTicketsForgiving(db, viewer, filter);
  const shown = rows.slice(0, DASHBOARD_RESULTS);
  const searched = corrections === null ? parsed.query : correctQuery(parsed.query, corrections);
  return {
    ...none,
    rows: shown,
    words: highlightWords(searched),
    nextAfter: rows.length > DASHBOARD_RESULTS ? shown.at(-1)!.position : null,
    corrected: corrections === null ? null : correctedText(q, corrections),
  };
}

/** Staff login/logout and the agent's own pages (§1, §3). */
export function agentRoutes(app: FastifyInstance, ctx: ServiceContext, limits: RouteLimits, sessions: { idleMinutes: number; secureCookies: boolean; autoAwayMinutes?: number; closeUndoMs: number; ssoLabel?: string | null }): void {
  app.get<{ Querystring: { next?: string } }>('/agents/login/', async (request, reply) => {
    if (request.viewer) return reply.redirect(safeNext(request.query.next, landingOf(request.viewer.role)), 303);
    const next = safeNext(request.query.next, '');
    return sendHtml(reply, renderPage(LoginPage({ values: {}, error: null, next, csrf: reply.generateCsrf(), flash: takeFlash(request, reply), sso: sessions.ssoLabel ?? null })));
  });

  // The first unknown username would otherwise pay for making the decoy hash, and so be told apart by its time.
  void decoyHash();

  // A sign-in page left open across a browser restart (its CSRF cookie went with the session): the
  // form again with the username and where to go kept, not a dead-end 403 (forms.ts ExpiredFormPage).
  const expiredLogin: ExpiredFormPage = async (request, reply) => {
    const body = formBody(request.body);
    const page = LoginPage({ values: { username: typeof body.username === 'string' ? body.username : '' }, error: null, notice: EXPIRED_LOGIN_NOTICE, next: safeNext(body.next, ''), csrf: reply.generateCsrf(), sso: sessions.ssoLabel ?? null });
    return sendHtml(reply, renderPage(page), EXPIRED_FORM_STATUS);
  };

  app.post('/agents/login/', { preHandler: app.csrfProtection, config: { expiredForm: expiredLogin } }, async (request, reply) => {
    const body = formBody(request.body);
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    // Failed sign-ins are counted per address and per username; once either has used up its limit,
    // attempts are refused before any password is checked. The check is reserved first, so a burst
    // of guesses gets no more checks than the limit; a sign-in that succeeds counts nothing.
    const check = await limits.loginCheck(request, username);
    if (check.wait !== null) {
      reply.header('retry-after', String(check.wait));
      const page = LoginPage({ values: { username }, error: waitMessage('login attempts', check.wait), next: safeNext(body.next, ''), csrf: reply.generateCsrf(), sso: sessions.ssoLabel ?? null });
      return sendHtml(reply, renderPage(page), 429);
    }
    // Settled on every path (underCheck): one that throws before judging counts nothing.
    return underCheck(check, async (judge) => {
      let user: UserRow;
      try {
        user = await checkCredentials(ctx, username, password);
      } catch (error) {
        // A wrong password counts; so does a check that broke (it may have told its answer anyway).
        await judge('failed');
        if (!(error instanceof DomainError) || error.code !== 'unauthenticated') throw error;
        await recordFailedSignIn(ctx, username, request.ip, 'password');
        const page = LoginPage({ values: { username }, error: error.message, next: safeNext(body.next, ''), csrf: reply.generateCsrf(), sso: sessions.ssoLabel ?? null });
        return sendHtml(reply, renderPage(page), 401);
      }
      await judge('passed');
      // A second factor to give, or to set up first (§15): the session waits for it.
      if ((await secondStepFor(ctx, user)) !== 'none') return toSecondStep(reply, user, ctx.clock.now(), sessions.secureCookies, safeNext(body.next, ''));
      // A browser still holding a session (a stale tab) hands it over: it ends with this login.
      const started = await startSession(ctx, user, { idleMinutes: sessions.idleMinutes, previousToken: request.cookies[SESSION_COOKIE], address: request.ip });
      return finishLogin(reply, started, body.next, sessions.secureCookies);
    });
  });

  app.post('/agents/logout/', { preHandler: app.csrfProtection }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await logout(ctx, token, request.ip);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    // The next person at this browser gets tokens of their own.
    forgetCsrfSecret(reply);
    setFlash(reply, { kind: 'info', message: 'You are logged out.' });
    return reply.redirect('/agents/login/', 303);
  });

  app.register(async (agentOnly) => {
    agentOnly.addHook('preHandler', async (request, reply) => {
      if (request.viewer?.role === 'admin' && request.method === 'GET') return reply.redirect('/adminapp/dashboard/', 303);
      return requireRole('agent', 'admin')(request, reply);
    });

    agentOnly.get('/agents/dashboard/', async (request, reply) => {
      const viewer = request.viewer!;
      const db = ctx.handle.db;
      const now = ctx.clock.now();
      const [open, closed, settings, user, search] = await Promise.all([
        openTicketsOf(db, viewer.id),
        recentClosedOf(db, viewer.id, 10),
        loadSettings(db),
        findUserById(db, viewer.id),
        dashboardSearch(db, viewer, request.query as Record<string, unknown>, now),
      ]);
      open.sort((a, b) => a.sla_due_at - b.sla_due_at || a.id - b.id);
      reply.header('cache-control', 'no-store');
      // Away because the system set it so (auto-away): the page says why (see core/autoAway.ts).
      const autoAwayAfter = user ? autoAwayNotice(user.presence, user.auto_away_at, sessions.autoAwayMinutes ?? 0) : null;
      const page = AgentDashboardPage({ viewer, csrf: reply.generateCsrf(), flash: takeFlash(request, reply), open, closed, capacity: user?.capacity ?? settings.defaultCapacity, now, search, autoAwayAfter, releaseOnLogout: settings.releaseOnLogout });
      return sendHtml(reply, renderPage(page), Object.keys(search.errors).length > 0 ? 400 : 200);
    });

    // Close with an undo window (src/core/pendingClose.ts): an agent's close is recorded as pending
    // and commits after `closeUndoMs`; an admin's (and any close with no window) commits at once.
    agentOnly.post<{ Params: { id: string } }>('/agents/tickets/:id/close/', { preHandler: app.csrfProtection }, async (request, reply) => {
      const id = ticketIdOf(request.params.id);
      const viewer = request.viewer!;
      const result = await requestClose(ctx, { ...actingOf(request), role: viewer.role }, id, sessions.closeUndoMs);
      const reference = referenceOf(id);
      // No number of seconds in the message: it would stand still beside the countdown next to Undo
      // (the one that runs), and a running one in this status line would be read out every second.
      if (result.kind === 'pending') {
        setFlash(reply, { kind: 'info', message: `Closing ${reference}. Undo it with the Undo button next to the ticket before its countdown ends; after that the customer is told.`, closing: reference, control: reference });
      } else {
        setFlash(reply, { ...(result.kind === 'closed' ? { kind: 'success', message: `${reference} is closed. The customer has been told.` } : { kind: 'info', message: `${reference} was already closed.` }), control: reference });
      }
      return reply.redirect(backFrom(request.body, viewer.role === 'admin' ? `/admin/tickets/${id}/` : '/agents/dashboard/'), 303);
    });

    agentOnly.post<{ Params: { id: string } }>('/agents/tickets/:id/close/undo/', { preHandler: app.csrfProtection }, async (request, reply) => {
      const id = ticketIdOf(request.params.id);
      const result = await undoClose(ctx, request.viewer!, id);
      const reference = referenceOf(id);
      setFlash(reply, {
        ...(result === 'undone'
          ? { kind: 'success', message: `${reference} stays open.` }
          : result === 'too-late'
            ? { kind: 'error', message: `Too late to undo: ${reference} is closed and the customer has been told. If the customer writes again, a follow-up ticket opens.` }
            : { kind: 'info', message: `${reference} has no close to undo: it stays open.` }),
        control: reference,
      });
      return reply.redirect(backFrom(request.body, '/agents/dashboard/'), 303);
    });

    agentOnly.post('/agents/availability/', { preHandler: app.csrfProtection }, async (request, reply) => {
      const status = String(formBody(request.body).status ?? '').trim().toLowerCase();
      if (status !== 'available' && status !== 'away') throw invalidInput({ status: 'Choose available or away.' }, 'Status must be available or away.');
      const released = await changePresence(ctx, request.viewer!.id, status);
      setFlash(reply, { kind: 'success', message: presenceChangedMessage(status, released) });
      return reply.redirect('/agents/dashboard/', 303);
    });
  });
}
