/**
 * Bearer-token authentication of the JSON API (§8). The API never looks at cookies: a browser's
 * session cannot be ridden by another site's request, so the API needs no CSRF token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, forbidden } from '../core/errors.js';
import type { Role } from '../core/users.js';
import type { StaffUser } from '../services/auth.js';
import type { ServiceContext } from '../services/context.js';
import { authenticateApiToken } from '../services/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The staff member of the request's bearer token (API routes that require one). */
    apiUser: StaffUser | null;
  }
  interface FastifyContextConfig {
    /** API routes: the roles whose tokens may call the route. */
    apiRoles?: readonly Role[];
    /** The one route an `inbound` token may call (it delivers mail, §10); admin tokens may too. */
    inboundMail?: boolean;
  }
}

const INBOUND_ONLY = 'This token may only deliver mail (POST /api/v1/inbound/email).';

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

/**
 * Requires a live token on every route of `scope`, and a role the route's `config.apiRoles` lists.
 * 401 (with `WWW-Authenticate: Bearer`) without one, 403 for another role.
 */
export function requireBearer(scope: FastifyInstance, ctx: ServiceContext): void {
  scope.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const { apiRoles: roles, inboundMail } = request.routeOptions.config;
    // The mail route is called by one script many times a second: its token is remembered 2 s.
    const user = await bearerUser(ctx, request, reply, inboundMail === true);
    request.apiUser = user;
    if (inboundMail) {
      if (user.tokenScope !== 'inbound' && user.role !== 'admin') throw forbidden('Only an admin token or an inbound-mail token may deliver mail.');
      return;
    }
    if (user.tokenScope === 'inbound') throw forbidden(INBOUND_ONLY);
    if (roles && !roles.includes(user.role)) throw forbidden(`Only ${roles.join(' or ')} tokens may do this.`);
  });
}

/**
 * For the API's public routes (POST /api/v1/tickets): an inbound-mail token may do nothing but
 * deliver mail (§10), so a request that presents one is refused (403) rather than served as
 * anonymous, the same answer it gets on every staff route. Any other token, valid or not, is
 * simply not needed there and changes nothing.
 */
export function refuseInboundTokens(scope: FastifyInstance, ctx: ServiceContext): void {
  scope.addHook('onRequest', async (request: FastifyRequest) => {
    const token = bearerToken(request.headers.authorization);
    if (token === null) return;
    const user = await authenticateApiToken(ctx, token);
    if (user?.tokenScope === 'inbound') throw forbidden(INBOUND_ONLY);
  });
}

/**
 * The staff member of the request's live bearer token; 401 (with `WWW-Authenticate: Bearer`)
 * without a valid one.
 */
export async function bearerUser(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply, remembered = false): Promise<StaffUser> {
  const token = bearerToken(request.headers.authorization);
  const user = token ? await authenticateApiToken(ctx, token, remembered) : null;
  if (user) return user;
  reply.header('www-authenticate', token ? 'Bearer error="invalid_token"' : 'Bearer');
  throw new DomainError('unauthenticated', token ? 'This API token is not valid: unknown, revoked, or its account is deactivated.' : 'Send an API token: Authorization: Bearer <token>.');
}

/** The authenticated staff member of a route behind requireBearer. */
export function apiUserOf(request: FastifyRequest): StaffUser {
  if (!request.apiUser) throw new DomainError('unauthenticated', 'Send an API token: Authorization: Bearer <token>.');
  return request.apiUser;
}
