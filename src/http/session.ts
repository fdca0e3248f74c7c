import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forbidden } from '../core/errors.js';
import { adminNotices } from '../core/notices.js';
import { noticeFacts } from '../repositories/adminUsers.js';
import type { Role } from '../core/users.js';
import { authenticate, type StaffUser } from '../services/auth.js';
import type { ServiceContext } from '../services/context.js';
import type { OpenPages } from '../live/openPages.js';
import { pageOfAction } from '../core/staleForms.js';
import { BACKGROUND_REFRESH_HEADER } from './flash.js';
import { formBody, safeNext } from './forms.js';

export const SESSION_COOKIE = 'hd_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in staff member, or null. Set for every request that carries a session cookie. */
    viewer: StaffUser | null;
    /**
     * The session's staff member read now, for a form refused before the preHandlers ran (a field
     * too long to read, forms.ts tooLongForm): `viewer` is set from it. Null without a session.
     */
    sessionViewer(): Promise<StaffUser | null>;
  }
  interface FastifyContextConfig {
    /** The route only serves pages' background traffic (the live stream): never activity. */
    background?: boolean;
  }
}

/**
 * Whether a request is somebody at work — a page load, a form post — and so keeps the session
 * alive (SESSION_IDLE_MINUTES). A page's own background traffic is not: the live stream (its route
 * says `background`; its heartbeat checks the session as background too), the agent dashboard's
 * refetches, the admin dashboard's feed and the status page's refresh (they send
 * BACKGROUND_REFRESH_HEADER). Otherwise an open tab would keep an absent agent available, and
 * getting tickets, for ever. (API calls are activity too, through their token: see presenceCutoffs.)
 * Background traffic does show that a page is open, which keeps the agent from auto-away
 * (AUTO_AWAY_MINUTES, src/live/openPages.ts) but never keeps the session alive.
 */
export function countsAsActivity(request: FastifyRequest): boolean {
  return request.routeOptions.config.background !== true && request.headers[BACKGROUND_REFRESH_HEADER] === undefined;
}

export interface SessionOptions {
  ctx: ServiceContext;
  idleMinutes: number;
  secureCookies: boolean;
  /** Auto-away's registry: a page's background refresh is not activity, but it shows the page is open. */
  openPages?: OpenPages;
  /** IMAP_URL is set: customers' answers to emails are read (the admins' notices). */
  mailboxRead?: boolean;
}

/** Cookie attributes of the session: httpOnly, SameSite=Lax, Secure in production. */
export function sessionCookieOptions(secure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure };
}

/** Resolves the session cookie into `request.viewer` (skipping static files). */
export function installSessions(app: FastifyInstance, { ctx, idleMinutes, openPages, mailboxRead = false }: SessionOptions): void {
  // Requests whose session was read before the preHandler (a form refused or read before its
  // route: uploads.ts, forms.ts): the preHandler takes that answer rather than asking again.
  const resolved = new WeakSet<FastifyRequest>();
  app.decorateRequest('viewer', null);
  app.decorateRequest('sessionViewer', async function (this: FastifyRequest) {
    const token = this.cookies[SESSION_COOKIE];
    if (!token || /^\/api(\/|\?|$)/.test(this.url)) return null;
    this.viewer = await authenticate(ctx, token, { idleMinutes, countsAsActivity: countsAsActivity(this) });
    resolved.add(this);
    return this.viewer;
  });
  app.addHook('preHandler', async (request) => {
    const token = request.cookies[SESSION_COOKIE];
    // Static files need no user, and the API never accepts session cookies (§8).
    if (!token || request.url.startsWith('/static/') || /^\/api(\/|\?|$)/.test(request.url)) return;
    const atWork = countsAsActivity(request);
    const viewer = resolved.has(request) ? request.viewer : await authenticate(ctx, token, { idleMinutes, countsAsActivity: atWork });
    // An admin's page views carry the warnings every admin page shows (not its posts or feeds).
    if (viewer?.role === 'admin' && atWork && request.method === 'GET') viewer.notices = adminNotices(await noticeFacts(ctx.handle.db, mailboxRead), viewer.id);
    request.viewer = viewer;
    // Not somebody at work, but somebody's page still open (the stream route registers itself).
    if (viewer && !atWork) openPages?.seen(viewer.id);
  });
}

/**
 * Makes a plugin scope admin-only: the role is checked before every handler (a visitor is sent to
 * the login page, an agent gets 403), and no answer is cached (live data, account details, forms).
 */
export function adminOnly(scope: FastifyInstance): void {
  scope.addHook('preHandler', requireRole('admin'));
  scope.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });
}

/**
 * Where the login takes a visitor without a session back to: the page asked for, or for a form
 * post (the session ended while the page was open) its `next` field if it has a safe one, else the
 * page the action belongs to (core/staleForms.ts pageOfAction: `/agents/tickets/6/messages/` →
 * `/agents/tickets/6/`), else the dashboard.
 */
function comeBackTo(request: FastifyRequest): string {
  if (request.method === 'GET' || request.method === 'HEAD') return request.url;
  const path = request.url.split('?', 1)[0]!;
  const page = pageOfAction(path, (url) => request.server.findRoute({ method: 'GET', url }) !== null);
  return safeNext(formBody(request.body).next, page ?? '/agents/dashboard/');
}

/**
 * Guards a subtree: anonymous visitors are sent to the login page with `next` (comeBackTo), staff
 * of another role get 403. `roles` lists who may enter.
 */
export function requireRole(...roles: Role[]) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.viewer) return reply.redirect(`/agents/login/?next=${encodeURIComponent(comeBackTo(request))}`, 303);
    if (!roles.includes(request.viewer.role)) throw forbidden('This page is for admins only.');
  };
}

/**
 * `takesFiles` (uploads.ts) of a staff form: its multipart body is read only for a session of one
 * of `roles`; anyone else gets the login page or 403 (as requireRole) before a byte is read. The
 * session is read here, ahead of the usual session step, because that step runs after the body.
 */
export function staffMayPost(...roles: Role[]) {
  const guard = requireRole(...roles);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    request.viewer ??= await request.sessionViewer();
    await guard(request, reply);
    return !reply.sent;
  };
}
