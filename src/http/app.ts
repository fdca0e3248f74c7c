import type { IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions, type HTTPMethods, type RouteOptions } from 'fastify';
import type { Config } from '../config.js';
import { DEFAULT_CLOSE_UNDO_SECONDS } from '../core/pendingClose.js';
import { invalidInput } from '../core/errors.js';
import { allowedMethods, emptySegmentsMessage, emptySegmentsOf, notAllowedMessage } from '../core/methods.js';
import { servedOverTls } from '../core/publicUrl.js';
import { redactUrl } from '../core/redact.js';
import { WEBHOOK_HISTORY_DAYS } from '../core/webhooks.js';
import type { DbHandle } from '../db/connect.js';
import { stampIntervalMs } from '../core/autoAway.js';
import { type ChangeHub, createLocalHub } from '../live/hub.js';
import { OpenPages } from '../live/openPages.js';
import { activePasswordHashOf } from '../services/auth.js';
import { DEFAULT_INBOUND_SETTING, type InboundSetting } from '../services/inbound.js';
import { TicketIntake } from '../services/intake.js';
import type { Clock, ServiceContext, TicketChange } from '../services/context.js';
import { TokenCache } from '../services/tokenCache.js';
import { TopicNames } from '../services/topicNames.js';
import { SsoProvider } from '../services/sso.js';
import { installErrorHandler, sendError } from './errors.js';
import { forwardedAddresses, forwardedByOwnProxy, type TrustProxy } from '../core/trustProxy.js';
import { databaseCheckCounters, memoryCheckCounters } from './loginChecks.js';
import { deviceCookies, installDeviceCookies } from './deviceCookies.js';
import { databaseLimitStore, endedWindowSweeper } from './rateLimitStore.js';
import { createRouteLimits, DEFAULT_RATE_LIMITS, limitStoreFor, NO_LIMITS, type RateLimitSettings } from './rateLimits.js';
import { accountRoutes } from './routes/account.js';
import { adminRoutes } from './routes/admin.js';
import { adminUserRoutes } from './routes/adminUsers.js';
import { twoFactorAdminRoutes, twoFactorRoutes } from './routes/twoFactor.js';
import { adminappRoutes } from './routes/adminapp.js';
import { agentRoutes } from './routes/agents.js';
import { attachmentRoutes } from './routes/attachments.js';
import { calendarRoutes } from './routes/calendars.js';
import { forecastRoutes } from './routes/forecast.js';
import { webhookRoutes } from './routes/webhooks.js';
import { auditRoutes } from './routes/audit.js';
import { exportRoutes } from './routes/exports.js';
import { teamPageRoutes } from './routes/teams.js';
import { benchRoutes } from './routes/bench.js';
import { conversationRoutes } from './routes/conversation.js';
import { apiPlugin } from './routes/api/index.js';
import { liveRoutes } from './routes/live.js';
import { createMetrics, opsRoutes } from './routes/ops.js';
import { cannedReplyRoutes } from './routes/replies.js';
import { ratingRoutes } from './routes/rating.js';
import { ssoRoutes } from './routes/sso.js';
import { ticketRoutes } from './routes/tickets.js';
import { CSRF_COOKIE, CSRF_FIELD, refuseRepeatedFields } from './forms.js';
import { installSessions } from './session.js';
import { installUploads } from './uploads.js';

export type { RouteLimits } from './rateLimits.js';

/** The app's settings; `secretKey` is the key itself (signingKey in src/config.ts), never unset. */
export type AppConfig = { secretKey: string } & Pick<Config, 'publicUrl' | 'sessionIdleMinutes' | 'rateLimit' | 'production'> & { rateLimits?: RateLimitSettings } & Partial<Pick<Config, 'benchRoutes' | 'metricsToken' | 'smtpUrl' | 'mailFrom' | 'mailReplyTo' | 'mailMaxMessageBytes' | 'inbound' | 'autoAwayMinutes' | 'closeUndoSeconds' | 'webhooksAllowPrivate' | 'webhooksHistoryDays' | 'apiPresenceMinutes' | 'sessionMaxHours' | 'trustProxy' | 'rateLimitStore' | 'oidc'>>;

