import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';
import type { DbHandle } from '../db/connect.js';
import { type ChangeHub, createLocalHub } from '../live/hub.js';
import type { Clock, ServiceContext, TicketChange } from '../services/context.js';
import { installErrorHandler, sendError } from './errors.js';
import { adminRoutes } from './routes/admin.js';
import { adminappRoutes } from './routes/adminapp.js';
import { agentRoutes } from './routes/agents.js';
import { benchRoutes } from './routes/bench.js';
import { apiPlugin } from './routes/api/index.js';
import { liveRoutes } from './routes/live.js';
import { createMetrics, opsRoutes } from './routes/ops.js';
import { ticketRoutes } from './routes/tickets.js';
import { installSessions } from './session.js';

/** Per-route rate limits (false: none). */
export interface RouteLimits {
  login: false | { max: number; timeWindow: number };
  ticketCreation: false | { max: number; timeWindow: number };
}

export type AppConfig = Pick<Config, 'secretKey' | 'publicUrl' | 'sessionIdleMinutes' | 'rateLimit' | 'production'> & Partial<Pick<Config, 'benchRoutes'>>;

export interface AppDependencies {
  handle: DbHandle;
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
 * sessions, routes, errors. Nothing global: two apps can share a process (tests do).
 */
export async function buildApp(deps: AppDependencies): Promise<{ app: FastifyInstance; ctx: ServiceContext; hub: ChangeHub }> {
  const { config } = deps;
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: BODY_LIMIT, trustProxy: false });
  const hub = deps.hub ?? createLocalHub((error) => app.log.error({ err: error }, 'live update listener failed'));
  if (!deps.hub) app.addHook('onClose', () => hub.close());
  const ctx: ServiceContext = {
    handle: deps.handle,
    clock: deps.clock,
    publicUrl: config.publicUrl,
    onChanges: (changes) => {
      metrics.recordChanges(changes);
      hub.publishTickets(changes);
      deps.onChanges?.(changes);
    },
    onPresence: (agentId, presence) => hub.publishPresence(agentId, presence),
  };
  const metrics = createMetrics(ctx);

  await app.register(fastifyFormbody);
  await app.register(fastifyCookie, { secret: config.secretKey });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', signed: true, secure: config.production },
    getToken: (request) => {
      const body = request.body as Record<string, unknown> | undefined;
      return typeof body?._csrf === 'string' ? body._csrf : undefined;
    },
  });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: config.production ? [] : null,
      },
    },
    hsts: config.production,
  });
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyStatic, { root: publicDir, prefix: '/static/', maxAge: '1h' });
  await app.register(fastifyStatic, { root: picoDir, prefix: '/static/vendor/', decorateReply: false, allowedPath: (path) => path === '/pico.min.css', maxAge: '1d' });
  await app.register(fastifyStatic, { root: chartDir, prefix: '/static/vendor/chart/', decorateReply: false, allowedPath: (path) => path === '/chart.umd.min.js', maxAge: '1d' });

  installSessions(app, { ctx, idleMinutes: config.sessionIdleMinutes, secureCookies: config.production });
  installErrorHandler(app);

  const minute = 60_000;
  const limits: RouteLimits = config.rateLimit
    ? { login: { max: 10, timeWindow: minute }, ticketCreation: { max: 30, timeWindow: minute } }
    : { login: false, ticketCreation: false };

  ticketRoutes(app, ctx, limits);
  agentRoutes(app, ctx, limits, config.production);
  liveRoutes(app, ctx, { hub, idleMinutes: config.sessionIdleMinutes, heartbeatMs: deps.liveHeartbeatMs });
  adminappRoutes(app, ctx);
  adminRoutes(app, ctx);
  opsRoutes(app, ctx, metrics);
  // The benchmark baseline (BENCH_ROUTES=on only): see npm run bench:intake.
  if (config.benchRoutes) await benchRoutes(app, ctx);
  // The JSON API (§8): its own JSON parsing, bearer tokens, no cookies or CSRF, OpenAPI at /api/openapi.json.
  await app.register(apiPlugin, { prefix: '/api', ctx, limits });

  app.setNotFoundHandler(async (request, reply) => {
    // Page URLs keep their trailing slash; the form without it redirects to it (§1).
    const [path, query] = splitUrl(request.url);
    if (!path.endsWith('/') && /^\/(tickets|agents|adminapp|admin)(\/|$)/.test(path) && !/\.\w+$/.test(path)) {
      return reply.redirect(`${path}/${query}`, request.method === 'GET' || request.method === 'HEAD' ? 301 : 308);
    }
    return sendError(request, reply, 404, 'not_found', 'There is no page at this address.');
  });

  return { app, ctx, hub };
}

function splitUrl(url: string): [string, string] {
  const at = url.indexOf('?');
  return at === -1 ? [url, ''] : [url.slice(0, at), url.slice(at)];
}
