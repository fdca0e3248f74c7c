import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type ErrorCode } from '../core/errors.js';
import { mayShowFormAgain } from '../core/staleForms.js';
import { isDatabaseUnavailable } from '../core/writeErrors.js';
import type { ExpiredFormPage } from './forms.js';
import { ErrorPage } from '../views/errors.js';
import { renderPage } from '../views/render.js';
import { drainRequest, LongFieldRefusal, refusedUnread } from './uploads.js';

const STATUS_OF: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  stale: 409,
  payload_too_large: 413,
  rate_limited: 429,
};

const CODE_OF_STATUS: Record<number, string> = { 400: 'invalid_input', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed', 409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'rate_limited' };

/** What the user is told for framework errors whose own text is not meant for people. */
function friendlyMessage(error: FastifyError, status: number): string {
  if (isCsrfRefusal(error)) return 'This form has expired or did not come from this site. Go back, reload the page and try again.';
  if (status === 413) return 'That is more than we accept in one request.';
  if (status === 429) return 'Too many attempts. Please wait a minute and try again.';
  // The framework's own refusal names no field; a route's own 415 says what to send instead.
  if (status === 415) return error.code?.startsWith('FST_') === false ? error.message : 'Unsupported content type.';
  return error.message;
}

/** Sends an error as the §8 JSON shape under /api, as an HTML page elsewhere. */
export function sendError(request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string, fields: Record<string, string> = {}): FastifyReply {
  reply.status(status);
  if (/^\/api(\/|\?|$)/.test(request.url)) {
    return reply.type('application/json').send({ error: { code, message, ...(Object.keys(fields).length ? { fields } : {}) } });
  }
  return reply.type('text/html; charset=utf-8').send(renderPage(ErrorPage({ status, message, viewer: request.viewer, csrf: request.viewer ? reply.generateCsrf() : undefined })));
}

/**
 * The one place that turns errors into responses: domain codes map to statuses, framework client
 * errors keep theirs, and anything else is a 500 whose text is logged, never shown.
 *
 * A form refused for its CSRF token comes back as the route's own form when the route has one
 * (`config.expiredForm`, see forms.ts), its values kept; other forms get the 403 page. So does a
 * form refused for a text field too long to read (`config.tooLongForm`), with its 413.
 *
 * A body the request still carries (one refused as too large before it was read) is read to its
 * end first: answering and closing while the client still sends would make it see a broken
 * connection instead of the 413 (see uploads.ts).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    // A multipart body refused before it was read (uploads.ts) stays unread: its connection closes.
    if (refusedUnread(request)) reply.header('connection', 'close');
    else if (hasUnreadBody(request) && (await drainRequest(request.raw, reply))) {
      // Fastify asks to close after a refused body because more of it might follow; none does now.
      reply.removeHeader('connection');
    }
    const formAgain = isCsrfRefusal(error) ? formAgainOf(request, request.routeOptions.config.expiredForm) : error instanceof LongFieldRefusal ? formAgainOf(request, longFieldForm(request, error.field)) : undefined;
    if (formAgain) {
      try {
        return await formAgain(request, reply);
      } catch (failed) {
        // Its form could not be shown (the request's link is wrong, the database is down): that is the answer.
        return answer(failed as FastifyError, request, reply);
      }
    }
    return answer(error, request, reply);
  });
}

/**
 * Seconds a client is asked to wait (Retry-After) when the database is unavailable: about a
 * PostgreSQL restart's or a failover's length, and the pool and SQLite's lock wait try afresh at once.
 */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * The response for an error: domain codes map to statuses, framework client errors keep theirs, a
 * database that could not be reached or did not let the request through in time is a 503, the rest
 * is a 500.
 *
 * Decision: the failures core/writeErrors.ts calls transient (a connection lost or refused, a
 * server shutting down or refusing connections, a lock or statement timeout, SQLite's write lock
 * held past its wait, a database in read-only mode), also wrapped (a write whose outcome the
 * intake could not check), are 503 with Retry-After, not a 500: they say
 * nothing about the request, the same request a moment later succeeds, and a load balancer, a
 * client's retry logic and an alert on 500s (which mean bugs) can tell them apart. Logged as a
 * warning; nothing the request began is kept (its transaction was not committed).
 */
function answer(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof DomainError) return sendError(request, reply, STATUS_OF[error.code], error.code, error.message, error.fields);
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500 && isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'request failed: the database is unavailable');
    reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    return sendError(request, reply, 503, 'unavailable', 'The help desk cannot reach its database right now. Please try again in a moment.');
  }
  if (status === 500) {
    request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, 500, 'internal', 'Something went wrong on our side. Please try again.');
  }
  return sendError(request, reply, status, CODE_OF_STATUS[status] ?? 'bad_request', friendlyMessage(error, status));
}

function isCsrfRefusal(error: FastifyError): boolean {
  return error.code?.startsWith('FST_CSRF') === true;
}

/**
 * The route's own form to answer a refused CSRF token (`expiredForm`) or a field too long to read
 * (`tooLongForm`) with (forms.ts), unless the post may come from another site (core/staleForms.ts):
 * that one gets the plain page, so no other site can have our form shown filled in with its text.
 */
function formAgainOf(request: FastifyRequest, page: ExpiredFormPage | undefined): ExpiredFormPage | undefined {
  if (!page) return undefined;
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  return mayShowFormAgain({ fetchSite: header('sec-fetch-site'), origin: header('origin'), host: request.host }) ? page : undefined;
}

/** The route's form for a field too long to read, as a page of the request alone; undefined: the route has none. */
function longFieldForm(request: FastifyRequest, field: string): ExpiredFormPage | undefined {
  const page = request.routeOptions.config.tooLongForm;
  return page && ((req, reply) => page(req, reply, field));
}

function hasUnreadBody(request: FastifyRequest): boolean {
  const { headers } = request.raw;
  const declared = headers['content-length'] !== undefined && headers['content-length'] !== '0';
  return !request.raw.readableEnded && (declared || headers['transfer-encoding'] !== undefined);
}