export interface AppDependencies {
  handle: DbHandle;
  /** Called for every route as it is added (tests list them all, e.g. to check who may use each). */
  onRoute?: (route: RouteOptions) => void;
  clock: Clock;
  config: AppConfig;
  logger?: FastifyServerOptions['logger'];
  /** Extra listeners of committed ticket changes (live updates, tests). */
  onChanges?: (changes: TicketChange[]) => void;
  /**
   * Where committed changes are announced to live pages (src/live): across processes on
   * PostgreSQL (createChangeHub). Default: an in-process hub of this app, closed with it.
   */
  hub?: ChangeHub;
  /** Heartbeat interval of the live-update streams (default 15 s). */
  liveHeartbeatMs?: number;
}

const publicDir = fileURLToPath(new URL('../public/', import.meta.url));
const picoDir = fileURLToPath(new URL('../../node_modules/@picocss/pico/css/', import.meta.url));
const chartDir = fileURLToPath(new URL('../../node_modules/chart.js/dist/', import.meta.url));

// Forms are small: 10 000 characters of description is at most 40 kB of UTF-8, urlencoded ~120 kB.
const BODY_LIMIT = 256 * 1024;

/**
 * Builds the whole web app from its dependencies, plugins in a visible order: parsing, security,
 * sessions, routes, errors. Nothing global: two apps can share a process (tests do). Also answers
 * its ticket intake and the email channel's settings, which the IMAP watcher shares (server.ts).
 */
