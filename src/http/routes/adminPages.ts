/**
 * What the admin data browser's route modules share (routes/admin.ts, routes/adminUsers.ts): a
 * page's viewer, CSRF token and flash, a detail URL's id, and how a refused action is shown.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, notFound } from '../../core/errors.js';
import { parseId } from '../../core/tickets.js';
import type { Flash } from '../../views/layout.js';
import { takeFlash } from '../flash.js';

export type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** What every admin page shows besides its own content: the viewer, the CSRF token, the flash. */
export const pageBase = (request: FastifyRequest, reply: FastifyReply, flash: Flash | null = takeFlash(request, reply)) => ({ viewer: request.viewer!, csrf: reply.generateCsrf(), flash });

/** The id of a detail URL; anything but a positive whole number is a 404. */
export function idParam(request: IdRequest, what: string): number {
  const raw = request.params.id;
  const id = parseId(raw);
  if (id === null) throw notFound(what);
  return id;
}

/** A refused admin action (bad input, conflict): shown on the page it came from, not as an error page. */
export function refusal(error: unknown): DomainError | null {
  return error instanceof DomainError && (error.code === 'invalid_input' || error.code === 'conflict') ? error : null;
}

/** The status of a refused action's page: 409 for a conflict, 400 for bad input. */
export const statusOf = (error: DomainError) => (error.code === 'conflict' ? 409 : 400);
