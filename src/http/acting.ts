import type { FastifyRequest } from 'fastify';
import type { Acting } from '../services/audit.js';

/**
 * The staff member behind a request (its session on a page, its token on the API) as the audit log
 * records it, with the client's address (request.ip: the proxy's client when TRUST_PROXY says so).
 */
export function actingOf(request: FastifyRequest): Exclude<Acting, number | null> {
  const user = request.apiUser ?? request.viewer;
  if (!user) throw new Error('actingOf: the route has no signed-in staff member');
  return { id: user.id, username: user.username, address: request.ip };
}