export async function buildApp(deps: AppDependencies): Promise<{ app: FastifyInstance; ctx: ServiceContext; hub: ChangeHub; intake: TicketIntake; inbound: InboundSetting; openPages: OpenPages }> {
  const { config } = deps;
  const app = Fastify({
    logger: withRedaction(deps.logger),
    bodyLimit: BODY_LIMIT,
    // TRUST_PROXY (src/core/trustProxy.ts): off unless configured, so a forged X-Forwarded-For
    // never changes the address that limits, logs and the audit log see.
    trustProxy: fastifyTrustProxy(config.trustProxy ?? false),
    // Before routing, so the request log, the limits and the audit log all read the address alone.
    ...(config.trustProxy ? { rewriteUrl: onlyForwardedAddresses } : {}),
    // Addresses the router cannot even read answer like every other error (page or §8 JSON), not
    // with Fastify's own JSON: a broken %-escape is a 400, an over-long id names nothing (404).
    frameworkErrors: (error, request, reply) => {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendError(request, reply, 404, 'not_found', 'There is no page at this address.');
      // Under /api the 400 names its field as every 400 does (§8): the address's path.
      if (error.code === 'FST_ERR_BAD_URL') return sendError(request, reply, 400, 'invalid_input', 'This address is not valid: it holds a broken %-escape.', { path: 'Holds a broken %-escape: write % itself as %25.' });
      request.log.error({ err: error }, 'routing failed');
      return sendError(request, reply, 500, 'internal', 'Something went wrong on our side. Please try again.');
    },
  });
  if (deps.onRoute) app.addHook('onRoute', deps.onRoute);
  closeConnectionsOnceClosing(app);
  if (!config.trustProxy) warnOnceOfForgottenProxy(app);
  refuseEmptyApiSegments(app);
  const hub = deps.hub ?? createLocalHub((error) => app.log.error({ err: error }, 'live update listener failed'));
  if (!deps.hub) app.addHook('onClose', () => hub.close());
  const ctx: ServiceContext = {
    handle: deps.handle,
    clock: deps.clock,
    publicUrl: config.publicUrl,
    ...(config.mailMaxMessageBytes === undefined ? {} : { mailMaxMessageBytes: config.mailMaxMessageBytes }),
    onChanges: (changes) => {
      metrics.recordChanges(changes);
      hub.publishTickets(changes);
      deps.onChanges?.(changes);
    },
    onPresence: (agentId, presence) => hub.publishPresence(agentId, presence),
    tokenCache: new TokenCache(),
    topicNames: new TopicNames(),
    ...(config.apiPresenceMinutes === undefined ? {} : { apiPresenceMinutes: config.apiPresenceMinutes }),
    ...(config.autoAwayMinutes === undefined ? {} : { autoAwayMinutes: config.autoAwayMinutes }),
    ...(config.sessionMaxHours === undefined ? {} : { sessionMaxHours: config.sessionMaxHours }),
  };
  const metrics = createMetrics(ctx, (error) => app.log.warn({ err: error }, 'metrics: the database figures could not be read'));
  // Who has a page open here, stamped for the other processes (auto-away: src/live/openPages.ts).
  const openPages = new OpenPages(ctx.handle.db, ctx.clock, (error) => app.log.warn({ err: error }, 'auto-away: stamping open pages failed'));
  const autoAwayMinutes = config.autoAwayMinutes ?? 0;
  if (autoAwayMinutes > 0) openPages.start(stampIntervalMs(autoAwayMinutes));
  app.addHook('onClose', () => openPages.stop());

  await app.register(fastifyFormbody);
  // Forms with files (§10.1): read whole before CSRF and the NUL check, which see their text fields.
  await installUploads(app, { fieldBytes: BODY_LIMIT });
  // Every cookie the app sets (session, CSRF, flash) is Secure in production, and wherever PUBLIC_URL
  // is https (NODE_ENV forgotten behind a TLS proxy): `parseOptions` are @fastify/cookie's defaults
  // for setCookie and clearCookie, so no cookie can forget it.
  const secureCookies = config.production || servedOverTls(config.publicUrl);
  await app.register(fastifyCookie, { secret: config.secretKey, parseOptions: { secure: secureCookies } });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', signed: true, secure: secureCookies },
    getToken: (request) => {
      const body = request.body as Record<string, unknown> | undefined;
      const token = body?.[CSRF_FIELD];
      return typeof token === 'string' ? token : undefined;
    },
  });
  // Single sign-on (§15), when the OIDC_ keys are set: the provider is asked on first use.
  const sso = config.oidc ? new SsoProvider(config.oidc) : null;
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        // The "Sign in with …" form is answered with a redirect to the provider, which browsers check against form-action.
        formAction: ["'self'", ...(sso ? [() => sso.formTargets()] : [])],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: config.production ? [] : null,
      },
    },
    hsts: config.production,
  });
  // Where limits count (RATE_LIMIT_STORE): the database shares one count among all processes.
  const sharedLimits = limitStoreFor(config.rateLimitStore ?? 'auto', deps.handle.dialect) === 'database';
  const limitNow = () => deps.clock.now();
  const sweep = sharedLimits ? endedWindowSweeper(deps.handle.db, (error) => app.log.warn({ err: error }, 'rate limits: sweeping ended windows failed')) : undefined;
  const limitStore = sweep ? databaseLimitStore(deps.handle.db, limitNow, sweep) : undefined;
  const checkCounters = sweep ? databaseCheckCounters(deps.handle.db, limitNow, sweep) : memoryCheckCounters(limitNow);
  await app.register(fastifyRateLimit, { global: false, ...(limitStore ? { store: limitStore } : {}) });
  await app.register(fastifyStatic, { root: publicDir, prefix: '/static/', maxAge: '1h' });
  await app.register(fastifyStatic, { root: picoDir, prefix: '/static/vendor/', decorateReply: false, allowedPath: (path) => path === '/pico.min.css', maxAge: '1d' });
  await app.register(fastifyStatic, { root: chartDir, prefix: '/static/vendor/chart/', decorateReply: false, allowedPath: (path) => path === '/chart.umd.min.js', maxAge: '1d' });

  installSessions(app, { ctx, idleMinutes: config.sessionIdleMinutes, secureCookies, openPages, mailboxRead: config.inbound?.imapUrl !== undefined });
  installErrorHandler(app);
  refuseNulCharacters(app);
  refuseRepeatedFields(app);

  // Browsers remembered by a complete sign-in count their failed ones apart (core/deviceCookies.ts).
  const devices = deviceCookies(config.secretKey, { secure: secureCookies, now: limitNow, passwordHashOf: (username) => activePasswordHashOf(ctx, username) });
  installDeviceCookies(app, devices);
  // Abuse limits on login and ticket creation (RATE_LIMIT=off for load tests): see rateLimits.ts.
  const limits = config.rateLimit ? createRouteLimits(app, config.rateLimits ?? DEFAULT_RATE_LIMITS, checkCounters, devices) : NO_LIMITS;

  // Tickets arriving together are committed together (group commit): see services/intake.ts.
  const intake = new TicketIntake(ctx);
  ticketRoutes(app, ctx, limits, intake);
  ratingRoutes(app, ctx, limits);
  agentRoutes(app, ctx, limits, {
    idleMinutes: config.sessionIdleMinutes,
    secureCookies,
    autoAwayMinutes,
    closeUndoMs: (config.closeUndoSeconds ?? DEFAULT_CLOSE_UNDO_SECONDS) * 1000,
    ssoLabel: sso?.settings.label ?? null,
  });
  ssoRoutes(app, ctx, limits, sso, { idleMinutes: config.sessionIdleMinutes, secureCookies });
  accountRoutes(app, ctx, limits, { idleMinutes: config.sessionIdleMinutes });
  twoFactorRoutes(app, ctx, limits, { idleMinutes: config.sessionIdleMinutes, secureCookies });
  conversationRoutes(app, ctx);
  liveRoutes(app, ctx, { hub, idleMinutes: config.sessionIdleMinutes, heartbeatMs: deps.liveHeartbeatMs, openPages });
  adminappRoutes(app, ctx);
  cannedReplyRoutes(app, ctx);
  calendarRoutes(app, ctx);
  forecastRoutes(app, ctx);
  webhookRoutes(app, ctx, { allowPrivate: config.webhooksAllowPrivate ?? false, historyDays: config.webhooksHistoryDays ?? WEBHOOK_HISTORY_DAYS });
  teamPageRoutes(app, ctx);
  attachmentRoutes(app, ctx);
  adminRoutes(app, ctx, { canSendMail: config.smtpUrl !== undefined });
  adminUserRoutes(app, ctx, { idleMinutes: config.sessionIdleMinutes });
  twoFactorAdminRoutes(app, ctx);
  auditRoutes(app, ctx);
  exportRoutes(app, ctx);
  opsRoutes(app, ctx, metrics, { metricsToken: config.metricsToken });
  // The benchmark baseline (BENCH_ROUTES=on only): see npm run bench:intake.
  if (config.benchRoutes) await benchRoutes(app, ctx);
  // The JSON API (§8): its own JSON parsing, bearer tokens, no cookies or CSRF, OpenAPI at /api/openapi.json.
  const inbound: InboundSetting = {
    mailFrom: config.mailFrom ?? DEFAULT_INBOUND_SETTING.mailFrom,
    ...(config.mailReplyTo === undefined ? {} : { mailReplyTo: config.mailReplyTo }),
    maxBytes: config.inbound?.maxBytes ?? DEFAULT_INBOUND_SETTING.maxBytes,
    ticketsPerHour: config.inbound?.ticketsPerHour ?? DEFAULT_INBOUND_SETTING.ticketsPerHour,
  };
  await app.register(apiPlugin, { prefix: '/api', ctx, limits, intake, inbound, webhooksAllowPrivate: config.webhooksAllowPrivate ?? false, idleMinutes: config.sessionIdleMinutes });

  app.setNotFoundHandler(async (request, reply) => {
    // Page URLs keep their trailing slash; the form without it redirects to it (§1).
    const [path, query] = splitUrl(request.url);
    if (!path.endsWith('/') && /^\/(tickets|agents|adminapp|admin)(\/|$)/.test(path) && !/\.\w+$/.test(path)) {
      return reply.redirect(`${path}/${query}`, request.method === 'GET' || request.method === 'HEAD' ? 301 : 308);
    }
    // An API address asked with a method it does not have: 405 naming those it has (src/core/methods.ts).
    const allow = allowedMethods(path, (method) => app.findRoute({ method: method as HTTPMethods, url: path }) !== null);
    if (allow !== null) return sendError(request, reply.header('allow', allow), 405, 'method_not_allowed', notAllowedMessage(allow));
    return sendError(request, reply, 404, 'not_found', 'There is no page at this address.');
  });

  return { app, ctx, hub, intake, inbound, openPages };
}

/**
 * The logger options given, with request URLs redacted (src/core/redact.ts): the fields of Fastify's
 * own request serializer, whose `url` would otherwise carry status-page tokens into every request
 * log. Headers are not logged at all, so API bearer tokens and cookies never are.
 */
function withRedaction(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return false;
  const options = logger === true ? {} : logger;
  return { ...options, serializers: { ...options.serializers, req: serializeRequest } };
}

/**
 * Fastify's earliest hook on the raw request (it answers the URL unchanged): X-Forwarded-For as the
 * proxy check should read it, addresses alone without their ports (core/trustProxy.ts forwardedAddresses).
 */
function onlyForwardedAddresses(req: IncomingMessage): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (typeof forwarded === 'string') {
    const addresses = forwardedAddresses(forwarded);
    if (addresses === null) delete req.headers['x-forwarded-for'];
    else req.headers['x-forwarded-for'] = addresses;
  }
  return req.url ?? '/';
}

/**
 * Once the app is closing (SIGTERM), every answer still to be sent says `Connection: close`, so the
 * client's kept-alive connection ends with it. Node's server.close() ends only the connections idle
 * at that moment: one whose request was in flight stayed open once answered, idle, until its
 * keep-alive timeout (72 s), and the close waited for it until the server's 15 s guard exited 1.
 * A request arriving on a connection meanwhile gets Fastify's 503 (return503OnClosing), which a
 * load balancer sends elsewhere.
 */
function closeConnectionsOnceClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}

/**
 * TRUST_PROXY off, yet requests come through a proxy of this installation (core/trustProxy.ts
 * forwardedByOwnProxy): every client then counts as the proxy (one person's wrong passwords lock
 * everyone out of signing in). Said once per process, at the first such request.
 */
function warnOnceOfForgottenProxy(app: FastifyInstance): void {
  let said = false;
  // A callback hook, not an async one: every request passes it, and after the warning it only reads a flag.
  app.addHook('onRequest', (request, _reply, done) => {
    const forwarded = request.headers['x-forwarded-for'];
    if (!said && forwardedByOwnProxy(request.ip, typeof forwarded === 'string' ? forwarded : undefined)) {
      said = true;
      request.log.warn(`requests come through a proxy (${request.ip} forwards X-Forwarded-For) but TRUST_PROXY is off: rate limits, logs and the audit log count every client as that proxy; set TRUST_PROXY (README: Operations)`);
    }
    done();
  });
}

/**
 * `/api/v1/tickets/` and `/api/v1/tickets//close` name no route (src/core/methods.ts): a 404 saying
 * so for every method, before any route, token check or limit reads the empty segment as an id.
 */
function refuseEmptyApiSegments(app: FastifyInstance): void {
  // A callback hook, not an async one: every request passes it; an answer ends it without done().
  app.addHook('onRequest', (request, reply, done) => {
    const [path] = splitUrl(request.url);
    const without = emptySegmentsOf(path);
    if (without === null) return done();
    sendError(request, reply, 404, 'not_found', emptySegmentsMessage(path, without));
  });
}

/** TRUST_PROXY as Fastify takes it: a hop count becomes "the first n hops" (its types lack numbers). */
function fastifyTrustProxy(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

function serializeRequest(request: FastifyRequest) {
  const version = request.headers['accept-version'];
  return {
    method: request.method,
    url: redactUrl(request.url),
    version: Array.isArray(version) ? version.join(', ') : version,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** The name of the first field (path, query or body, at any depth) whose text holds U+0000, or null. */
export function nulField(value: unknown, name = '', depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? name || 'request' : null;
  // A raw body (a mail posted to /api/v1/inbound/email) is bytes, not text fields: walking it entry
  // by entry took a minute and gigabytes for a 10 MB mail. What is stored from it is cleaned there.
  if (Buffer.isBuffer(value)) return null;
  if (value === null || typeof value !== 'object' || depth > 20) return null;
  for (const [key, inner] of Object.entries(value)) {
    const found = nulField(inner, Array.isArray(value) ? name : key, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/**
 * PostgreSQL cannot store or even compare text holding U+0000 (a query with one fails; SQLite takes
 * it), and no person types one: a request carrying one anywhere is refused up front with a 400, the
 * same on both engines, before any route looks it up.
 */
function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const field = nulField(request.params) ?? nulField(request.query) ?? nulField(request.body);
    if (field !== null) throw invalidInput({ [field]: 'Remove the NUL character (U+0000): it cannot be stored.' }, 'The request holds a NUL character (U+0000), which cannot be stored.');
  });
}

function splitUrl(url: string): [string, string] {
  const at = url.indexOf('?');
  return at === -1 ? [url, ''] : [url.slice(0, at), url.slice(at)];
}
